"""Rules of /v1/collector (legacy collector mappings and states)."""
from cloudkitty.common.policies import base

RULES = [
    base.api_rule('collector:list_mappings', base.ROLE_ADMIN,
                  'List service to collector mappings.',
                  [('GET', '/v1/collector/mappings')]),
    base.api_rule('collector:get_mapping', base.ROLE_ADMIN,
                  'Show the collector of a service.',
                  [('GET', '/v1/collector/mappings/{service_id}')]),
    base.api_rule('collector:manage_mapping', base.ROLE_ADMIN,
                  'Create or delete a service to collector mapping.',
                  [('POST', '/v1/collector/mappings'),
                   ('DELETE', '/v1/collector/mappings/{service_id}')]),
    base.api_rule('collector:get_state', base.ROLE_ADMIN,
                  'Show whether a collector is enabled.',
                  [('GET', '/v1/collector/states/{collector_id}')]),
    base.api_rule('collector:update_state', base.ROLE_ADMIN,
                  'Enable or disable a collector.',
                  [('PUT', '/v1/collector/states/{collector_id}')]),
]


def list_rules():
    return RULES

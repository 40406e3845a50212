"""Rules of /v1/rating (modules, quote, module configuration)."""
from cloudkitty.common.policies import base

RULES = [
    base.api_rule('rating:list_modules', base.ROLE_ADMIN, 'List the rating modules.',
                  [('GET', '/v1/rating/modules')]),
    base.api_rule('rating:get_module', base.ROLE_ADMIN, 'Show a rating module.',
                  [('GET', '/v1/rating/modules/{module_id}')]),
    base.api_rule('rating:update_module', base.ROLE_ADMIN,
                  'Enable, disable or reprioritize a rating module.',
                  [('PUT', '/v1/rating/modules/{module_id}')]),
    base.api_rule('rating:quote', base.UNPROTECTED, 'Price a list of resources.',
                  [('POST', '/v1/rating/quote')]),
    base.api_rule('rating:module_config', base.ROLE_ADMIN,
                  'Reload modules and use any module configuration API.',
                  [('GET', '/v1/rating/reload_modules'),
                   ('GET', '/v1/rating/module_config/{module}/*'),
                   ('POST', '/v1/rating/module_config/{module}/*'),
                   ('PUT', '/v1/rating/module_config/{module}/*'),
                   ('DELETE', '/v1/rating/module_config/{module}/*')]),
]


def list_rules():
    return RULES

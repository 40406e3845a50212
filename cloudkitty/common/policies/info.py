"""Rules of /v1/info (metrics configuration)."""
from cloudkitty.common.policies import base

RULES = [
    base.api_rule('info:list_services_info', base.UNPROTECTED,
                  'List the rated services (deprecated alias of metrics).',
                  [('GET', '/v1/info/services')]),
    base.api_rule('info:get_service_info', base.UNPROTECTED,
                  'Show one rated service (deprecated alias of metrics).',
                  [('GET', '/v1/info/services/{service_id}')]),
    base.api_rule('info:list_metrics_info', base.UNPROTECTED,
                  'List the collected metrics.', [('GET', '/v1/info/metrics')]),
    base.api_rule('info:get_metric_info', base.UNPROTECTED,
                  'Show one collected metric.', [('GET', '/v1/info/metrics/{metric_id}')]),
    base.api_rule('info:get_config', base.UNPROTECTED,
                  'Show the metrics configuration.', [('GET', '/v1/info/config')]),
]


def list_rules():
    return RULES

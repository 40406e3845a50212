"""Options of the ``[fetcher]`` group and of the fetcher plugins."""
from oslo_config import cfg

FETCHER_OPTS = [
    cfg.StrOpt('backend', default='keystone',
               help='Fetcher plugin listing the scopes to rate (namespace '
                    'cloudkitty.fetchers): keystone, gnocchi, prometheus, source.'),
]

SOURCE_OPTS = [
    cfg.ListOpt('sources', default=[],
                help='Static list of scope identifiers returned by the source '
                     'fetcher.'),
]

PROMETHEUS_OPTS = [
    cfg.StrOpt('metric', help='Metric queried to discover the scopes.'),
    cfg.StrOpt('scope_attribute', default='project_id',
               help='Label of the metric holding the scope identifier.'),
    cfg.DictOpt('filters', default={},
                help='Label filters added to the discovery query, as key:value pairs.'),
    cfg.StrOpt('prometheus_url', default='',
               help='Prometheus HTTP API URL, including the /api/v1 suffix.'),
    cfg.StrOpt('prometheus_user', help='User for HTTP basic authentication.'),
    cfg.StrOpt('prometheus_password', secret=True,
               help='Password for HTTP basic authentication.'),
    cfg.StrOpt('cafile', help='CA bundle used to verify the Prometheus certificate.'),
    cfg.BoolOpt('insecure', default=False,
                help='Do not verify the Prometheus TLS certificate.'),
    cfg.IntOpt('timeout', default=60, min=1,
               help='Timeout of one Prometheus HTTP request, in seconds.'),
]

GROUPS = {
    'fetcher': FETCHER_OPTS,
    'fetcher_source': SOURCE_OPTS,
    'fetcher_prometheus': PROMETHEUS_OPTS,
}

"""Options of the ``[collect]`` group and of the collector plugins."""
from oslo_config import cfg

from cloudkitty.common import keystone

COLLECT_OPTS = [
    cfg.StrOpt('collector', default='gnocchi',
               help='Collector plugin (namespace cloudkitty.collector.backends): '
                    'prometheus, file, gnocchi.'),
    cfg.IntOpt('period', default=3600, min=1,
               help='Length of a rating period, in seconds.'),
    cfg.IntOpt('wait_periods', default=2, min=0,
               help='Number of periods to wait before a period is collected, so '
                    'that late measures are taken into account.'),
    cfg.StrOpt('metrics_conf', default='/etc/cloudkitty/metrics.yml',
               help='Path of the metrics.yml file describing what is collected.'),
    cfg.StrOpt('scope_key', default='project_id',
               help='Attribute (groupby key) identifying a scope, normally the '
                    'project.'),
]

PROMETHEUS_OPTS = [
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

FILE_OPTS = [
    cfg.StrOpt('path', default='/var/lib/cloudkitty/usage',
               help='Usage samples read by the file collector: a JSON Lines file, '
                    'or a directory whose .jsonl files are all read. One sample '
                    'per line: {"metric": <metrics.yml key>, "time": <ISO 8601 or '
                    'epoch seconds>, "value": <number>, "labels": {<scope_key>: '
                    '<scope id>, <groupby and metadata attributes>...}}. Files are '
                    're-read when they change.'),
]


def gnocchi_client_opts() -> list[cfg.Opt]:
    """How to reach Gnocchi; shared by the Gnocchi collector and fetcher groups."""
    return [
        cfg.StrOpt('gnocchi_auth_type', default='keystone', choices=['keystone', 'basic'],
                   help='Gnocchi authentication: keystone (credentials and endpoint '
                        'from the keystoneauth options of this group and the catalog) '
                        'or basic (Gnocchi auth_mode basic, see gnocchi_user and '
                        'gnocchi_endpoint).'),
        cfg.StrOpt('gnocchi_user', default='',
                   help='User name sent to Gnocchi with basic authentication.'),
        cfg.StrOpt('gnocchi_endpoint', default='',
                   help='Gnocchi URL (without /v1) used with basic authentication.'),
        cfg.StrOpt('interface', default='internalURL',
                   help='Catalog endpoint interface of Gnocchi (keystone '
                        'authentication).'),
        cfg.StrOpt('region_name', default='RegionOne',
                   help='Region of the Gnocchi endpoint in the catalog (keystone '
                        'authentication).'),
    ]


GNOCCHI_OPTS = gnocchi_client_opts() + [
    cfg.IntOpt('http_pool_maxsize', default=10, min=1,
               help='Maximum number of HTTP connections kept open to Gnocchi; the '
                    'processor queries from several threads.'),
] + keystone.keystoneauth_opts()

GROUPS = {
    'collect': COLLECT_OPTS,
    'collector_prometheus': PROMETHEUS_OPTS,
    'collector_file': FILE_OPTS,
    'collector_gnocchi': GNOCCHI_OPTS,
}

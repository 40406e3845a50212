"""Options of the ``[fetcher]`` group and of the fetcher plugins."""
from oslo_config import cfg

from cloudkitty.common import keystone
from cloudkitty.conf import collect

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

GNOCCHI_OPTS = [
    cfg.StrOpt('scope_attribute', default='project_id',
               help='Resource attribute holding the scope identifier.'),
    cfg.ListOpt('resource_types', default=['generic'],
                help='Gnocchi resource types searched for scopes.'),
] + collect.gnocchi_client_opts() + keystone.keystoneauth_opts()

KEYSTONE_OPTS = [
    cfg.StrOpt('keystone_version', default='3', choices=['3'],
               help='Keystone API version used to list the projects; only 3 is '
                    'supported.'),
    cfg.BoolOpt('ignore_rating_role', default=False,
                help='Rate every project, not only those where the CloudKitty user '
                     'has the "rating" role.'),
    cfg.BoolOpt('ignore_disabled_tenants', default=False,
                help='Do not rate disabled projects.'),
] + keystone.keystoneauth_opts()

GROUPS = {
    'fetcher': FETCHER_OPTS,
    'fetcher_source': SOURCE_OPTS,
    'fetcher_prometheus': PROMETHEUS_OPTS,
    'fetcher_gnocchi': GNOCCHI_OPTS,
    'fetcher_keystone': KEYSTONE_OPTS,
}

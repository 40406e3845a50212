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
] + collect.PROMETHEUS_OPTS  # the same connection options as the collector

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

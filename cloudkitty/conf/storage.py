"""Options of the ``[storage]`` group."""
from oslo_config import cfg

STORAGE_OPTS = [
    cfg.StrOpt('backend', default='sqlalchemy',
               help='Storage backend: for version 2, a plugin of '
                    'cloudkitty.storage.v2.backends (sqlalchemy, influxdb); for '
                    'version 1, of cloudkitty.storage.v1.backends (sqlalchemy). '
                    'The default, sqlalchemy, keeps rated data in the '
                    '[database] connection database and needs no other server.'),
    cfg.IntOpt('version', default=2, min=1, max=2,
               help='Storage API version; version 1 is deprecated and disables /v2.'),
    cfg.IntOpt('retention_period', default=2400, min=0,
               help='Hours rated data is kept, for backends that expire data.'),
]

GROUPS = {'storage': STORAGE_OPTS}

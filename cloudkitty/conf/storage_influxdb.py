"""Options of the ``[storage_influxdb]`` group (v2 storage backend ``influxdb``)."""
from oslo_config import cfg

STORAGE_INFLUXDB_OPTS = [
    cfg.StrOpt('username', help='InfluxDB user name (HTTP basic auth); empty for none.'),
    cfg.StrOpt('password', secret=True, help='Password of the InfluxDB user.'),
    cfg.StrOpt('database', default='cloudkitty',
               help='InfluxDB database holding the rated data; created by '
                    'cloudkitty-storage-init when the user may create databases.'),
    cfg.StrOpt('retention_policy', default='autogen',
               help='Retention policy points are written to and read from; it must '
                    'exist in the database.'),
    cfg.HostAddressOpt('host', default='localhost', help='InfluxDB host.'),
    cfg.PortOpt('port', default=8086, help='InfluxDB HTTP API port.'),
    cfg.BoolOpt('use_ssl', default=False, help='Talk to InfluxDB over HTTPS.'),
    cfg.BoolOpt('insecure', default=False,
                help='With use_ssl, do not verify the server certificate.'),
    cfg.StrOpt('cafile',
               help='With use_ssl, CA bundle used to verify the server certificate '
                    '(default: the system CAs).'),
    cfg.IntOpt('version', default=1, min=1, max=2,
               help='InfluxDB API version. 1 (InfluxQL over /query and /write) is the '
                    'only one this implementation speaks; 2 (Flux) is refused at '
                    'start-up with a clear error.'),
    cfg.IntOpt('query_timeout', default=3600000, min=1,
               help='InfluxDB 2 (Flux) query timeout, in milliseconds. Kept for '
                    'configuration compatibility; version 1 uses timeout.'),
    cfg.StrOpt('token', secret=True, help='InfluxDB 2 API token (version 2 only).'),
    cfg.StrOpt('org', default='openstack', help='InfluxDB 2 organisation (version 2 only).'),
    cfg.StrOpt('bucket', default='cloudkitty', help='InfluxDB 2 bucket (version 2 only).'),
    cfg.URIOpt('url', help='InfluxDB 2 base URL (version 2 only).'),
    cfg.IntOpt('timeout', default=60, min=1,
               help='Seconds to wait for InfluxDB to answer one HTTP request (a write '
                    'batch or a query).'),
]

GROUPS = {'storage_influxdb': STORAGE_INFLUXDB_OPTS}

"""Options of the ``[DEFAULT]`` group and of ``[api]``."""
import socket

from oslo_config import cfg

DEFAULT_OPTS = [
    cfg.StrOpt('host', default=socket.getfqdn(), sample_default='<server-hostname>',
               help='Name of this node, used as the RPC server name of the processor.'),
    cfg.StrOpt('auth_strategy', default='keystone', choices=['keystone', 'noauth'],
               help='How API requests are authenticated: "keystone" validates '
                    'X-Auth-Token with keystonemiddleware, "noauth" trusts every '
                    'caller as an administrator.'),
    cfg.StrOpt('api_paste_config', default='api_paste.ini',
               help='Paste deploy configuration file of the API, looked up in the '
                    'configuration directories when relative.'),
]

API_OPTS = [
    cfg.HostAddressOpt('host', default='0.0.0.0',
                       help='Address the API server listens on.'),
    cfg.PortOpt('port', default=8889, help='Port the API server listens on.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Number of request threads of the built-in API server.'),
    cfg.BoolOpt('pecan_debug', default=False,
                help='Enable the pecan debug mode (never in production).'),
    cfg.IntOpt('max_request_body_size', default=10 * 1024 * 1024, min=1024,
               help='Largest request body, in bytes, accepted by the API; larger '
                    'bodies are answered with 413.'),
]

GROUPS = {'DEFAULT': DEFAULT_OPTS, 'api': API_OPTS}

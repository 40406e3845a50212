"""Build a configured, logging-ready :class:`ConfigOpts` for a process."""
import os
import time

from oslo_config import cfg
from oslo_log import log

from cloudkitty import messaging
from cloudkitty.common import config

LOG = log.getLogger(__name__)

DEFAULT_LOG_LEVELS = [
    'amqp=WARN', 'kombu=WARN', 'oslo.messaging=INFO', 'stevedore=INFO',
    'urllib3.connectionpool=WARN', 'keystonemiddleware=WARN', 'alembic=WARN',
    'tooz=WARN', 'oslo_policy=INFO', 'iso8601=WARN', 'sqlalchemy=WARN',
]


def prepare_service(argv: list[str] | None = None,
                    config_files: list[str] | None = None,
                    setup_logging: bool = True,
                    extra_cli_opts: list[cfg.Opt] | None = None) -> cfg.ConfigOpts:
    """Return a fresh ConfigOpts with every option registered and parsed.

    The service runs in UTC: periods, stored timestamps and the "current month"
    default windows are all UTC (contract §12.20).
    """
    os.environ['TZ'] = 'UTC'
    time.tzset()
    conf = cfg.ConfigOpts()
    log.register_options(conf)
    config.register_opts(conf)
    messaging.register_opts(conf)
    if extra_cli_opts:
        conf.register_cli_opts(extra_cli_opts)
    config.set_cors_defaults()
    log.set_defaults(default_log_levels=log.get_default_log_levels() + DEFAULT_LOG_LEVELS)
    conf(argv if argv is not None else [], project='cloudkitty',
         default_config_files=config_files, validate_default_values=True)
    if setup_logging:
        log.setup(conf, 'cloudkitty')
    return conf

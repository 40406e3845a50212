"""Entry points of oslo-config-generator and the CORS defaults."""

from oslo_db import options as db_options
from oslo_middleware import cors

from cloudkitty.conf import (
    collect,
    default,
    fetcher,
    orchestrator,
    rating,
    storage,
    storage_influxdb,
)

_OPTION_MODULES = (default, collect, fetcher, orchestrator, storage, storage_influxdb, rating)


def list_opts():
    """Return every (group, options) pair owned by the service."""
    groups: dict[str, list] = {}
    for module in _OPTION_MODULES:
        for group, opts in module.GROUPS.items():
            groups.setdefault(group, []).extend(opts)
    return [(group, list(opts)) for group, opts in groups.items()]


def register_opts(conf) -> None:
    """Register the service's options and the oslo.db ones on ``conf``."""
    for group, opts in list_opts():
        conf.register_opts(opts, group=None if group == 'DEFAULT' else group)
    db_options.set_defaults(conf)


def set_cors_defaults() -> None:
    """Default CORS headers, as oslo.middleware expects from the service."""
    cors.set_defaults(
        allow_headers=['X-Auth-Token', 'X-Subject-Token', 'X-Roles', 'X-User-Id',
                       'X-Domain-Id', 'X-Project-Id', 'X-Tenant-Id',
                       'X-OpenStack-Request-ID'],
        expose_headers=['X-Auth-Token', 'X-Subject-Token', 'X-Service-Token',
                        'X-OpenStack-Request-ID'],
        allow_methods=['GET', 'PUT', 'POST', 'DELETE', 'PATCH'])



"""What the API asks of the processors (over RPC), shared by v1 and v2."""
from __future__ import annotations

import pecan
from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.rating import registry

LOG = logging.getLogger(__name__)


class MessagingUnavailable(exception.CloudKittyError):
    _msg_fmt = 'The rating processors cannot be reached: messaging is unavailable.'
    code = 503


def rpc_client():
    """The processor RPC client; 503 when messaging could not be set up."""
    client = pecan.request.rpc
    if client is None:
        raise MessagingUnavailable()
    return client


def notify_module_change(kind: str, name: str | None = None) -> None:
    """Tell the processors that rating modules changed.

    After a saved module change the notification is a courtesy (processors
    re-read modules before every period), so losing it is only logged. A
    ``reload_modules`` request is nothing but this notification: when it
    cannot be sent, the request fails with the 503 saying why.
    """
    try:
        rpc_client().notify_module_change(kind, name)
    except exception.CloudKittyError as error:
        if kind == 'reload_modules':
            raise
        LOG.warning('The processors were not told about the %s of module %s: %s',
                    kind, name, error.message)
    except Exception:
        LOG.warning('Could not send the %s notification to the processors', kind,
                    exc_info=True)


def update_module(name: str, enabled: bool | None, priority: int | None) -> None:
    """Persist a module change (404 for unknown modules) and tell the processors."""
    request = pecan.request
    state_changed, priority_changed = registry.update_module(
        request.conf, request.db, name, enabled=enabled, priority=priority)
    if state_changed:
        notify_module_change('enable_module' if enabled else 'disable_module', name)
    if priority_changed:
        notify_module_change('reload_module', name)

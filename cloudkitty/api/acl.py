"""Policy checks and tenant restrictions for controllers (contract §8).

In noauth mode every check passes; the tenant restrictions of §8.3 only apply
to non-admin callers, which noauth never produces.
"""
from __future__ import annotations

import pecan

from cloudkitty.common import policy


def enforce(action: str, target: dict | None = None) -> None:
    """Raise ``policy.PolicyNotAuthorized`` (403) unless the caller may do ``action``.

    ``target`` defaults to the caller's project.
    """
    request = pecan.request
    if request.conf.auth_strategy == 'noauth':
        return
    policy.authorize(request.enforcer, request.context, action, target)


def forced_project() -> str | None:
    """The project a non-admin caller is restricted to; None for admins.

    A non-admin without a project is restricted to the empty string, which
    matches nothing (upstream answered 500).
    """
    ctx = pecan.request.context
    if ctx.is_admin:
        return None
    return ctx.project_id or ''

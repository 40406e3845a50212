"""The request context: who is calling, built once per API request."""
from __future__ import annotations

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's context; ``is_admin`` is decided by the caller (policy or noauth)."""

    def to_policy_values(self) -> dict:
        values = super().to_policy_values()
        # The deprecated admin_or_owner rule reads ``is_admin:True``.
        values['is_admin'] = self.is_admin
        return values


def from_environ(environ: dict, is_admin: bool = False) -> RequestContext:
    """Context from the headers keystonemiddleware (or a noauth caller) set."""
    return RequestContext.from_environ(environ, is_admin=is_admin)


def audit_user(ctx: RequestContext) -> str:
    """Value of ``created_by``/``updated_by``/``deleted_by`` audit columns.

    The token's user id, or ``"unknown"`` when the request carries no token
    (every noauth request without ``X-Auth-Token``), as upstream does.
    """
    if ctx.auth_token and ctx.user_id:
        return ctx.user_id
    return 'unknown'

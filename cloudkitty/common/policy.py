"""Policy enforcement (oslo.policy) with the rules of :mod:`cloudkitty.common.policies`.

One enforcer per API application, built from that application's ConfigOpts;
``get_enforcer`` is only the ``oslo.policy.enforcer`` entry point used by the
oslopolicy command line tools.
"""
from __future__ import annotations

import sys

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy

from cloudkitty.common import exception, policies

LOG = logging.getLogger(__name__)


class PolicyNotAuthorized(exception.CloudKittyError):
    _msg_fmt = "Policy doesn't allow %(action)s to be performed."
    code = 403


def make_enforcer(conf: cfg.ConfigOpts) -> policy.Enforcer:
    """An enforcer knowing every default rule; ``[oslo_policy]`` overrides apply."""
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def get_enforcer() -> policy.Enforcer:
    """Entry point of oslopolicy-checker/-policy-generator (reads sys.argv)."""
    conf = cfg.ConfigOpts()
    conf(sys.argv[1:], project='cloudkitty')
    return make_enforcer(conf)


def is_admin(enforcer: policy.Enforcer, ctx) -> bool:
    """Whether the caller passes ``context_is_admin`` (role:admin by default)."""
    try:
        return bool(enforcer.authorize('context_is_admin', {}, ctx, do_raise=False))
    except policy.InvalidScope:
        return False


def authorize(enforcer: policy.Enforcer, ctx, action: str,
              target: dict | None = None) -> None:
    """Raise PolicyNotAuthorized unless ``ctx`` may perform ``action`` on ``target``.

    The target defaults to the caller's own project. A token of the wrong scope
    (e.g. system-scoped) is a denial, not an error.
    """
    if target is None:
        target = {'project_id': ctx.project_id}
    try:
        allowed = enforcer.authorize(action, target, ctx, do_raise=False)
    except policy.InvalidScope:
        allowed = False
    if not allowed:
        LOG.debug('Policy %s denied to user %s of project %s', action, ctx.user_id,
                  ctx.project_id)
        raise PolicyNotAuthorized(action=action)

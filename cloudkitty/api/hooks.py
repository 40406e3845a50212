"""What every API request carries, and the request-wide checks.

Attributes available on ``pecan.request`` in every controller:

``conf``
    the application's :class:`oslo_config.cfg.ConfigOpts`.
``db``
    the :class:`cloudkitty.db.engine.Database`; use ``with db.session() as s``
    for one transaction.
``context``
    a :class:`cloudkitty.common.context.RequestContext` (user_id, project_id,
    roles, is_admin, auth_token). In noauth mode the caller is admin and the
    ``X-Project-Id``/``X-User-Id`` headers are still read.
``enforcer``
    the oslo.policy enforcer; call :func:`cloudkitty.api.acl.enforce`.
``storage``
    the storage driver (:class:`cloudkitty.storage.base.BaseStorage`), built
    on first use so that routes which do not need it work without it.
``rpc``
    the processor RPC client (``quote``, ``reset_state``, module notifications),
    built on first use; None when the messaging layer is unavailable.

Errors: WSME endpoints (``cloudkitty.api.v1.base.wsexpose``) answer with the
WSME fault body; ``pecan.abort`` and routing errors get the pecan body
``{"code", "title", "description"}`` (``{"message"}`` under ``/v2``) from
:class:`ErrorHook`.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pecan
import webob
from oslo_log import log as logging
from pecan import hooks
from webob import exc

from cloudkitty.common import context, exception, policy

LOG = logging.getLogger(__name__)

SERVICES_KEY = 'cloudkitty.services'


class Services:
    """Per-application shared objects; storage and RPC are built lazily, once."""

    def __init__(self, conf, db, enforcer,
                 storage_factory: Callable[[], Any],
                 rpc_factory: Callable[[], Any]):
        self.conf = conf
        self.db = db
        self.enforcer = enforcer
        self._factories = {'storage': storage_factory, 'rpc': rpc_factory}
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _get(self, name: str):
        if name not in self._built:
            with self._lock:
                if name not in self._built:
                    self._built[name] = self._factories[name]()
        return self._built[name]

    @property
    def storage(self):
        return self._get('storage')

    @property
    def rpc(self):
        return self._get('rpc')


class ApiRequest(pecan.Request):
    """pecan's request plus lazy access to the shared services."""

    @property
    def _services(self) -> Services:
        return self.environ[SERVICES_KEY]

    @property
    def conf(self):
        return self._services.conf

    @property
    def db(self):
        return self._services.db

    @property
    def enforcer(self):
        return self._services.enforcer

    @property
    def storage(self):
        return self._services.storage

    @property
    def rpc(self):
        return self._services.rpc


class ServicesHook(hooks.PecanHook):
    """Attach the services and build the caller's context; refuse non-JSON clients."""

    priority = 10

    def __init__(self, services: Services):
        self.services = services

    def on_route(self, state) -> None:
        request = state.request
        request.environ[SERVICES_KEY] = self.services
        if not _accepts_json(request):
            raise exc.HTTPNotAcceptable()
        _refuse_deeply_nested_json(request)
        noauth = self.services.conf.auth_strategy == 'noauth'
        if noauth:
            ctx = context.from_environ(request.environ, is_admin=True)
        elif request.environ.get('HTTP_X_IDENTITY_STATUS') == 'Confirmed':
            ctx = context.from_environ(request.environ)
            ctx.is_admin = policy.is_admin(self.services.enforcer, ctx)
        else:
            # No token validated by authtoken (public route, or
            # delay_auth_decision): identity headers are not to be trusted.
            ctx = context.RequestContext(is_admin=False)
        request.context = ctx


#: A JSON body with fewer brackets than this cannot be too deep to decode.
_BRACKETS_WORTH_CHECKING = 512
_JSON_TYPES = ('application/json', 'application/javascript')


def _refuse_deeply_nested_json(request) -> None:
    """A 400 for a JSON body the decoder cannot descend into.

    pecan decodes JSON bodies while routing, before any controller could
    validate them, and the decoder gives up with a RecursionError near 1000
    levels; counting brackets first keeps ordinary bodies to one decode.
    """
    if request.content_type not in _JSON_TYPES:
        return
    body = request.body
    if body.count(b'[') + body.count(b'{') < _BRACKETS_WORTH_CHECKING:
        return
    try:
        json.loads(body)
    except RecursionError:
        raise exception.Invalid('Invalid input: the JSON body is nested too deeply.') from None
    except ValueError:
        return  # malformed JSON is reported by the endpoint that reads it


def _accepts_json(request) -> bool:
    if not request.accept:
        return True
    return bool(request.accept.acceptable_offers(['application/json']))


class ErrorHook(hooks.PecanHook):
    """Render routing/abort errors as JSON and unexpected errors as a bare 500.

    A domain error raised while routing (e.g. the database went away while
    looking up a module) gets the body its endpoint would have given: the
    WSME fault under ``/v1``, ``{"message"}`` under ``/v2``.
    """

    priority = 1

    def on_error(self, state, error):
        is_v2 = state.request.path_info.startswith('/v2')
        headers = {}
        if isinstance(error, exception.CloudKittyError) and 400 <= error.code < 600:
            if is_v2:
                return json_response(error.code, {'message': error.message})
            return json_response(error.code, {
                'faultcode': 'Client' if error.code < 500 else 'Server',
                'faultstring': error.message, 'debuginfo': None})
        if isinstance(error, exc.HTTPException):
            status, title = error.code, error.title
            description = error.detail or ''
            if error.headers.get('Allow'):
                headers['Allow'] = error.headers['Allow']
        else:
            LOG.exception('Unexpected error on %s %s', state.request.method,
                          state.request.path_info)
            status, title, description = 500, 'Internal Server Error', ''
        if is_v2:
            body: dict[str, Any] = {'message': description or title}
        else:
            body = {'code': status, 'title': title, 'description': description}
        return json_response(status, body, headers)


def json_response(status: int, body: Any, headers: dict | None = None) -> webob.Response:
    """A JSON response with the given status (``body=None`` gives an empty body)."""
    response = webob.Response(status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if body is None:
        response.content_type = None
        response.body = b''
    else:
        response.content_type = 'application/json'
        response.text = json.dumps(body)
    return response

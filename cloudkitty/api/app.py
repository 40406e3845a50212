"""Build the WSGI application, directly or through ``api_paste.ini``."""
from __future__ import annotations

import importlib
import io
import os
import uuid
from typing import Any

import pecan
from oslo_config import cfg
from oslo_log import log as logging
from paste import deploy

from cloudkitty import storage as storage_module
from cloudkitty.api import hooks, root
from cloudkitty.common import exception, policy
from cloudkitty.db.engine import Database

LOG = logging.getLogger(__name__)

# ConfigOpts handed to the paste factory, by key: paste only passes strings.
_APP_CONFIGS: dict[str, cfg.ConfigOpts] = {}


def _build_rpc(conf):
    """The processor RPC client, or None when messaging is not available.

    Imported by name: in embedded mode (no message bus) the messaging module
    serves the processor's endpoints in this process, and the API itself must
    not depend on the processor package (the import-linter contract).
    """
    try:
        messaging = importlib.import_module('cloudkitty.messaging')
        return messaging.get_rpc_client(conf)
    except exception.ConfigurationError as error:
        LOG.error('Messaging is unavailable, quotes and scope resets cannot reach '
                  'the processors: %s', error)
        return None


def setup_app(conf: cfg.ConfigOpts, db: Database | None = None, storage: Any = None,
              rpc: Any = None):
    """The pecan application (without the paste middlewares).

    ``db``, ``storage`` and ``rpc`` replace what the configuration would build
    (tests pass their own).
    """
    if db is None:
        db = Database.from_conf(conf)
        db.wait_until_reachable()
    services = hooks.Services(
        conf, db, policy.make_enforcer(conf),
        storage_factory=(lambda: storage) if storage is not None
        else (lambda: storage_module.get_storage(conf, db)),
        rpc_factory=(lambda: rpc) if rpc is not None else (lambda: _build_rpc(conf)))
    app = pecan.make_app(
        root.RootController(conf),
        hooks=[hooks.ErrorHook(), hooks.ServicesHook(services)],
        request_cls=hooks.ApiRequest,
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=conf.api.pecan_debug,
    )
    return BodySizeLimit(app, conf.api.max_request_body_size)


class BodySizeLimit:
    """Answer 413 to request bodies larger than ``[api] max_request_body_size``."""

    def __init__(self, app, max_size: int):
        self.app = app
        self.max_size = max_size

    def __call__(self, environ, start_response):
        length = environ.get('CONTENT_LENGTH')
        if length:
            try:
                too_large = int(length) > self.max_size
            except ValueError:
                return self._reject(environ, start_response, 400, 'Bad Request',
                                    'Invalid Content-Length header.')
            if too_large:
                return self._too_large(environ, start_response)
        elif environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
            body = environ['wsgi.input'].read(self.max_size + 1)
            if len(body) > self.max_size:
                return self._too_large(environ, start_response)
            environ['wsgi.input'] = io.BytesIO(body)
            environ['CONTENT_LENGTH'] = str(len(body))
        return self.app(environ, start_response)

    def _too_large(self, environ, start_response):
        return self._reject(environ, start_response, 413, 'Request Entity Too Large',
                            'Request body larger than %d bytes.' % self.max_size)

    @staticmethod
    def _reject(environ, start_response, status: int, title: str, description: str):
        response = hooks.json_response(
            status, {'code': status, 'title': title, 'description': description})
        return response(environ, start_response)


def app_conf(global_config) -> cfg.ConfigOpts:
    """The ConfigOpts given to :func:`load_app`, from a paste factory's globals."""
    return _APP_CONFIGS[global_config['configkey']]


def app_factory(global_config, **_local_conf):
    """Paste factory of ``ck_api``: the app of the ConfigOpts given to load_app."""
    return setup_app(app_conf(global_config))


def paste_config_path(conf: cfg.ConfigOpts) -> str:
    """The absolute path of ``[DEFAULT] api_paste_config``."""
    path = conf.api_paste_config
    if not os.path.isabs(path):
        found = conf.find_file(path)
        if found is None:
            raise exception.ConfigurationError(
                reason='api_paste_config file %s not found' % path)
        path = found
    if not os.path.exists(path):
        raise exception.ConfigurationError(
            reason='api_paste_config file %s not found' % path)
    return os.path.abspath(path)


def load_app(conf: cfg.ConfigOpts):
    """The full WSGI app: paste pipeline ``cloudkitty+<auth_strategy>``."""
    path = paste_config_path(conf)
    key = uuid.uuid4().hex
    _APP_CONFIGS[key] = conf
    name = 'cloudkitty+%s' % conf.auth_strategy
    LOG.info('Loading %s from %s', name, path)
    try:
        return deploy.loadapp('config:' + path, name=name,
                              global_conf={'configkey': key})
    except LookupError as error:
        raise exception.ConfigurationError(
            reason='%s has no usable [composite:%s]: %s' % (path, name, error)) from None

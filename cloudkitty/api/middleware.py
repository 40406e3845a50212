"""Paste filters of ``api_paste.ini``, configured from the application's ConfigOpts.

oslo.middleware and keystonemiddleware would otherwise read their own copy of
the configuration files; these factories hand them the ConfigOpts that
``cloudkitty.api.app.load_app`` was given (``--config-file`` included).
"""
from __future__ import annotations

from keystonemiddleware import auth_token
from oslo_middleware import cors, http_proxy_to_wsgi

from cloudkitty.api import app as api_app

#: Identity headers a client could forge; dropped on public routes.
_IDENTITY_HEADER_PREFIXES = ('HTTP_X_IDENTITY', 'HTTP_X_ROLE', 'HTTP_X_USER',
                             'HTTP_X_PROJECT', 'HTTP_X_TENANT', 'HTTP_X_DOMAIN',
                             'HTTP_X_SERVICE', 'HTTP_X_IS_ADMIN', 'HTTP_X_SYSTEM')


def _conf(global_config):
    return api_app.app_conf(global_config)


def cors_factory(global_config, **_local_config):
    conf = _conf(global_config)
    return lambda app: cors.CORS(app, conf)


def http_proxy_to_wsgi_factory(global_config, **_local_config):
    conf = _conf(global_config)
    return lambda app: http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)


class AuthTokenMiddleware(auth_token.AuthProtocol):
    """keystonemiddleware's authtoken, except on the public routes.

    Public paths are compared after removing one trailing ``/``, so ``/v1/``
    is public but ``/v1/rating`` is not.
    """

    def __init__(self, app, conf: dict, public_routes: list[str]):
        super().__init__(app, conf)
        self.public_routes = {route.rstrip('/') or '/' for route in public_routes}

    def _is_public(self, path: str) -> bool:
        if path != '/' and path.endswith('/'):
            path = path[:-1]
        return (path or '/') in self.public_routes

    def __call__(self, environ, start_response):
        if self._is_public(environ.get('PATH_INFO', '/')):
            for key in [key for key in environ
                        if key.startswith(_IDENTITY_HEADER_PREFIXES)]:
                del environ[key]
            return self._app(environ, start_response)
        return super().__call__(environ, start_response)


def authtoken_factory(global_config, **local_config):
    """``acl_public_routes`` is a comma separated list of paths."""
    routes = [route.strip() for route in
              local_config.pop('acl_public_routes', '').split(',') if route.strip()]
    options = dict(local_config, oslo_config_config=_conf(global_config))

    def build(app):
        return AuthTokenMiddleware(app, options, routes)

    return build

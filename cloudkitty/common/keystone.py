"""keystoneauth sessions built from a configuration group.

The Gnocchi collector, the Gnocchi fetcher and the Keystone fetcher each read
their credentials from their own group (``[collector_gnocchi]``, ...), with the
usual keystoneauth options (``auth_type``, ``auth_section``, ``cafile``,
``insecure``, ``timeout``...). The plugin options (``auth_url``,
``username``...) depend on ``auth_type`` and are registered by keystoneauth
when the plugin is loaded, so they are not listed statically.
"""
from __future__ import annotations

import requests
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import session as ks_session
from oslo_config import cfg
from requests import adapters

from cloudkitty.common import exception


def keystoneauth_opts() -> list[cfg.Opt]:
    """Session and common auth options, for a group's option list."""
    return loading.get_auth_common_conf_options() + loading.get_session_conf_options()


def load_auth(conf, group: str) -> ks_plugin.BaseAuthPlugin:
    """The auth plugin named by ``[group] auth_type``; ConfigurationError if unusable."""
    try:
        auth = loading.load_auth_from_conf_options(conf, group)
    except (ks_exceptions.MissingRequiredOptions, ks_exceptions.NoMatchingPlugin,
            cfg.Error) as error:
        raise exception.ConfigurationError(
            reason='[%s] keystone authentication: %s' % (group, error)) from None
    if auth is None:
        raise exception.ConfigurationError(
            reason='[%s] auth_type is not set: name a keystoneauth plugin such as '
                   'password' % group)
    return auth


def load_session(conf, group: str, auth: ks_plugin.BaseAuthPlugin | None,
                 pool_maxsize: int | None = None) -> ks_session.Session:
    """A session using ``[group]``'s TLS and timeout options and ``auth``.

    ``pool_maxsize`` bounds the kept-alive connections per host: the processor
    queries from several threads at once.
    """
    http = requests.Session()
    if pool_maxsize:
        adapter = adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_maxsize)
        http.mount('http://', adapter)
        http.mount('https://', adapter)
    return loading.load_session_from_conf_options(conf, group, auth=auth, session=http)

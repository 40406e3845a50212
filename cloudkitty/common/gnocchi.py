"""A small client of the Gnocchi v1 REST API, over a keystoneauth session.

Shared by the Gnocchi collector and fetcher, which must not import each other.
It covers the two calls they make (``POST /v1/aggregates`` and
``POST /v1/search/resource/<type>``) and turns Gnocchi's error answers into
GnocchiError, with MetricNotFound singled out because the collector treats it
as "no data" rather than as a failure.

Authentication is either Keystone (the endpoint comes from the catalog) or
Gnocchi's ``basic`` mode, where the user name is the identity and the password
is ignored.
"""
from __future__ import annotations

import base64
import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import plugin as ks_plugin
from oslo_log import log as logging

from cloudkitty.common import exception, keystone, tz

LOG = logging.getLogger(__name__)

AUTH_TYPES = ('keystone', 'basic')

# Gnocchi 4.x answers a query on metrics that do not exist (or that no
# resource revision covers) with 404 "Metric ['cpu'] does not exist".
_METRIC_NOT_FOUND = re.compile(r'^Metric .* does not exist')


class GnocchiError(exception.CloudKittyError):
    """Gnocchi could not be reached or refused a request."""

    _msg_fmt = 'Gnocchi request failed: %(reason)s'

    def __init__(self, reason: str, status: int | None = None,
                 description: Any = None):
        super().__init__(reason=reason)
        self.status = status
        self.description = description


class MetricNotFound(GnocchiError):
    """The queried metric does not exist for the searched resources."""


class BasicAuth(ks_plugin.BaseAuthPlugin):
    """Gnocchi ``auth_mode = basic``: a user name, no password, a fixed endpoint."""

    def __init__(self, user: str, endpoint: str):
        super().__init__()
        self.user = user
        self.endpoint = endpoint.rstrip('/')

    def get_headers(self, session, **kwargs) -> dict[str, str]:
        token = base64.b64encode(('%s:' % self.user).encode()).decode()
        return {'Authorization': 'Basic %s' % token}

    def get_endpoint(self, session, **kwargs) -> str:
        return self.endpoint


def isoformat(value: datetime.datetime) -> str:
    """Timestamps as Gnocchi reads them: ISO 8601 with an explicit UTC offset."""
    return tz.to_aware_utc(value).isoformat()


class GnocchiClient:
    """The Gnocchi calls CloudKitty needs, on a keystoneauth adapter."""

    def __init__(self, adapter: ks_adapter.Adapter):
        self.adapter = adapter

    @classmethod
    def from_conf(cls, conf, group: str) -> GnocchiClient:
        """Build from ``[group]``: gnocchi_auth_type, gnocchi_user, gnocchi_endpoint,
        interface, region_name, http_pool_maxsize and the keystoneauth options."""
        options = conf[group]
        if options.gnocchi_auth_type == 'basic':
            if not options.gnocchi_endpoint:
                raise exception.ConfigurationError(
                    reason='[%s] gnocchi_endpoint is required when gnocchi_auth_type '
                           'is basic' % group)
            if not options.gnocchi_user:
                raise exception.ConfigurationError(
                    reason='[%s] gnocchi_user is required when gnocchi_auth_type is '
                           'basic' % group)
            auth = BasicAuth(options.gnocchi_user, options.gnocchi_endpoint)
        else:
            auth = keystone.load_auth(conf, group)
        session = keystone.load_session(conf, group, auth,
                                        getattr(options, 'http_pool_maxsize', None))
        return cls(ks_adapter.Adapter(
            session, service_type='metric', interface=options.interface,
            region_name=options.region_name))

    def aggregates(self, operations: str | list, search: Mapping[str, Any],
                   resource_type: str, start: datetime.datetime, stop: datetime.datetime,
                   groupby: Sequence[str], granularity: int | None = None,
                   use_history: bool = True) -> list[dict[str, Any]]:
        """``POST /v1/aggregates`` over the resources matching ``search``, grouped.

        Query parameters are sent sorted by name, as python-gnocchiclient does,
        so the wire request is the one Gnocchi deployments already see.
        """
        params: list[tuple[str, Any]] = [('details', 'False')]
        if granularity:
            params.append(('granularity', granularity))
        params.extend(('groupby', attribute) for attribute in groupby)
        params.extend([('start', isoformat(start)), ('stop', isoformat(stop)),
                       ('use_history', str(use_history))])
        body = {'operations': operations, 'search': search,
                'resource_type': resource_type}
        return self._post('/v1/aggregates', params, body)

    def search_resources(self, resource_type: str, query: Mapping[str, Any] | None = None,
                         sort: str | None = None, marker: str | None = None,
                         details: bool = False) -> list[dict[str, Any]]:
        """One page of ``POST /v1/search/resource/<resource_type>``."""
        params: list[tuple[str, Any]] = []
        if details:
            params.append(('details', 'true'))
        if marker is not None:
            params.append(('marker', marker))
        if sort is not None:
            params.append(('sort', sort))
        return self._post('/v1/search/resource/%s' % resource_type, params, query or {})

    def iter_resources(self, resource_type: str, query: Mapping[str, Any],
                       resource_key: str = 'id') -> Iterable[dict[str, Any]]:
        """Every matching resource, sorted by ``resource_key`` and paged by marker."""
        marker = None
        while True:
            page = self.search_resources(resource_type, query,
                                         sort='%s:asc' % resource_key, marker=marker)
            if not page:
                return
            yield from page
            marker = page[-1][resource_key]

    def _post(self, path: str, params: list[tuple[str, Any]], body: Any) -> Any:
        try:
            response = self.adapter.post(path, params=params, json=body, raise_exc=False,
                                         headers={'Accept': 'application/json'})
        except ks_exceptions.ClientException as error:
            raise GnocchiError('cannot reach Gnocchi for %s: %s' % (path, error)) from None
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError:
                raise GnocchiError('%s answered with a body that is not JSON: %s'
                                   % (path, response.text[:200])) from None
        raise _error_from(path, response)


def _error_from(path: str, response) -> GnocchiError:
    """The error of a 4xx/5xx answer; Gnocchi puts details in ``description``."""
    try:
        description = response.json().get('description')
    except (ValueError, AttributeError):
        description = response.text[:500].strip()
    status = response.status_code
    reason = 'HTTP %d on %s: %s' % (status, path, description)
    if status == 404 and isinstance(description, str) and _METRIC_NOT_FOUND.match(
            description):
        return MetricNotFound(reason, status, description)
    if (status == 400 and isinstance(description, dict)
            and 'Metrics not found' in str(description.get('cause', ''))):
        return MetricNotFound(reason, status, description)
    return GnocchiError(reason, status, description)

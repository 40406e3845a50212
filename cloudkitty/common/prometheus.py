"""A minimal client of the Prometheus HTTP query API.

Shared by the Prometheus collector and fetcher, which must not import each
other. One ``requests.Session`` per client keeps connections alive: the
processor sends one query per metric, per scope, per period.
"""
from __future__ import annotations

import datetime
from typing import Any

import requests
from oslo_log import log as logging
from requests import adapters

from cloudkitty.common import exception, tz

LOG = logging.getLogger(__name__)


class PrometheusError(exception.CloudKittyError):
    """Prometheus could not be reached or refused the query."""

    _msg_fmt = 'Prometheus request failed: %(reason)s'


class PrometheusClient:
    """Instant queries against ``url`` (which already ends with ``/api/v1``)."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 cafile: str | None = None, insecure: bool = False, timeout: float = 60,
                 pool_size: int = 16):
        if not url:
            raise exception.ConfigurationError(
                reason='the Prometheus URL (prometheus_url) is not set')
        self.url = url.rstrip('/')
        self.timeout = timeout
        self.session = requests.Session()
        adapter = adapters.HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        self.session.mount('http://', adapter)
        self.session.mount('https://', adapter)
        if user and password:
            self.session.auth = (user, password)
        self.session.verify = False if insecure else (cafile or True)

    @classmethod
    def from_conf_group(cls, group) -> PrometheusClient:
        """Build from a config group holding the usual prometheus_* options."""
        return cls(group.prometheus_url, group.prometheus_user, group.prometheus_password,
                   group.cafile, group.insecure, group.timeout)

    def query(self, query: str, time: datetime.datetime | None = None) -> list[dict]:
        """Run an instant query; return ``data.result`` (a vector's samples)."""
        params = {'query': query}
        if time is not None:
            params['time'] = tz.to_aware_utc(time).isoformat()
        LOG.debug('Prometheus query at %s: %s', params.get('time'), query)
        return self._get('/query', params, 'vector')

    def query_range(self, query: str, first: datetime.datetime, last: datetime.datetime,
                    step_seconds: int) -> list[dict]:
        """Evaluate ``query`` at ``first``, ``first + step``, ... ``last`` in one request.

        Prometheus evaluates a range query exactly as the instant queries at
        each step, so this answers many periods for the price of one round
        trip. Returns ``data.result``: one series per label set, each with
        ``values`` as ``[unix time, "value"]`` pairs.
        """
        params = {'query': query, 'start': tz.to_aware_utc(first).isoformat(),
                  'end': tz.to_aware_utc(last).isoformat(), 'step': '%ds' % step_seconds}
        LOG.debug('Prometheus range query [%s, %s] every %d s: %s',
                  params['start'], params['end'], step_seconds, query)
        return self._get('/query_range', params, 'matrix')

    def _get(self, path: str, params: dict[str, str], result_type: str) -> list[dict]:
        """``data.result`` of a GET on ``path``, which must be of ``result_type``."""
        try:
            response = self.session.get(self.url + path, params=params,
                                        timeout=self.timeout)
        except requests.Timeout:
            raise PrometheusError(reason='no answer from %s within %s seconds'
                                  % (self.url, self.timeout)) from None
        except requests.RequestException as error:
            raise PrometheusError(reason='cannot reach %s: %s' % (self.url, error)) from None
        body = self._json(response)
        if body.get('status') == 'error':
            raise PrometheusError('%s: %s' % (body.get('errorType'), body.get('error')))
        data = body.get('data') or {}
        if data.get('resultType') not in (None, result_type):
            raise PrometheusError(reason='expected a %s result, got %s'
                                  % (result_type, data.get('resultType')))
        return data.get('result') or []

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        """The JSON body; Prometheus sends error details in JSON even on 4xx/5xx."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or 'status' not in body:
            raise PrometheusError(reason='HTTP %d from %s: %s' % (
                response.status_code, response.url, response.text[:200].strip()))
        return body

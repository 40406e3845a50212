"""The database goes away under a running API, then comes back.

While PostgreSQL is stopped every route that needs it, v1 and v2, reads and
writes, answers 503 with the version's error body and a message that names
no host, user or password; nothing is logged as an unexpected error. When
the server is back the same API (not restarted) answers as before, from the
very first request, and again after a restart while it idled.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures import live_api
from tests.fixtures.api import api_conf
from tests.fixtures.private_postgres import PrivatePostgres

#: In the database URL given to the API; trust authentication ignores it.
PASSWORD = 'pw-never-shown-%s' % uuid.uuid4().hex[:6]
MESSAGE_PREFIX = 'The database is unavailable: '
HASHMAP = '/v1/rating/module_config/hashmap'
SCOPE = 'seeded-scope'
LAST_PROCESSED = '2026-01-01T00:00:00+00:00'
_names = itertools.count()


def _fresh(prefix: str) -> str:
    return '%s-%d-%s' % (prefix, next(_names), uuid.uuid4().hex[:6])


def _dataframes() -> dict:
    """One rated instance of SCOPE, with a new resource id each time."""
    return {'dataframes': [{
        'period': {'begin': '2026-01-01T00:00:00', 'end': '2026-01-01T01:00:00'},
        'usage': {'instance': [{'vol': {'unit': 'instance', 'qty': 1},
                                'rating': {'price': 1},
                                'groupby': {'project_id': SCOPE, 'id': _fresh('vm')},
                                'metadata': {}}]}}]}


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: int
    """Status with the database up (the same before the outage and after it)."""
    body: Callable[[], Any] | None = None
    """Builds the JSON body of each call (fresh names for creations)."""

    @property
    def name(self) -> str:
        return '%s %s' % (self.method, self.path)


ROUTES = [
    # v1 reads
    Route('GET', '/v1/rating/modules', 200),
    Route('GET', '/v1/rating/modules/hashmap', 200),
    Route('GET', HASHMAP + '/services', 200),
    Route('GET', '/v1/rating/module_config/pyscripts/scripts', 200),
    Route('GET', '/v1/collector/mappings', 200),
    Route('GET', '/v1/report/tenants', 200),
    Route('GET', '/v1/report/total', 200),
    Route('GET', '/v1/report/summary', 200),
    Route('GET', '/v1/storage/dataframes', 200),
    # v1 writes (and the quote, priced by the embedded processor endpoints)
    Route('PUT', '/v1/rating/modules/hashmap', 302,
          lambda: {'module_id': 'hashmap', 'enabled': True}),
    Route('POST', HASHMAP + '/services', 201, lambda: {'name': _fresh('service')}),
    Route('DELETE', HASHMAP + '/services/%s' % uuid.uuid4(), 404),
    Route('PUT', '/v1/collector/states/prometheus', 200, lambda: {'enabled': True}),
    Route('POST', '/v1/rating/quote', 200, lambda: {'resources': [
        {'service': 'compute', 'volume': 1, 'desc': {'groupby': {}, 'metadata': {}}}]}),
    # v2 reads
    Route('GET', '/v2/scope', 200),
    Route('GET', '/v2/summary', 200),
    Route('GET', '/v2/dataframes?begin=2026-01-01T00:00:00&end=2026-01-02T00:00:00', 200),
    Route('GET', '/v2/task/reprocesses', 200),
    Route('GET', '/v2/rating/modules', 200),
    Route('GET', '/v2/rating/modules/hashmap', 200),
    # v2 writes
    Route('POST', '/v2/scope', 200, lambda: {
        'scope_id': _fresh('scope'), 'last_processed_timestamp': LAST_PROCESSED}),
    Route('PATCH', '/v2/scope', 200, lambda: {'scope_id': SCOPE, 'active': True}),
    Route('PUT', '/v2/rating/modules/hashmap', 204, lambda: {'enabled': True}),
    Route('POST', '/v2/dataframes', 204, lambda: _dataframes()),
    # Checking the scope reads the database before anything is scheduled.
    Route('POST', '/v2/task/reprocesses', 400, lambda: {
        'scope_ids': 'no-such-scope', 'reason': 'outage test',
        'start_reprocess_time': '2026-01-01T00:00:00+00:00',
        'end_reprocess_time': '2026-01-01T01:00:00+00:00'}),
]


def _call(base_url: str, route: Route) -> requests.Response:
    return requests.request(route.method, base_url + route.path, allow_redirects=False,
                            json=route.body() if route.body else None, timeout=60)


def _answers_as_usual(base_url: str) -> list[str]:
    """Routes not answering their usual status (empty when all do)."""
    wrong = []
    for route in ROUTES:
        response = _call(base_url, route)
        if response.status_code != route.expected:
            wrong.append('%s: %d %s' % (route.name, response.status_code,
                                        response.text[:300]))
    return wrong


def _unavailable_problem(route: Route, response: requests.Response) -> str | None:
    """What is wrong with a DB-down answer, or None if it is the expected 503."""
    if response.status_code != 503:
        return 'status %d: %s' % (response.status_code, response.text[:300])
    body = response.json()
    if route.path.startswith('/v2'):
        if set(body) != {'message'}:
            return 'not the v2 error body: %s' % body
        message = body['message']
    else:
        if set(body) != {'faultcode', 'faultstring', 'debuginfo'} or (
                body['faultcode'], body['debuginfo']) != ('Server', None):
            return 'not the v1 (WSME) error body: %s' % body
        message = body['faultstring']
    if not message.startswith(MESSAGE_PREFIX):
        return 'unclear message: %r' % message
    leaks = [secret for secret in (PASSWORD, 'postgres', '127.0.0.1', 'Traceback')
             if secret in response.text]
    if leaks:
        return 'the answer shows %s: %s' % (leaks, response.text)
    return None


@pytest.fixture
def api_on_private_postgres(private_postgres: PrivatePostgres):
    """The API on the private cluster (URL with a password), migrated and seeded."""
    url = sa.engine.make_url(private_postgres.url).set(password=PASSWORD)
    db = Database(url.render_as_string(hide_password=False), max_retries=1)
    try:
        migration.upgrade(db)
        conf = api_conf(db)
        with live_api.serving(conf) as base_url:
            response = requests.post(base_url + '/v2/scope', json={
                'scope_id': SCOPE, 'last_processed_timestamp': LAST_PROCESSED}, timeout=60)
            assert response.status_code == 200, response.text
            response = requests.post(base_url + '/v2/dataframes', json=_dataframes(),
                                     timeout=60)
            assert response.status_code == 204, response.text
            yield base_url
    finally:
        db.dispose()


def test_every_route_answers_503_while_the_database_is_down_and_recovers(
        api_on_private_postgres, private_postgres, caplog):
    base_url = api_on_private_postgres
    assert _answers_as_usual(base_url) == []

    private_postgres.stop()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        problems = {route.name: _unavailable_problem(route, _call(base_url, route))
                    for route in ROUTES}
    assert {name: problem for name, problem in problems.items() if problem} == {}
    # Logged as what it is, one line, not as an unexpected error with a traceback.
    assert any(record.getMessage().startswith('Database unavailable')
               for record in caplog.records)
    assert [record.getMessage() for record in caplog.records
            if record.levelno >= logging.ERROR and record.name.startswith('cloudkitty')] == []

    private_postgres.start()
    assert _answers_as_usual(base_url) == []


def test_a_restart_while_idle_costs_no_request(api_on_private_postgres, private_postgres):
    """Pooled connections die with the server; the pool checks them before use."""
    base_url = api_on_private_postgres
    assert _answers_as_usual(base_url) == []

    private_postgres.restart()

    assert _answers_as_usual(base_url) == []

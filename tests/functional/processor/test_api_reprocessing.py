"""Reprocessing and scope resets requested through the API, after a price change.

A small cloud (three scopes, eight hours) is backfilled into a real
Prometheus and rated with the hashmap rules of ``e2e.TARIFF``, all through
the API, by the real orchestrator. Then the floating IP price changes the only
way the API allows for a rule that is already running: the old mapping is
deleted and a new one, starting at ``CHANGE`` in the past, is created with
``force=true``. Only periods rated again may carry the new price:

* ``POST /v2/task/reprocesses`` re-rates one scope's window (end inclusive);
* ``PUT /v2/scope`` rewinds another scope; as upstream (§2.1, §12.8) the
  period starting at the timestamp is deleted and not rated again.
"""
from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest

from cloudkitty import messaging
from tests.fixtures.collect import write_metrics
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.processor import e2e
from tests.functional.processor.expectations import (
    START,
    api_points,
    api_summary,
    as_floats,
    expected_price,
    expected_quantity,
)

SCOPES = [e2e.scope_id(index) for index in range(3)]
HOURS = 8
END = START + HOURS * e2e.HOUR
NOW = START + (HOURS + 1) * e2e.HOUR + datetime.timedelta(seconds=1)
CLOUD = e2e.generate(scopes=len(SCOPES), resources=1, hours=HOURS)
#: The new floating IP price applies to periods starting at CHANGE or later.
CHANGE = START + 3 * e2e.HOUR
NEW_IP_FLAT = Decimal('0.0175')


def at(hour: int) -> datetime.datetime:
    return START + hour * e2e.HOUR


def expected_points(new_prices: dict[str, set[int]],
                    missing: dict[str, set[int]] | None = None) -> dict:
    """Every point the API should show: ``new_prices`` maps a scope to the hours
    re-rated after the change, ``missing`` to the hours deleted and not rated."""
    missing = missing or {}
    points = {}
    for resource in CLOUD:
        for hour, raw in resource.values.items():
            if hour in missing.get(resource.scope_id, set()):
                continue
            qty = expected_quantity(resource, raw)
            price = expected_price(resource, qty)
            if (resource.metric_type == 'ip.floating'
                    and hour in new_prices.get(resource.scope_id, set())):
                assert at(hour) >= CHANGE, 'a re-rated hour before the change is unpriced'
                price = NEW_IP_FLAT * qty
            points[(at(hour), resource.metric_type, resource.scope_id,
                    resource.resource_id)] = (qty, price)
    return points


def summary_of(points: dict) -> dict:
    """(period start, scope, type) -> (sum of qty, sum of price), as /v2/summary."""
    rows: dict = {}
    for (begin, metric_type, scope, _), (qty, price) in points.items():
        total_qty, total_price = rows.get((begin, scope, metric_type),
                                          (Decimal(0), Decimal(0)))
        rows[(begin, scope, metric_type)] = (total_qty + qty, total_price + price)
    return rows


def assert_api_shows(client, expected: dict) -> None:
    """Dataframes point by point (each key once) and the hourly summary."""
    assert api_points(client, START, END) == as_floats(expected)
    assert api_summary(client, START, END) == as_floats(summary_of(expected))


@pytest.fixture(scope='module')
def prometheus_url(tmp_path_factory) -> str:
    with backfilled_prometheus(e2e.to_series(CLOUD, START),
                               str(tmp_path_factory.mktemp('prometheus-reprocess'))) as url:
        yield url


@pytest.fixture
def rated_client(sqlite_db, make_api_client, prometheus_url, tmp_path):
    """Rules and scopes through the API, the whole history rated with old prices."""
    overrides = e2e.conf_overrides(write_metrics(tmp_path, {'metrics': e2e.METRICS}),
                                   prometheus_url, SCOPES, str(tmp_path))
    client = make_api_client(sqlite_db, **overrides)
    e2e.create_rules(client, since=START - datetime.timedelta(days=1))
    e2e.start_scopes(client, SCOPES, START - e2e.HOUR)
    assert e2e.run_until_caught_up(client.conf, clock=lambda: NOW) == len(SCOPES) * HOURS
    assert_api_shows(client, expected_points({}))
    yield client
    messaging.cleanup(client.conf)


def change_the_ip_price(client) -> None:
    """Replace the running floating IP mapping by one priced NEW_IP_FLAT from CHANGE.

    A running mapping only accepts an ``end`` in the future (§1.4), so the
    old one is deleted and the new one back-dated with ``force=true``.
    """
    (service,) = [service for service in
                  client.get(e2e.HASHMAP + '/services').json['services']
                  if service['name'] == 'ip.floating']
    (old,) = client.get(e2e.HASHMAP + '/mappings',
                        params={'service_id': service['service_id']}).json['mappings']
    refused = client.put(e2e.HASHMAP + '/mappings/' + old['mapping_id'],
                         json={'cost': str(NEW_IP_FLAT)})
    assert refused.status == 400
    assert 'only the attribute [end]' in refused.text
    assert client.delete(e2e.HASHMAP + '/mappings/' + old['mapping_id']).status == 204
    created = client.post(e2e.HASHMAP + '/mappings', params={'force': 'true'}, json={
        'service_id': service['service_id'], 'cost': str(NEW_IP_FLAT), 'type': 'flat',
        'start': CHANGE.isoformat()})
    assert created.status == 201, created.text


def last_processed(client, scope: str) -> str:
    response = client.get('/v2/scope', params={'scope_id': scope})
    assert response.status == 200, response.text
    (state,) = response.json['results']
    return state['last_processed_timestamp']


def test_a_reprocessing_task_re_rates_only_its_window_with_the_new_price(rated_client):
    client = rated_client
    change_the_ip_price(client)
    # New rules alone change nothing already stored.
    assert_api_shows(client, expected_points({}))

    response = client.post('/v2/task/reprocesses', json={
        'scope_ids': 'scope-0', 'start_reprocess_time': at(3).isoformat(),
        'end_reprocess_time': at(5).isoformat(), 'reason': 'floating IP price fix'})
    assert response.status == 202, response.text
    # The end is inclusive: hours 3, 4 and 5.
    assert e2e.run_reprocessor(client.conf) == 3

    assert_api_shows(client, expected_points({'scope-0': {3, 4, 5}}))
    (task,) = client.get('/v2/task/reprocesses/scope-0').json['results']
    assert task['current_reprocess_time'] == at(5).isoformat()
    # The scope's own progress is untouched, and the regular loop has nothing to do.
    assert last_processed(client, 'scope-0') == at(HOURS - 1).isoformat() + '+00:00'
    assert e2e.run_until_caught_up(client.conf, clock=lambda: NOW) == 0
    assert_api_shows(client, expected_points({'scope-0': {3, 4, 5}}))


def test_a_scope_reset_re_rates_after_the_timestamp_with_the_new_price(rated_client):
    client = rated_client
    change_the_ip_price(client)

    response = client.put('/v2/scope', json={'scope_id': 'scope-1',
                                             'last_processed_timestamp': at(4).isoformat()})
    assert response.status == 202, response.text
    assert response.json == {}
    # The reset is a cast to the processor endpoints (hosted by the API here).
    deadline = time.monotonic() + 15
    while (last_processed(client, 'scope-1') != at(4).isoformat() + '+00:00'
           and time.monotonic() < deadline):
        time.sleep(0.05)
    assert last_processed(client, 'scope-1') == at(4).isoformat() + '+00:00'
    # Everything from the timestamp on is gone until the processor runs again.
    assert_api_shows(client, expected_points({}, missing={'scope-1': set(range(4, HOURS))}))

    assert e2e.run_until_caught_up(client.conf, clock=lambda: NOW) == HOURS - 5

    # Hour 4 starts exactly at the timestamp: deleted and not rated again (§12.8).
    assert_api_shows(client, expected_points({'scope-1': {5, 6, 7}},
                                             missing={'scope-1': {4}}))
    assert last_processed(client, 'scope-1') == at(HOURS - 1).isoformat() + '+00:00'

"""The processor end to end: a real Prometheus -> hashmap rules -> storage -> API.

Three scopes, three days of hourly usage (instances of several flavors,
volumes of two types, floating IPs, images sized in bytes) are backfilled into
a real Prometheus. Hashmap rules are created through the API, the scopes are
started three days back through ``POST /v2/scope``, and the real orchestrator
rates until every scope is caught up. What storage and the API then hold must
be the prices computed here by hand, period by period, from the generated
usage and the price list (``e2e.TARIFF``), without the hashmap code.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cloudkitty.storage import get_storage
from tests.fixtures.collect import write_metrics
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.processor import e2e
from tests.functional.processor.expectations import (
    START,
    Key,
    api_points,
    api_summary,
    as_floats,
    expected_price,
    expected_quantity,
)

SCOPES = [e2e.scope_id(index) for index in range(3)]
HOURS = 72
END = START + HOURS * e2e.HOUR
#: The frozen wall clock: with wait_periods = 2, the last period ready is the
#: last one of the history.
NOW = START + (HOURS + 1) * e2e.HOUR + datetime.timedelta(seconds=1)
CLOUD = e2e.generate(scopes=len(SCOPES), resources=3, hours=HOURS)

def expected_points() -> dict[Key, tuple[Decimal, Decimal]]:
    """Every rated point of the history: key -> (qty, price)."""
    points = {}
    for resource in CLOUD:
        for hour, raw in resource.values.items():
            qty = expected_quantity(resource, raw)
            points[(START + hour * e2e.HOUR, resource.metric_type, resource.scope_id,
                    resource.resource_id)] = (qty, expected_price(resource, qty))
    return points


def expected_summary() -> dict[tuple[datetime.datetime, str, str], tuple[Decimal, Decimal]]:
    """(period start, scope, type) -> (sum of qty, sum of price)."""
    rows: dict[tuple[datetime.datetime, str, str], tuple[Decimal, Decimal]] = {}
    for (begin, metric_type, scope, _), (qty, price) in expected_points().items():
        total_qty, total_price = rows.get((begin, scope, metric_type),
                                          (Decimal(0), Decimal(0)))
        rows[(begin, scope, metric_type)] = (total_qty + qty, total_price + price)
    return rows


@pytest.fixture(scope='module')
def prometheus_url(tmp_path_factory) -> str:
    with backfilled_prometheus(e2e.to_series(CLOUD, START),
                               str(tmp_path_factory.mktemp('prometheus-e2e'))) as url:
        yield url


def rate_the_history(db, make_api_client, prometheus_url, tmp_path, **storage_settings):
    """Rules and scopes through the API, then the orchestrator until caught up."""
    overrides = e2e.conf_overrides(write_metrics(tmp_path, {'metrics': e2e.METRICS}),
                                   prometheus_url, SCOPES, str(tmp_path))
    client = make_api_client(db, **overrides, **storage_settings)
    e2e.create_rules(client, since=START - datetime.timedelta(days=1))
    e2e.start_scopes(client, SCOPES, START - e2e.HOUR)

    rated = e2e.run_until_caught_up(client.conf, clock=lambda: NOW)

    assert rated == len(SCOPES) * HOURS
    scopes = client.get('/v2/scope').json['results']
    assert {(scope['scope_id'], scope['last_processed_timestamp']) for scope in scopes} == {
        (scope, (END - e2e.HOUR).isoformat() + '+00:00') for scope in SCOPES}
    return client


def stored_points(storage) -> dict[Key, tuple[Decimal, Decimal]]:
    stored = storage.retrieve(START, END, paginate=False)
    points = {(frame.start, metric_type, point.groupby['project_id'], point.groupby['id']):
              (point.qty, point.price)
              for frame in stored['dataframes'] for metric_type, point in frame.iterpoints()}
    assert stored['total'] == len(points)
    return points


def assert_close(actual: dict, expected: dict) -> None:
    """Same keys, and (qty, price) equal up to float rounding (pytest.approx is flat)."""
    assert actual.keys() == expected.keys()
    assert {(key, column): float(value) for key, values in actual.items()
            for column, value in enumerate(values)} == pytest.approx(
        {(key, column): float(value) for key, values in expected.items()
         for column, value in enumerate(values)})


def test_the_expected_history_covers_every_rule():
    """The hand computation must exercise each rule, or the test proves less."""
    points = expected_points()
    flavors = {(resource.scope_id, resource.attribute) for resource in CLOUD
               if resource.metric_type == 'instance'}
    assert (e2e.TARIFF.override_scope, e2e.TARIFF.override_flavor) in flavors
    assert {flavor for _, flavor in flavors} == set(e2e.TARIFF.flavor_flat)
    image_sizes = [qty for (_, metric_type, _, _), (qty, _) in points.items()
                   if metric_type == 'image.size']
    assert min(image_sizes) < e2e.TARIFF.image_threshold_level <= max(image_sizes)
    assert any(qty != qty.to_integral() for qty in image_sizes)
    instance_hours = sum(1 for key in points if key[1] == 'instance')
    assert instance_hours < len(SCOPES) * 3 * HOURS


@pytest.mark.parametrize('db', ['sqlite', 'postgresql'], indirect=True)
def test_sql_storage_holds_the_hand_computed_prices(db, make_api_client, prometheus_url,
                                                     tmp_path):
    client = rate_the_history(db, make_api_client, prometheus_url, tmp_path)
    expected = expected_points()

    assert stored_points(get_storage(client.conf, db)) == expected
    assert api_points(client, START, END) == as_floats(expected)
    assert api_summary(client, START, END) == as_floats(expected_summary())


def test_influxdb_storage_holds_the_hand_computed_prices(sqlite_db, make_api_client,
                                                          prometheus_url, tmp_path,
                                                          influxdb_server,
                                                          influxdb_database):
    client = rate_the_history(
        sqlite_db, make_api_client, prometheus_url, tmp_path,
        storage={'backend': 'influxdb'},
        storage_influxdb={'host': influxdb_server.host, 'port': influxdb_server.port,
                          'database': influxdb_database})
    expected = expected_points()

    # InfluxDB keeps qty and price as floats: equal up to float rounding.
    assert_close(stored_points(get_storage(client.conf, sqlite_db)), expected)
    assert_close(api_points(client, START, END), expected)
    assert_close(api_summary(client, START, END), expected_summary())

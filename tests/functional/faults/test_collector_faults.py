"""A collector that fails or hangs for one scope delays that scope only.

Three scopes of a real Prometheus history are rated by the real
orchestrator, pass after pass, on a frozen clock that moves one hour between
passes. Prometheus sits behind a proxy that fails the queries of one scope:
with an error, with silence (ended by ``[collector_prometheus] timeout``), or
with a trickle of blanks that keeps every read alive (ended only by
``[orchestrator] collector_request_timeout``). While the scope fails, the
other two are rated in every pass; once it is healed it catches up, and every
period of every scope is stored exactly once.
"""
from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from cloudkitty.processor import service as processor_service
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.storage import get_storage
from tests.fixtures.collect import write_metrics
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.faults.stalling_prometheus import stalling_prometheus
from tests.functional.processor import e2e
from tests.functional.processor.expectations import START, expected_quantity

SCOPES = [e2e.scope_id(index) for index in range(3)]
FAILING = SCOPES[1]
HOURS = 4
CLOUD = e2e.generate(scopes=len(SCOPES), resources=1, hours=HOURS)
#: With wait_periods = 2, the first pass finds one period ready per scope
#: (no prefetch), and each later pass one more.
FIRST_PASS = START + 2 * e2e.HOUR + datetime.timedelta(seconds=1)
#: The option's minimum: a trickling scope costs this much in every pass.
COLLECTOR_REQUEST_TIMEOUT = 30
#: A pass that has not ended after this long is not bounded by any deadline.
PASS_LIMIT = 10 * COLLECTOR_REQUEST_TIMEOUT


@pytest.fixture(scope='module')
def prometheus_url(tmp_path_factory) -> Iterator[str]:
    with backfilled_prometheus(e2e.to_series(CLOUD, START),
                               str(tmp_path_factory.mktemp('prometheus-faults'))) as url:
        yield url


@contextlib.contextmanager
def orchestrator(conf, clock: Callable[[], datetime.datetime]) -> Iterator[Orchestrator]:
    """The orchestrator of one processor worker process, built as the service builds it."""
    components = processor_service.build_components(conf, 'faults')
    worker = processor_service.build_worker(conf, components)
    try:
        yield Orchestrator(conf, components.db, components.fetcher, worker,
                           components.coordinator, clock=clock)
    finally:
        worker.close()
        components.coordinator.stop()
        components.db.dispose()


def run_pass(orchestrator: Orchestrator) -> None:
    """One pass, which must end: a hung collection may not hang the processor."""
    runner = threading.Thread(target=orchestrator.run_pass, daemon=True)
    runner.start()
    runner.join(PASS_LIMIT)
    assert not runner.is_alive(), 'the pass is still running after %d s' % PASS_LIMIT


def states(client) -> dict[str, datetime.datetime]:
    response = client.get('/v2/scope')
    assert response.status == 200, response.text
    return {scope['scope_id']: datetime.datetime.fromisoformat(
        scope['last_processed_timestamp']).replace(tzinfo=None)
        for scope in response.json['results']}


def stored_quantities(conf, db, hours: int) -> dict[tuple, Decimal]:
    """(period start, type, scope, resource) -> qty; a point stored twice fails."""
    stored = get_storage(conf, db).retrieve(START, START + hours * e2e.HOUR, paginate=False)
    points = {}
    for frame in stored['dataframes']:
        for metric_type, point in frame.iterpoints():
            key = (frame.start, metric_type, point.groupby['project_id'], point.groupby['id'])
            assert key not in points, 'stored twice: %s' % (key,)
            points[key] = point.qty
    assert stored['total'] == len(points)
    return points


def expected_quantities(hours: int) -> dict[tuple, Decimal]:
    return {(START + hour * e2e.HOUR, resource.metric_type, resource.scope_id,
             resource.resource_id): expected_quantity(resource, raw)
            for resource in CLOUD for hour, raw in resource.values.items() if hour < hours}


@pytest.mark.parametrize('mode', [
    'error',
    'silent',
    # Two passes spent on the 30 s deadline: kept off the other workers' way.
    pytest.param('trickle', marks=pytest.mark.xdist_group('collector-request-timeout')),
])
def test_a_failing_scope_delays_only_itself_and_is_rated_once_healed(
        mode, sqlite_db, make_api_client, prometheus_url, tmp_path):
    with stalling_prometheus(prometheus_url) as proxy:
        overrides = e2e.conf_overrides(write_metrics(tmp_path, {'metrics': e2e.METRICS}),
                                       proxy.url, SCOPES, str(tmp_path))
        overrides['collector_prometheus']['timeout'] = 2 if mode == 'silent' else 60
        overrides['orchestrator']['collector_request_timeout'] = COLLECTOR_REQUEST_TIMEOUT
        client = make_api_client(sqlite_db, **overrides)
        e2e.start_scopes(client, SCOPES, START - e2e.HOUR)
        proxy.fail(FAILING, mode)
        now = [FIRST_PASS]

        with orchestrator(client.conf, lambda: now[0]) as rating:
            run_pass(rating)
            assert states(client) == {scope: START - e2e.HOUR if scope == FAILING else START
                                      for scope in SCOPES}
            assert proxy.stalled.get(FAILING, 0) > 0
            # The service tries such a pass again within a minute, not an hour.
            assert rating.last_pass_failed

            # Still failing an hour later: the others go on all the same.
            now[0] += e2e.HOUR
            run_pass(rating)
            assert states(client) == {
                scope: START - e2e.HOUR if scope == FAILING else START + e2e.HOUR
                for scope in SCOPES}

            proxy.heal(FAILING)
            run_pass(rating)
            assert not rating.last_pass_failed

        assert states(client) == {scope: START + e2e.HOUR for scope in SCOPES}
        assert stored_quantities(client.conf, sqlite_db, HOURS) == expected_quantities(2)

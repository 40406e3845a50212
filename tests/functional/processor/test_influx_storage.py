"""The processor end to end on real servers: Prometheus -> rating -> InfluxDB.

The orchestrator collects the backfilled synthetic cloud from a real
Prometheus, prices it, and stores it in a real InfluxDB through
``commit_period``; what InfluxDB then serves must be what was collected.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cloudkitty import coordination
from cloudkitty.collector import prometheus
from cloudkitty.db import scope_state
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.processor.worker import ScopeWorker, SkipFilter
from cloudkitty.storage import get_storage
from tests.fixtures import synthetic_cloud
from tests.fixtures.collect import write_metrics
from tests.unit.processor import doubles

HOUR = datetime.timedelta(hours=1)
START = synthetic_cloud.DEFAULT_START
#: With wait_periods = 2, the first three hours are ready.
NOW = START + 4 * HOUR + datetime.timedelta(seconds=1)
SCOPES = [synthetic_cloud.scope_id(index) for index in range(3)]
METRICS = {
    'ck_instance': {'unit': 'instance', 'alt_name': 'instance', 'groupby': ['id'],
                    'metadata': ['flavor']},
    'ck_volume_size': {'unit': 'GiB', 'alt_name': 'volume', 'groupby': ['id'],
                       'factor': '1/1000'},
}


@pytest.fixture
def processor(tmp_path, sqlite_db, prometheus_server, influxdb_server, influxdb_database):
    conf = doubles.make_conf(
        collect__metrics_conf=write_metrics(tmp_path, {'metrics': METRICS}),
        collect__wait_periods=2,
        collector_prometheus__prometheus_url=prometheus_server.url,
        database__connection=str(sqlite_db.engine.url),
        storage__backend='influxdb',
        storage_influxdb__host=influxdb_server.host,
        storage_influxdb__port=influxdb_server.port,
        storage_influxdb__database=influxdb_database)
    storage = get_storage(conf, db=sqlite_db)
    storage.init()
    collector = prometheus.PrometheusCollector(conf)
    worker = ScopeWorker(conf, collector, doubles.Pipeline('0.5'), storage,
                         SkipFilter.from_collector(conf, collector))
    coordinator = coordination.Coordinator('file://%s' % tmp_path)
    with sqlite_db.session() as session:
        for scope in SCOPES:
            # Resume right before the backfilled history.
            scope_state.create_state(session, scope_state.ScopeKey.from_conf(conf, scope),
                                     START - HOUR)
    orchestrator = Orchestrator(conf, sqlite_db, doubles.Fetcher(SCOPES), worker,
                                coordinator, clock=lambda: NOW)
    yield orchestrator, collector, storage
    worker.close()
    coordinator.stop()


def test_collected_points_are_stored_in_influxdb(processor):
    orchestrator, collector, storage = processor

    rated = orchestrator.run_pass()

    window = (START, START + 3 * HOUR)
    stored = storage.retrieve(*window, paginate=False)
    expected = {}
    for scope in SCOPES:
        for hour in range(3):
            begin = START + hour * HOUR
            for metric in METRICS:
                for point in collector.collect(metric, scope, begin, begin + HOUR):
                    expected[(begin, collector.metric_type(metric), point.groupby['id'])] = (
                        point.qty, point.qty * Decimal('0.5'), point.metadata)
    assert rated == len(SCOPES) * 3
    assert stored['total'] == len(expected) > 0
    assert {(frame.start, metric_type, point.groupby['id']): (point.qty, point.price,
                                                               point.metadata)
            for frame in stored['dataframes']
            for metric_type, point in frame.iterpoints()} == expected
    by_scope = storage.total(groupby=['project_id'], begin=window[0], end=window[1])
    assert [row['project_id'] for row in by_scope['results']] == SCOPES
    assert sum(row['rate'] for row in by_scope['results']) == sum(
        price for _, price, _ in expected.values())


def test_a_second_pass_stores_nothing_twice(processor):
    orchestrator, _, storage = processor
    orchestrator.run_pass()
    first = storage.total(groupby=['type'], begin=START, end=START + 3 * HOUR)

    assert orchestrator.run_pass() == 0
    assert storage.total(groupby=['type'], begin=START, end=START + 3 * HOUR) == first

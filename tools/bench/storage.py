#!/usr/bin/env python3
"""Benchmark of the v2 storage drivers on SQLite, PostgreSQL and InfluxDB.

Pushes a month of realistic rated data (``--projects`` projects, 5 metric
types, hourly periods; 1,000,000 points by default) into a throwaway
store (see :mod:`tools.bench.stores`), then times the month summaries the
API serves most (grouped by project, by project and type, by type, by day:
p50/p95 of ``--repeat`` runs; the ``/v2/summary`` queries) and one page of
``retrieve``, calling the driver directly. The
summaries by scope, type or calendar keys read the exact rollups; the
``--points 10000000`` run is the issue-7 size (minutes to generate and push).
Prints a table and writes the numbers as JSON (``--output``).

Each hourly period is pushed as one frame holding every project's points (one
``push`` call, one transaction). Planner statistics are refreshed after the
load (timed separately), as autovacuum would. Only loopback servers are used;
the PostgreSQL database and the InfluxDB server are created and dropped here.
The same data set and push feed the suite's HTTP benchmarks (:mod:`tools.bench.api`).

    python -m tools.bench.storage --output /tmp/bench_storage.json
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import sys
import tempfile
import time
import uuid
from decimal import Decimal

from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.storage import BaseStorage
from tests.fixtures.influxdb import InfluxServer
from tools.bench.common import Table, median, number, percentile, size, timed, write_json
from tools.bench.stores import BACKENDS, Store, fresh_store, influx_server_for

PERIOD = datetime.timedelta(hours=1)
MONTH_START = datetime.datetime(2024, 1, 1)
MONTH_END = datetime.datetime(2024, 2, 1)
HOURS = int((MONTH_END - MONTH_START) / PERIOD)

#: metric type -> (unit, hashmap-like unit price with 28 fractional digits, qty)
METRICS = {
    'instance': ('instance', Decimal('0.0420000000000000000000000000'), Decimal(1)),
    'volume.size': ('GiB', Decimal('0.0001388888888888888888888889'), Decimal(40)),
    'image.size': ('MiB', Decimal('0.0000010000000000000000000000'), Decimal('812.5')),
    'network.outgoing.bytes': ('MB', Decimal('0.0000500000000000000000000000'),
                               Decimal('153.271')),
    'ip.floating': ('ip', Decimal('0.0050000000000000000000000000'), Decimal(1)),
}


def _calendar_keys(start: datetime.datetime) -> dict[str, str]:
    return {'day_of_the_year': str(start.timetuple().tm_yday),
            'week_of_the_year': start.strftime('%U'),
            'month': str(start.month), 'year': str(start.year)}


def build_month(points: int, projects: int) -> list[DataFrame]:
    """One frame per hour; resources spread evenly over projects and types.

    Groupby and metadata dicts are shared between hours (as read-only
    DataPoint dicts may be) to keep the data set's memory small.
    """
    per_hour = max(1, points // HOURS)
    project_ids = [uuid.uuid4().hex for _ in range(projects)]
    types = list(METRICS)
    resources = [(project_ids[index % projects], types[index // projects % len(types)],
                  str(uuid.uuid4())) for index in range(per_hour)]
    metadata = {resource: {'flavor_name': 'm1.small', 'availability_zone': 'nova',
                           'user_id': uuid.uuid4().hex}
                for _, _, resource in resources}
    frames = []
    day_groupby: dict[str, dict] = {}
    for hour in range(HOURS):
        start = MONTH_START + hour * PERIOD
        if start.hour == 0 or not day_groupby:
            calendar = _calendar_keys(start)
            day_groupby = {resource: {'project_id': project, 'id': resource, **calendar}
                           for project, _, resource in resources}
        usage: dict[str, list[DataPoint]] = {metric: [] for metric in types}
        for _, metric, resource in resources:
            unit, price, qty = METRICS[metric]
            usage[metric].append(DataPoint(unit, qty, qty * price, day_groupby[resource],
                                           metadata[resource], None))
        frames.append(DataFrame(start, start + PERIOD, usage))
    return frames


def push_month(driver: BaseStorage, frames: list[DataFrame]) -> dict[str, float]:
    """Push every frame (one ``push``, one transaction, per hour); the timing."""
    started = time.perf_counter()
    for frame in frames:
        driver.push([frame])
    seconds = time.perf_counter() - started
    points = sum(len(frame) for frame in frames)
    return {'points': points, 'push_seconds': round(seconds, 3),
            'push_points_per_second': round(points / seconds)}


def refresh_statistics(store: Store) -> float:
    """What autovacuum (PostgreSQL) or ``PRAGMA optimize`` (SQLite) does after a
    bulk load: without planner statistics, a month-wide summary picks an index
    scan and an on-disk sort and is ten times slower. Returns the seconds taken."""
    started = time.perf_counter()
    if store.backend == 'postgresql':
        with store.db.engine.connect().execution_options(
                isolation_level='AUTOCOMMIT') as conn:
            conn.exec_driver_sql('VACUUM ANALYZE storage_rated_points, storage_rated_rollups')
    elif store.backend == 'sqlite':
        with store.db.engine.begin() as connection:
            connection.exec_driver_sql('ANALYZE')
    return time.perf_counter() - started


def query_month(driver: BaseStorage, frames: list[DataFrame],
                repeat: int) -> dict[str, object]:
    """p50/p95 seconds of the month summaries and pages, calling the driver directly."""
    some_project = frames[0].points('instance')[0].groupby['project_id']
    queries = {
        'total_by_project_id': lambda: driver.total(['project_id'], MONTH_START, MONTH_END),
        'total_by_project_id_type': lambda: driver.total(['project_id', 'type'],
                                                         MONTH_START, MONTH_END),
        'total_by_type': lambda: driver.total(['type'], MONTH_START, MONTH_END),
        'total_by_time_d': lambda: driver.total(['time-d'], MONTH_START, MONTH_END),
        'total_one_project_by_type': lambda: driver.total(
            ['type'], MONTH_START, MONTH_END, filters={'project_id': some_project}),
        'retrieve_page_all': lambda: driver.retrieve(MONTH_START, MONTH_END, limit=100),
        'retrieve_page_one_project': lambda: driver.retrieve(
            MONTH_START, MONTH_END, filters={'project_id': some_project}, limit=100),
    }
    results: dict[str, object] = {}
    for name, query in queries.items():
        timings, answer = timed(query, repeat)
        results[name + '_p50_seconds'] = round(median(timings), 4)
        results[name + '_p95_seconds'] = round(percentile(timings, 0.95), 4)
        results[name + '_rows'] = answer['total']
    return results


def bench_backend(backend: str, frames: list[DataFrame], repeat: int, workdir: str,
                  influx: InfluxServer | None) -> dict[str, object]:
    """Push the month into a fresh store of ``backend``, then time the queries."""
    with fresh_store(backend, workdir, influx) as store:
        driver = store.driver()
        results: dict[str, object] = push_month(driver, frames)
        results['analyze_seconds'] = round(refresh_statistics(store), 3)
        results.update(query_month(driver, frames, repeat))
        return results


def table(report: dict[str, dict[str, object]]) -> Table:
    """One row per figure, one column per backend."""
    backends = list(report)
    return Table('storage-direct', 'Storage driver, month of rated data', ['metric', *backends],
                 [[metric, *(str(report[name].get(metric)) for name in backends)]
                  for metric in next(iter(report.values()))])


def push_table(results: list[dict[str, object]]) -> Table:
    """The suite's pushes: one row per backend and size of the month."""
    return Table('storage-push', 'Storage push: a month of hourly frames, one transaction each',
                 ['storage', 'points', 'push s', 'points/s', 'runs'],
                 [[result['backend'], size(result['size']),
                   number(result['push']['push_seconds'], 1),
                   number(result['push']['push_points_per_second']),
                   str(result['push']['runs'])] for result in results])


def main(default_backends: str = 'sqlite,postgresql') -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--points', type=int, default=1_000_000)
    parser.add_argument('--projects', type=int, default=100)
    parser.add_argument('--backends', default=default_backends,
                        help='Comma-separated: %s. PostgreSQL is the server of '
                             'CLOUDKITTY_TEST_POSTGRES_URL (loopback).' % ', '.join(BACKENDS))
    parser.add_argument('--repeat', type=int, default=5,
                        help='Runs of each query (p50 and p95 are reported).')
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    backends = args.backends.split(',')
    frames = build_month(args.points, args.projects)
    report = {}
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix='ck-bench-storage-'))
        influx = stack.enter_context(influx_server_for(backends))
        for backend in backends:
            print('benchmarking %s...' % backend, file=sys.stderr)
            report[backend] = bench_backend(backend, frames, args.repeat, workdir, influx)
    table(report).print()
    if args.output:
        write_json(args.output, report)
    return 0


if __name__ == '__main__':
    sys.exit(main())

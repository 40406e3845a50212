#!/usr/bin/env python3
"""Benchmark of the v2 ``sqlalchemy`` storage on SQLite and PostgreSQL.

Pushes a month of realistic rated data (``--projects`` projects, 5 metric
types, hourly periods; 1,000,000 points by default) into a throwaway
database, then times the month summaries the API serves most (grouped by
project, by project and type, by type, by day: p50/p95 of ``--repeat``
runs; the ``/v2/summary`` queries) and one page of ``retrieve``. The
summaries by scope, type or calendar keys read the exact rollups; the
``--points 10000000`` run is the issue-7 size (minutes to generate and push).
Prints a table and writes the numbers as JSON (``--output``).

Each hourly period is pushed as one frame holding every project's points (one
``push`` call, one transaction). Planner statistics are refreshed after the
load (timed separately), as autovacuum would. Only loopback servers are used;
the PostgreSQL database is created and dropped here.

    python -m tools.bench.storage --output /tmp/bench_storage.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from cloudkitty import service
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from cloudkitty.storage.v2.sqlalchemy import SQLAlchemyStorage

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


def _percentiles(action: Callable[[], object], repeat: int
                 ) -> tuple[float, float, object]:
    """(p50, p95) seconds of ``repeat`` runs, and the last answer."""
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, result


def _refresh_statistics(db: Database) -> None:
    """What autovacuum (PostgreSQL) or ``PRAGMA optimize`` (SQLite) does after a
    bulk load: without planner statistics, a month-wide summary picks an index
    scan and an on-disk sort and is ten times slower."""
    if db.dialect == 'postgresql':
        with db.engine.connect().execution_options(isolation_level='AUTOCOMMIT') as conn:
            conn.exec_driver_sql('VACUUM ANALYZE storage_rated_points, storage_rated_rollups')
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql('ANALYZE')


def run(db: Database, frames: list[DataFrame], repeat: int) -> dict[str, object]:
    conf = service.prepare_service([], setup_logging=False)
    storage = SQLAlchemyStorage(conf, db=db)
    storage.init()
    started = time.perf_counter()
    for frame in frames:
        storage.push([frame])
    push_seconds = time.perf_counter() - started
    points = sum(len(frame) for frame in frames)
    started = time.perf_counter()
    _refresh_statistics(db)
    results: dict[str, object] = {
        'points': points, 'push_seconds': round(push_seconds, 3),
        'push_points_per_second': round(points / push_seconds),
        'analyze_seconds': round(time.perf_counter() - started, 3)}
    some_project = frames[0].points('instance')[0].groupby['project_id']
    queries = {
        'total_by_project_id': lambda: storage.total(['project_id'], MONTH_START, MONTH_END),
        'total_by_project_id_type': lambda: storage.total(['project_id', 'type'],
                                                          MONTH_START, MONTH_END),
        'total_by_type': lambda: storage.total(['type'], MONTH_START, MONTH_END),
        'total_by_time_d': lambda: storage.total(['time-d'], MONTH_START, MONTH_END),
        'total_one_project_by_type': lambda: storage.total(
            ['type'], MONTH_START, MONTH_END, filters={'project_id': some_project}),
        'retrieve_page_all': lambda: storage.retrieve(MONTH_START, MONTH_END, limit=100),
        'retrieve_page_one_project': lambda: storage.retrieve(
            MONTH_START, MONTH_END, filters={'project_id': some_project}, limit=100),
    }
    for name, query in queries.items():
        p50, p95, answer = _percentiles(query, repeat)
        results[name + '_p50_seconds'] = round(p50, 4)
        results[name + '_p95_seconds'] = round(p95, 4)
        results[name + '_rows'] = answer['total']
    return results


class _ThrowawayPostgres:
    def __init__(self, server_url: str):
        self.name = 'ck_bench_%s' % uuid.uuid4().hex[:10]
        self._admin = sa.create_engine(server_url, isolation_level='AUTOCOMMIT')
        with self._admin.connect() as connection:
            connection.execute(sa.text('CREATE DATABASE %s' % self.name))
        self.url = sa.engine.make_url(server_url).set(database=self.name).render_as_string(
            hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(sa.text('DROP DATABASE IF EXISTS %s WITH (FORCE)' % self.name))
        self._admin.dispose()


def bench_backend(backend: str, args, frames: list[DataFrame]) -> dict[str, object]:
    if backend == 'sqlite':
        with tempfile.TemporaryDirectory() as directory:
            db = Database('sqlite:///%s' % os.path.join(directory, 'bench.sqlite'))
            migration.upgrade(db)
            try:
                return run(db, frames, args.repeat)
            finally:
                db.dispose()
    throwaway = _ThrowawayPostgres(args.postgres_url)
    db = Database(throwaway.url)
    try:
        migration.upgrade(db)
        return run(db, frames, args.repeat)
    finally:
        db.dispose()
        throwaway.drop()


def _print_table(report: dict[str, dict[str, object]]) -> None:
    backends = list(report)
    metrics = list(next(iter(report.values())))
    print('%-38s' % 'metric' + ''.join('%16s' % name for name in backends))
    for metric in metrics:
        print('%-38s' % metric + ''.join('%16s' % report[name].get(metric)
                                          for name in backends))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--points', type=int, default=1_000_000)
    parser.add_argument('--projects', type=int, default=100)
    parser.add_argument('--backends', default='sqlite,postgresql',
                        help='Comma-separated: sqlite, postgresql.')
    parser.add_argument('--postgres-url',
                        default='postgresql+psycopg2://postgres@127.0.0.1:5432/postgres',
                        help='Server used to create the throwaway database (loopback).')
    parser.add_argument('--repeat', type=int, default=5,
                        help='Runs of each query (p50 and p95 are reported).')
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    frames = build_month(args.points, args.projects)
    report = {}
    for backend in args.backends.split(','):
        print('benchmarking %s...' % backend, file=sys.stderr)
        report[backend] = bench_backend(backend, args, frames)
    _print_table(report)
    if args.output:
        with open(args.output, 'w') as output:
            json.dump(report, output, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())

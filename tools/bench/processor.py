#!/usr/bin/env python3
"""End-to-end throughput of ``cloudkitty-processor``: Prometheus -> hashmap -> SQL.

A synthetic cloud of ``--scopes`` scopes × ``--resources`` resources of each of
the 4 metric types (10 × 25 × 4 = 1,000 resources by default) is backfilled
into a real Prometheus for the last ``--hours`` full hours (24), the hashmap
rules of the end-to-end test are created through the API on a fresh
database, and a real ``cloudkitty-processor`` (``--workers`` processes) is
started with every scope resuming at the start of that history. The
benchmark waits until each scope is caught up, then reports the wall time,
rated points per second (over the whole run, and once the first period is
stored, i.e. without the process start-up), scope-periods per second and the
peak resident memory of the processor (the sum over its process tree: the
cotyledon master and its workers, sampled every 0.1 s).
The history ends two hours ago, so that with ``wait_periods = 2`` all of it is
ready at once. Only loopback servers are used.

    python -m tools.bench.processor --output /tmp/bench_processor.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

import psutil
import sqlalchemy as sa

from cloudkitty.common import tz
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from cloudkitty.storage import get_storage
from tests.fixtures.api import build_client
from tests.fixtures.collect import write_metrics
from tests.fixtures.database import ThrowawayDatabase
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.processor import e2e

POLL_SECONDS = 0.1


def _write_config(path: str, db_url: str, overrides: dict[str, dict], workers: int) -> None:
    """The processor's configuration file, from the same settings as the test."""
    sections = {**overrides, 'database': {'connection': db_url},
                'storage': {'backend': 'sqlalchemy', 'version': 2}}
    sections['orchestrator'] = {**sections['orchestrator'], 'max_workers': workers,
                                'max_workers_reprocessing': 0}
    with open(path, 'w', encoding='utf-8') as stream:
        for group, options in sections.items():
            stream.write('[%s]\n' % group)
            for name, value in options.items():
                if isinstance(value, list):
                    value = ','.join(value)
                stream.write('%s = %s\n' % (name, value))
            stream.write('\n')


def _tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its children (0 for the vanished)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _progress(db: Database, resumed_after: datetime.datetime,
              last_period: datetime.datetime) -> tuple[int, bool]:
    """Periods rated so far by all scopes together, and whether every scope is done."""
    with db.session() as session:
        states = [row[0] for row in session.execute(sa.select(
            ScopeState.last_processed_timestamp))]
    rated = sum(int((state - resumed_after) / e2e.HOUR) for state in states)
    return rated, all(state >= last_period for state in states)


def run_processor(config: str, db: Database, resumed_after: datetime.datetime,
                  last_period: datetime.datetime, log_path: str,
                  timeout: float) -> dict[str, float]:
    """Start ``cloudkitty-processor``, wait until caught up, stop it; measurements."""
    with open(log_path, 'wb') as log:
        started = time.perf_counter()
        process = subprocess.Popen(['cloudkitty-processor', '--config-file', config],
                                   stdout=log, stderr=subprocess.STDOUT)
    watched = psutil.Process(process.pid)
    peak_rss, processes, first_advance = 0, 1, None
    try:
        while True:
            peak_rss = max(peak_rss, _tree_rss(watched))
            processes = max(processes, 1 + len(watched.children(recursive=True)))
            advanced, done = _progress(db, resumed_after, last_period)
            elapsed = time.perf_counter() - started
            if advanced and first_advance is None:
                first_advance = elapsed
            if done:
                break
            if process.poll() is not None:
                raise RuntimeError('cloudkitty-processor exited with %s; see %s'
                                   % (process.returncode, log_path))
            if elapsed > timeout:
                raise RuntimeError('not caught up after %.0f s; see %s' % (timeout, log_path))
            time.sleep(POLL_SECONDS)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {'wall_seconds': elapsed, 'first_period_seconds': first_advance or elapsed,
            'peak_rss_mib': peak_rss / 2 ** 20, 'processes': processes}


def bench_backend(backend: str, args, prometheus_url: str, workdir: str,
                  first: datetime.datetime) -> dict[str, object]:
    scopes = [e2e.scope_id(index) for index in range(args.scopes)]
    throwaway = ThrowawayDatabase(backend, workdir)
    db = Database(throwaway.url)
    try:
        migration.upgrade(db)
        lock_dir = tempfile.mkdtemp(dir=workdir)
        overrides = e2e.conf_overrides(
            write_metrics(workdir, {'metrics': e2e.METRICS}), prometheus_url, scopes,
            lock_dir)
        overrides['orchestrator']['max_threads'] = args.threads
        client = build_client(db, **overrides)
        e2e.create_rules(client, since=first - datetime.timedelta(days=1))
        e2e.start_scopes(client, scopes, first - e2e.HOUR)
        config = os.path.join(workdir, 'cloudkitty-%s.conf' % backend)
        _write_config(config, throwaway.url, overrides, args.workers)
        last_period = first + (args.hours - 1) * e2e.HOUR
        measured = run_processor(config, db, first - e2e.HOUR, last_period,
                                 os.path.join(workdir, 'processor-%s.log' % backend),
                                 args.timeout)
        points = get_storage(client.conf, db).retrieve(
            first, last_period + e2e.HOUR, limit=1)['total']
        scope_periods = args.scopes * args.hours
        wall = measured['wall_seconds']
        # After the first period is stored, i.e. without the process start-up.
        steady = max(wall - measured['first_period_seconds'], 1e-3)
        return {
            'rated_points': points, 'scope_periods': scope_periods,
            'wall_seconds': round(wall, 2),
            'to_first_period_seconds': round(measured['first_period_seconds'], 2),
            'points_per_second': round(points / wall),
            'scope_periods_per_second': round(scope_periods / wall, 2),
            'points_per_second_running': round(points / steady),
            'peak_rss_mib': round(measured['peak_rss_mib'], 1),
            'processes': measured['processes'],
        }
    finally:
        db.dispose()
        throwaway.drop()


def _print_table(report: dict[str, dict[str, object]]) -> None:
    backends = list(report)
    print('%-28s' % 'metric' + ''.join('%14s' % name for name in backends))
    for metric in report[backends[0]]:
        print('%-28s' % metric + ''.join('%14s' % report[name][metric] for name in backends))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scopes', type=int, default=10)
    parser.add_argument('--resources', type=int, default=25,
                        help='Resources of each of the 4 metric types per scope.')
    parser.add_argument('--hours', type=int, default=24, help='Hourly periods to rate.')
    parser.add_argument('--workers', type=int, default=2,
                        help='[orchestrator] max_workers of the processor.')
    parser.add_argument('--threads', type=int, default=4,
                        help='[orchestrator] max_threads of the processor.')
    parser.add_argument('--backends', default='sqlite,postgresql',
                        help='Comma-separated: sqlite, postgresql, mysql.')
    parser.add_argument('--timeout', type=float, default=900.0)
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    # Ends two hours ago: with wait_periods = 2 every period is ready now.
    first = tz.utcnow().replace(minute=0, second=0, microsecond=0) - (
        args.hours + 1) * e2e.HOUR
    cloud = e2e.generate(args.scopes, args.resources, args.hours)
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as workdir, backfilled_prometheus(
            e2e.to_series(cloud, first), tempfile.mkdtemp(dir=workdir)) as url:
        for backend in args.backends.split(','):
            print('benchmarking %s...' % backend, file=sys.stderr)
            load_before = os.getloadavg()
            report[backend] = bench_backend(backend, args, url,
                                            tempfile.mkdtemp(dir=workdir), first)
            report[backend]['load_avg_1m_before'] = round(load_before[0], 2)
            report[backend]['load_avg_1m_after'] = round(os.getloadavg()[0], 2)
    _print_table(report)
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as output:
            json.dump({'resources': len(cloud), 'hours': args.hours,
                       'workers': args.workers, 'threads': args.threads,
                       'cpu_count': os.cpu_count(), 'backends': report}, output, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())

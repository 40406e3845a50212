#!/usr/bin/env python3
"""End-to-end throughput of ``cloudkitty-processor``: Prometheus -> hashmap -> storage.

A synthetic cloud of ``--scopes`` scopes × ``--resources`` resources of each of
the 4 metric types (10 × 25 × 4 = 1,000 resources by default) is backfilled
into a real Prometheus for the last ``--hours`` full hours, with the generator
and the Prometheus fixture of the end-to-end test
(``tests/functional/processor/e2e.py``). On a fresh store, the rules of
``tools/bench/hashmap.yml`` (flavors with tenant price lists, volume types,
thresholds, two groups) are loaded through the HTTP API, and a real
``cloudkitty-processor`` (``--workers`` processes) is started with every scope
resuming at the start of that history. The benchmark waits until each scope
is caught up, then reports the wall time, rated points per second (over the
whole run, and once the first period is stored, i.e. without the process
start-up), scope-periods per second and the peak resident memory of each
process (the cotyledon master and its workers, sampled every 0.1 s) and of
them all together. Each figure is the median of ``--runs`` runs.

The history ends two hours ago, so that with ``wait_periods = 2`` all of it is
ready at once. Only loopback servers are used.

    python -m tools.bench.processor --workers 1,2 --output /tmp/bench_processor.json
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import psutil
import sqlalchemy as sa

from cloudkitty.common import tz
from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from tests.fixtures.api import build_client
from tests.fixtures.collect import write_metrics
from tests.fixtures.influxdb import InfluxServer
from tests.fixtures.live_api import serving
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.processor import e2e
from tools import load_sample_rules
from tools.bench.common import (
    RULES_FILE,
    Table,
    console_script,
    medians,
    merge_sections,
    number,
    size,
    write_config,
    write_json,
)
from tools.bench.stores import BACKENDS, fresh_store, influx_server_for

POLL_SECONDS = 0.1
STEADY_MIN_SECONDS = 1.0
THREADS = 4
"""[orchestrator] max_threads of the processor, unless told otherwise."""
MIB = 2 ** 20


@dataclasses.dataclass(frozen=True)
class CloudSize:
    """How much work: scopes × resources of each metric type per scope × hours."""

    scopes: int
    resources: int
    hours: int

    @property
    def total_resources(self) -> int:
        return self.scopes * self.resources * len(e2e.METRICS)


@dataclasses.dataclass(frozen=True)
class History:
    """A Prometheus serving a synthetic cloud's past, and where that past starts."""

    size: CloudSize
    prometheus_url: str
    first: datetime.datetime

    @property
    def last_period(self) -> datetime.datetime:
        return self.first + (self.size.hours - 1) * e2e.HOUR


@contextlib.contextmanager
def prometheus_history(cloud: CloudSize, workdir: str) -> Iterator[History]:
    """Backfill a real Prometheus with the cloud's last hours (ending two hours ago)."""
    first = tz.utcnow().replace(minute=0, second=0, microsecond=0) - (
        cloud.hours + 1) * e2e.HOUR
    series = e2e.to_series(e2e.generate(cloud.scopes, cloud.resources, cloud.hours), first)
    with backfilled_prometheus(series, tempfile.mkdtemp(dir=workdir)) as url:
        yield History(cloud, url, first)


class _MemoryWatch:
    """Peak RSS of each process of a tree, and of the tree as a whole."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peaks: dict[int, int] = {}
        self.peak_total = 0

    def sample(self) -> None:
        total = 0
        for member in [self.root, *self.root.children(recursive=True)]:
            try:
                rss = member.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            self.peaks[member.pid] = max(self.peaks.get(member.pid, 0), rss)
            total += rss
        self.peak_total = max(self.peak_total, total)

    def report(self) -> dict[str, object]:
        workers = [self.peaks[pid] / MIB for pid in sorted(self.peaks) if pid != self.root.pid]
        return {'processes': 1 + len(workers),
                'peak_rss_master_mib': round(self.peaks.get(self.root.pid, 0) / MIB, 1),
                'peak_rss_worker_max_mib': round(max(workers, default=0), 1),
                'peak_rss_workers_mib': [round(value, 1) for value in workers],
                'peak_rss_total_mib': round(self.peak_total / MIB, 1)}


def _progress(db: Database, history: History) -> tuple[int, bool]:
    """Periods rated so far by all scopes together, and whether every scope is done."""
    with db.session() as session:
        states = [row[0] for row in session.execute(sa.select(
            ScopeState.last_processed_timestamp))]
    rated = sum(max(0, int((state - history.first) / e2e.HOUR) + 1) for state in states)
    return rated, all(state >= history.last_period for state in states)


def run_processor(config: str, db: Database, history: History, log_path: str,
                  timeout: float) -> dict[str, object]:
    """Start ``cloudkitty-processor``, wait until caught up, stop it; measurements."""
    with open(log_path, 'wb') as log:
        started = time.perf_counter()
        process = subprocess.Popen([console_script('cloudkitty-processor'),
                                    '--config-file', config],
                                   stdout=log, stderr=subprocess.STDOUT)
    memory = _MemoryWatch(process.pid)
    first_advance, rated_at_first = None, 0
    try:
        while True:
            memory.sample()
            rated, done = _progress(db, history)
            elapsed = time.perf_counter() - started
            if rated and first_advance is None:
                first_advance, rated_at_first = elapsed, rated
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
            'periods_at_first': rated_at_first, **memory.report()}


def run_once(backend: str, workers: int, threads: int, history: History, workdir: str,
             influx: InfluxServer | None, timeout: float) -> dict[str, object]:
    """One run on a fresh store: rules through the API, then the processor until done."""
    cloud = history.size
    scopes = [e2e.scope_id(index) for index in range(cloud.scopes)]
    load_before = os.getloadavg()[0]
    with fresh_store(backend, workdir, influx) as store:
        store.driver()  # creates the InfluxDB database, as cloudkitty-storage-init does
        overrides = e2e.conf_overrides(
            write_metrics(workdir, {'metrics': e2e.METRICS}), history.prometheus_url, scopes,
            tempfile.mkdtemp(dir=workdir))
        overrides['orchestrator'].update(max_threads=threads, max_workers=workers,
                                         max_workers_reprocessing=0)
        sections = merge_sections(overrides, store.sections)
        client = build_client(store.db, **sections)
        with serving(client.conf) as url:
            load_sample_rules.load(url, RULES_FILE, history.first - datetime.timedelta(days=1))
        e2e.start_scopes(client, scopes, history.first - e2e.HOUR)
        config = os.path.join(workdir, 'cloudkitty-%s.conf' % backend)
        write_config(config, sections)
        measured = run_processor(config, store.db, history,
                                 os.path.join(workdir, 'processor-%s.log' % backend), timeout)
        points = store.driver().retrieve(history.first, history.last_period + e2e.HOUR,
                                         limit=1)['total']
    scope_periods = cloud.scopes * cloud.hours
    wall = measured.pop('wall_seconds')
    first = measured.pop('first_period_seconds')
    # Once the first periods are stored, i.e. without the process start-up; too
    # short a run after them to tell is no figure.
    steady = None
    if wall - first >= STEADY_MIN_SECONDS:
        rest = 1 - measured['periods_at_first'] / scope_periods
        steady = round(points * rest / (wall - first))
    return {
        'backend': backend, 'workers': workers, 'threads': threads,
        'scopes': cloud.scopes, 'resources': cloud.total_resources, 'hours': cloud.hours,
        'rated_points': points, 'scope_periods': scope_periods,
        'wall_seconds': round(wall, 2),
        'to_first_period_seconds': round(first, 2),
        'points_per_second': round(points / wall),
        'scope_periods_per_second': round(scope_periods / wall, 2),
        'points_per_second_running': steady,
        **measured,
        'load_avg_1m_before': round(load_before, 2),
        'load_avg_1m_after': round(os.getloadavg()[0], 2),
    }


def measure(backend: str, workers: int, threads: int, history: History, runs: int,
            influx: InfluxServer | None, timeout: float) -> dict[str, object]:
    """The median of ``runs`` runs, each on a fresh store."""
    results = []
    for _ in range(runs):
        print('processor: %s, %d worker(s), %s resources...' % (
            backend, workers, size(history.size.total_resources)), file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix='ck-bench-processor-') as workdir:
            results.append(run_once(backend, workers, threads, history, workdir, influx,
                                    timeout))
    return medians(results)


def cloud_label(result: dict[str, object]) -> str:
    """E.g. ``1k (10 × 100 × 6 h)``: the resources, then how the cloud is shaped."""
    scopes, resources = int(result['scopes']), int(result['resources'])
    return '%s (%s × %s × %d h)' % (size(resources), number(scopes),
                                    number(resources // scopes), result['hours'])


def table(results: list[dict[str, object]]) -> Table:
    """One row per backend, worker count and size."""
    return Table(
        'processor', 'Processor end to end (Prometheus -> hashmap -> storage)',
        ['storage', 'workers', 'resources (scopes × each × hours)', 'scope-periods',
         'rated points', 'wall s',
         'points/s', 'scope-periods/s', 'points/s after start-up',
         'peak RSS MiB (master / worker / all)', 'runs'],
        [[result['backend'], str(result['workers']), cloud_label(result),
          number(result['scope_periods']), number(result['rated_points']),
          number(result['wall_seconds'], 1), number(result['points_per_second']),
          number(result['scope_periods_per_second'], 1),
          '—' if result['points_per_second_running'] is None
          else number(result['points_per_second_running']),
          '%s / %s / %s' % (number(result['peak_rss_master_mib']),
                            number(result['peak_rss_worker_max_mib']),
                            number(result['peak_rss_total_mib'])),
          str(result['runs'])]
         for result in results])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scopes', type=int, default=10)
    parser.add_argument('--resources', type=int, default=25,
                        help='Resources of each of the 4 metric types per scope.')
    parser.add_argument('--hours', type=int, default=24, help='Hourly periods to rate.')
    parser.add_argument('--workers', default='2',
                        help='[orchestrator] max_workers of the processor; comma-separated '
                             'to compare several (e.g. 1,2).')
    parser.add_argument('--threads', type=int, default=THREADS,
                        help='[orchestrator] max_threads of the processor.')
    parser.add_argument('--backends', default='sqlite,postgresql',
                        help='Comma-separated: %s.' % ', '.join(BACKENDS))
    parser.add_argument('--runs', type=int, default=1, help='Runs of each figure (median).')
    parser.add_argument('--timeout', type=float, default=900.0)
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    backends = args.backends.split(',')
    cloud = CloudSize(args.scopes, args.resources, args.hours)
    results = []
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix='ck-bench-'))
        history = stack.enter_context(prometheus_history(cloud, workdir))
        influx = stack.enter_context(influx_server_for(backends))
        for backend in backends:
            for workers in (int(value) for value in args.workers.split(',')):
                results.append(measure(backend, workers, args.threads, history, args.runs,
                                       influx, args.timeout))
    table(results).print()
    if args.output:
        write_json(args.output, results)
    return 0


if __name__ == '__main__':
    sys.exit(main())

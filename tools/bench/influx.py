#!/usr/bin/env python3
"""Benchmark of the v2 ``influxdb`` storage on a private InfluxDB 1.x.

The same month of rated data as ``tools/bench/storage.py`` (its generator is
imported, so the numbers compare with the SQL backend's): pushed one hourly
frame per ``push`` call, then the month summaries the API serves most
(grouped by project, by type, by day: median of ``--repeat`` runs) and one
page of ``retrieve``. ``influxd`` (Debian package ``influxdb``) is started on
a free loopback port with a temporary data directory, and stopped at the end.

    python -m tools.bench.influx --output /tmp/bench_influx.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from cloudkitty import service
from cloudkitty.storage.v2.influx import InfluxStorage
from tests.fixtures.influxdb import start_influxd, stop_influxd
from tools.bench.storage import MONTH_END, MONTH_START, _percentiles, build_month


def run(storage: InfluxStorage, frames, repeat: int) -> dict[str, object]:
    storage.init()
    started = time.perf_counter()
    for frame in frames:
        storage.push([frame])
    push_seconds = time.perf_counter() - started
    points = sum(len(frame) for frame in frames)
    results: dict[str, object] = {
        'points': points, 'push_seconds': round(push_seconds, 3),
        'push_points_per_second': round(points / push_seconds)}
    some_project = frames[0].points('instance')[0].groupby['project_id']
    queries = {
        'total_by_project_id': lambda: storage.total(['project_id'], MONTH_START, MONTH_END),
        'total_by_type': lambda: storage.total(['type'], MONTH_START, MONTH_END),
        'total_by_time_d': lambda: storage.total(['time-d'], MONTH_START, MONTH_END),
        'total_one_project_by_type': lambda: storage.total(
            ['type'], MONTH_START, MONTH_END, filters={'project_id': some_project}),
        'retrieve_page_all': lambda: storage.retrieve(MONTH_START, MONTH_END, limit=100),
        'retrieve_page_one_project': lambda: storage.retrieve(
            MONTH_START, MONTH_END, filters={'project_id': some_project}, limit=100),
    }
    for name, query in queries.items():
        seconds, _p95, answer = _percentiles(query, repeat)
        results[name + '_seconds'] = round(seconds, 4)
        results[name + '_rows'] = answer['total']
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--points', type=int, default=1_000_000)
    parser.add_argument('--projects', type=int, default=100)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    frames = build_month(args.points, args.projects)
    with tempfile.TemporaryDirectory() as workdir:
        process, server = start_influxd(workdir)
        try:
            conf = service.prepare_service([], setup_logging=False)
            conf.set_override('host', server.host, group='storage_influxdb')
            conf.set_override('port', server.port, group='storage_influxdb')
            results = run(InfluxStorage(conf), frames, args.repeat)
            results['disk_bytes'] = sum(
                os.path.getsize(os.path.join(directory, name))
                for directory, _, names in os.walk(workdir) for name in names)
        finally:
            stop_influxd(process)
    for metric, value in results.items():
        print('%-38s%16s' % (metric, value))
    if args.output:
        with open(args.output, 'w') as output:
            json.dump({'influxdb': results}, output, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())

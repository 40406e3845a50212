#!/usr/bin/env python3
"""Throughput and latency of ``cloudkitty-api`` (noauth) under concurrent load.

Builds a throwaway SQLite database (or ``--db-url``), pushes a month of rated
data through the v2 storage driver (the data set of tools/bench/storage.py,
``--points`` points over ``--projects`` projects), starts a real
``cloudkitty-api`` process on a loopback port, loads the sample hashmap rules
plus ``--flavors`` flavor mappings through the API, then runs ``wrk`` with
``--connections`` concurrent clients for ``--duration`` seconds on:

* ``GET /v2/summary`` for the month, grouped by project_id;
* ``GET /v1/rating/module_config/hashmap/mappings`` (the whole mapping list).

Prints a table and writes the numbers as JSON (``--output``). Needs ``wrk``
(``apt-get install wrk``).

    python -m tools.bench.api --output /tmp/bench_api.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

from cloudkitty import service, storage
from cloudkitty.db.engine import Database
from cloudkitty.sample import generate
from tools import load_sample_rules
from tools.bench import storage as bench_storage

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TOOLS_DIR)
BIN_DIR = os.path.dirname(sys.executable)
HASHMAP = '/v1/rating/module_config/hashmap'

_CONF = """\
[DEFAULT]
auth_strategy = noauth
api_paste_config = {repo}/etc/cloudkitty/api_paste.ini
transport_url = fake://
log_file = {workdir}/cloudkitty-api.log

[api]
host = 127.0.0.1
port = {port}

[database]
connection = {db_url}

[storage]
version = 2
backend = sqlalchemy

[collect]
metrics_conf = {repo}/cloudkitty/sample/metrics.yml
"""

# wrk hands the latency histogram to done(); one JSON line after its own text.
_WRK_REPORT = """\
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx_3xx": %d, '
    .. '"socket_errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, '
    .. '"max_ms": %.3f, "mean_ms": %.3f}\\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _run(name: str, conf: str, *args: str) -> None:
    subprocess.run([os.path.join(BIN_DIR, name), '--config-file', conf, *args],
                   check=True, capture_output=True, timeout=300)


def fill_storage(conf_file: str, points: int, projects: int) -> dict[str, object]:
    """Push a month of rated data, one frame (one transaction) per hour."""
    frames = bench_storage.build_month(points, projects)
    conf = service.prepare_service([], config_files=[conf_file], setup_logging=False)
    db = Database.from_conf(conf)
    driver = storage.get_storage(conf, db)
    started = time.perf_counter()
    for frame in frames:
        driver.push([frame])
    seconds = time.perf_counter() - started
    with db.engine.begin() as connection:
        if db.dialect == 'sqlite':
            connection.exec_driver_sql('ANALYZE')
    db.dispose()
    return {'points': sum(len(frame) for frame in frames), 'push_seconds': round(seconds, 1),
            'month_begin': bench_storage.MONTH_START.isoformat(),
            'month_end': bench_storage.MONTH_END.isoformat()}


def load_rules(url: str, flavors: int) -> int:
    """Sample hashmap rules + ``flavors`` flavor mappings; the number of mappings."""
    load_sample_rules.load(url, generate.sample_file(generate.HASHMAP_FILE),
                                         datetime.datetime(2024, 1, 1))
    http = requests.Session()
    service_id = http.post(url + HASHMAP + '/services', json={'name': 'bench.flavor'},
                           timeout=30).json()['service_id']
    field_id = http.post(url + HASHMAP + '/fields', timeout=30, json={
        'name': 'flavor_name', 'service_id': service_id}).json()['field_id']
    for index in range(flavors):
        response = http.post(url + HASHMAP + '/mappings?force=true', timeout=30, json={
            'field_id': field_id, 'value': 'bench.f%03d' % index, 'type': 'flat',
            'cost': '0.%03d1' % index, 'start': '2024-01-01'})
        response.raise_for_status()
    return len(http.get(url + HASHMAP + '/mappings', timeout=30).json()['mappings'])


def run_wrk(url: str, connections: int, threads: int, duration: int,
            script: str) -> dict[str, float]:
    """One wrk run; its numbers plus requests/second."""
    result = subprocess.run(
        ['wrk', '-c', str(connections), '-t', str(threads), '-d', '%ds' % duration,
         '--timeout', '30s', '-s', script, url],
        check=True, capture_output=True, text=True, timeout=duration + 120)
    line = next(line for line in result.stdout.splitlines() if line.startswith('WRK_JSON '))
    numbers = json.loads(line[len('WRK_JSON '):])
    numbers['requests_per_second'] = round(
        numbers['requests'] / (numbers['duration_us'] / 1e6), 1)
    return numbers


def _start_api(conf: str, workdir: str, url: str) -> subprocess.Popen:
    with open(os.path.join(workdir, 'stdout.log'), 'wb') as output:
        process = subprocess.Popen(
            [os.path.join(BIN_DIR, 'cloudkitty-api'), '--config-file', conf],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url + '/', timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError('cloudkitty-api did not start; see %s/stdout.log' % workdir)


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def bench(args, workdir: str) -> dict[str, object]:
    port = _free_port()
    url = 'http://127.0.0.1:%d' % port
    conf = os.path.join(workdir, 'cloudkitty.conf')
    db_url = args.db_url or 'sqlite:///%s/bench.sqlite' % workdir
    with open(conf, 'w', encoding='utf-8') as stream:
        stream.write(_CONF.format(repo=REPO_ROOT, workdir=workdir, port=port, db_url=db_url))
    _run('cloudkitty-dbsync', conf, 'upgrade')
    _run('cloudkitty-storage-init', conf)
    report: dict[str, object] = {'data': fill_storage(conf, args.points, args.projects)}
    api = _start_api(conf, workdir, url)
    try:
        report['data']['hashmap_mappings'] = load_rules(url, args.flavors)
        month = report['data']
        targets = {
            'v2_summary_month_by_project': '%s/v2/summary?begin=%s&end=%s&groupby=project_id'
                                           % (url, month['month_begin'], month['month_end']),
            'v1_hashmap_mappings_list': url + HASHMAP + '/mappings',
        }
        script = os.path.join(workdir, 'report.lua')
        with open(script, 'w', encoding='utf-8') as stream:
            stream.write(_WRK_REPORT)
        report['load'] = {'connections': args.connections, 'threads': args.threads,
                          'duration_seconds': args.duration}
        for name, target in targets.items():
            check = requests.get(target, timeout=60)
            check.raise_for_status()
            report[name] = dict(run_wrk(target, args.connections, args.threads,
                                        args.duration, script),
                                response_bytes=len(check.content),
                                single_request_ms=round(
                                    check.elapsed.total_seconds() * 1000, 1))
    finally:
        _stop(api)
    return report


def _print_table(report: dict[str, object]) -> None:
    print('data: %(points)d points (pushed in %(push_seconds)ss), '
          '%(hashmap_mappings)d hashmap mappings' % report['data'])
    print('load: wrk, %(connections)d connections, %(threads)d threads, '
          '%(duration_seconds)ds per route' % report['load'])
    columns = ('single_request_ms', 'requests_per_second', 'p50_ms', 'p95_ms', 'p99_ms',
               'max_ms', 'requests', 'non_2xx_3xx', 'socket_errors')
    print('%-30s' % 'route' + ''.join('%14s' % column[:13] for column in columns))
    print('(requests: completed within the run; a route slower than the run under load '
          'completes none)')
    for name, numbers in report.items():
        if isinstance(numbers, dict) and 'requests' in numbers:
            print('%-30s' % name + ''.join('%14s' % numbers[column] for column in columns))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--points', type=int, default=500_000)
    parser.add_argument('--projects', type=int, default=100)
    parser.add_argument('--flavors', type=int, default=50,
                        help='Flavor mappings added to the sample hashmap rules.')
    parser.add_argument('--connections', type=int, default=20)
    parser.add_argument('--threads', type=int, default=2, help='wrk threads.')
    parser.add_argument('--duration', type=int, default=20, help='Seconds per route.')
    parser.add_argument('--db-url', help='An empty database to use instead of a '
                                         'throwaway SQLite file (loopback servers only).')
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    if shutil.which('wrk') is None:
        print('bench_api: wrk is not installed (apt-get install wrk)', file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix='ck-bench-api-') as workdir:
        report = bench(args, workdir)
    _print_table(report)
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as stream:
            json.dump(report, stream, indent=2)
    print(json.dumps(report))
    return 0


if __name__ == '__main__':
    sys.exit(main())

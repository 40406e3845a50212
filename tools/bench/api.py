#!/usr/bin/env python3
"""Report queries and load through the HTTP API: a real ``cloudkitty-api`` on loopback.

A month of rated data (the data set of :mod:`tools.bench.storage`,
``--points`` points over ``--projects`` projects) is pushed into a fresh
store of each backend; a real ``cloudkitty-api`` process (noauth, its own
multi-threaded WSGI server) is started on it on a free loopback port and the
rules of ``tools/bench/hashmap.yml`` are loaded through it. Then:

* report queries, one client, ``--repeat`` requests each (p50/p95):
  ``GET /v2/summary`` for the month grouped by project, by type, by day
  (``time-d``) and by project and type, and ``GET /v2/dataframes`` pages of 100 points (the first,
  one in the middle of the month, the first of one project);
* load: ``wrk`` with ``--connections`` concurrent clients for ``--duration``
  seconds, ``--runs`` times (medians), on the month summary by project and on
  ``GET /v1/rating/module_config/hashmap/mappings``.

Prints the tables and writes the numbers as JSON (``--output``). Needs ``wrk``
(Debian package ``wrk``).

    python -m tools.bench.api --backends sqlite,postgresql --output /tmp/bench_api.json
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import requests

from cloudkitty.dataframe import DataFrame
from tests.fixtures.servers import free_port
from tools import load_sample_rules
from tools.bench.common import (
    REPO_ROOT,
    RULES_FILE,
    Table,
    console_script,
    median,
    medians,
    merge_sections,
    number,
    percentile,
    size,
    write_config,
    write_json,
)
from tools.bench.storage import (
    MONTH_END,
    MONTH_START,
    build_month,
    push_month,
    refresh_statistics,
)
from tools.bench.stores import BACKENDS, Store, fresh_store, influx_server_for

HASHMAP_MAPPINGS = '/v1/rating/module_config/hashmap/mappings'
#: Report queries: name -> (label in the tables, path and query string).
QUERIES = {
    'summary_by_project': ('summary by project', '/v2/summary?groupby=project_id'),
    'summary_by_type': ('summary by type', '/v2/summary?groupby=type'),
    'summary_by_day': ('summary by day', '/v2/summary?groupby=time-d'),
    'summary_by_project_and_type': ('summary by project and type',
                                    '/v2/summary?groupby=project_id&groupby=type'),
    'dataframes_first_page': ('frames page 1', '/v2/dataframes?limit=100'),
    'dataframes_middle_page': ('frames middle page', '/v2/dataframes?limit=100&offset={middle}'),
    'dataframes_one_project': ('frames one project',
                               '/v2/dataframes?limit=100&filters=project_id:{project}'),
}
#: Routes under load: name -> (label, path and query string).
LOADED = {
    'summary_by_project': ('summary by project', QUERIES['summary_by_project'][1]),
    'hashmap_mappings': ('hashmap mappings list', HASHMAP_MAPPINGS),
}

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


@dataclasses.dataclass(frozen=True)
class HttpSettings:
    repeat: int = 10
    """Requests of each report query (p50/p95)."""
    connections: int = 20
    """Concurrent wrk clients."""
    threads: int = 2
    """wrk threads."""
    duration: int = 10
    """Seconds of each wrk run."""
    runs: int = 3
    """wrk runs of each route (medians)."""


@contextlib.contextmanager
def running_api(store: Store, workdir: str) -> Iterator[str]:
    """``cloudkitty-api`` serving ``store`` on a free loopback port; yields its URL."""
    port = free_port()
    config = os.path.join(workdir, 'cloudkitty-api.conf')
    write_config(config, merge_sections({
        'DEFAULT': {'auth_strategy': 'noauth', 'transport_url': 'fake://',
                    'api_paste_config': os.path.join(REPO_ROOT, 'etc', 'cloudkitty',
                                                     'api_paste.ini'),
                    'log_file': os.path.join(workdir, 'cloudkitty-api.log')},
        'api': {'host': '127.0.0.1', 'port': port},
        'collect': {'metrics_conf': os.path.join(REPO_ROOT, 'cloudkitty', 'sample',
                                                 'metrics.yml')},
    }, store.sections))
    url = 'http://127.0.0.1:%d' % port
    with open(os.path.join(workdir, 'cloudkitty-api.out'), 'wb') as output:
        process = subprocess.Popen([console_script('cloudkitty-api'), '--config-file', config],
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_until_serving(process, url, workdir)
        yield url
    except BaseException:
        _keep_logs(workdir)
        raise
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _keep_logs(workdir: str) -> None:
    """Copy the API's logs out of the temporary ``workdir`` of a failed run."""
    kept = tempfile.mkdtemp(prefix='ck-bench-api-failed-')
    for name in ('cloudkitty-api.log', 'cloudkitty-api.out', 'cloudkitty-api.conf'):
        if os.path.exists(os.path.join(workdir, name)):
            shutil.copy(os.path.join(workdir, name), kept)
    print('api: the run failed; the API logs are kept in %s' % kept, file=sys.stderr)


def _wait_until_answered(url: str, timeout: float = 600) -> None:
    """GET ``url`` until it answers 2xx: after a wrk run the API may still be busy.

    The requests wrk left queued keep the connection pool full for a while, and
    the API answers 503 ``The database is busy`` meanwhile; that is counted in
    the run's errors, not mistaken for the next route's.
    """
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url, timeout=timeout)
        if response.ok or response.status_code != 503 or time.monotonic() > deadline:
            response.raise_for_status()
            return
        time.sleep(1)


def _wait_until_serving(process: subprocess.Popen, url: str, workdir: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(url + '/', timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError('cloudkitty-api did not start; see %s' % workdir)


def query_paths(frames: list[DataFrame]) -> dict[str, str]:
    """The report queries over the month of ``frames``, ready to request."""
    points = sum(len(frame) for frame in frames)
    project = frames[0].points('instance')[0].groupby['project_id']
    window = 'begin=%s&end=%s' % (MONTH_START.isoformat(), MONTH_END.isoformat())
    return {name: '%s&%s' % (path.format(middle=points // 2, project=project), window)
            for name, (_label, path) in QUERIES.items()}


def latency(url: str, paths: dict[str, str], repeat: int) -> dict[str, dict[str, object]]:
    """One client, one request after another: p50/p95 of each query (after a warm-up)."""
    results = {}
    with requests.Session() as http:
        for name, path in paths.items():
            http.get(url + path, timeout=600).raise_for_status()
            timings, response = [], None
            for _ in range(repeat):
                started = time.perf_counter()
                response = http.get(url + path, timeout=600)
                timings.append(time.perf_counter() - started)
                response.raise_for_status()
            results[name] = {'p50_ms': round(median(timings) * 1000, 1),
                             'p95_ms': round(percentile(timings, 0.95) * 1000, 1),
                             'requests': repeat, 'response_bytes': len(response.content),
                             'total': response.json().get('total')}
    return results


def run_wrk(url: str, settings: HttpSettings, script: str) -> dict[str, float]:
    """One wrk run; its numbers plus requests/second."""
    result = subprocess.run(
        ['wrk', '-c', str(settings.connections), '-t', str(settings.threads),
         '-d', '%ds' % settings.duration, '--timeout', '30s', '-s', script, url],
        check=True, capture_output=True, text=True, timeout=settings.duration + 120)
    line = next(line for line in result.stdout.splitlines() if line.startswith('WRK_JSON '))
    numbers = json.loads(line[len('WRK_JSON '):])
    numbers['requests_per_second'] = round(
        numbers['requests'] / (numbers['duration_us'] / 1e6), 1)
    return numbers


def load(url: str, paths: dict[str, str], settings: HttpSettings,
         workdir: str) -> dict[str, dict[str, object]]:
    """wrk on each route, ``settings.runs`` times: the median of each figure."""
    script = os.path.join(workdir, 'report.lua')
    with open(script, 'w', encoding='utf-8') as stream:
        stream.write(_WRK_REPORT)
    results = {}
    for name, path in paths.items():
        runs = []
        for _ in range(settings.runs):
            _wait_until_answered(url + path)
            runs.append(run_wrk(url + path, settings, script))
        results[name] = dict(medians(runs), connections=settings.connections,
                             duration_seconds=settings.duration)
    return results


def measure(store: Store, frames: list[DataFrame], settings: HttpSettings,
            workdir: str) -> dict[str, object]:
    """Report queries and load against ``cloudkitty-api`` serving the filled ``store``."""
    with running_api(store, workdir) as url:
        load_sample_rules.load(url, RULES_FILE, MONTH_START - datetime.timedelta(days=1))
        paths = query_paths(frames)
        loaded = {'summary_by_project': paths['summary_by_project'],
                  'hashmap_mappings': HASHMAP_MAPPINGS}
        return {'queries': latency(url, paths, settings.repeat),
                'load': load(url, loaded, settings, workdir)}


def _latencies(figures: dict[str, object] | None) -> str:
    """``p50 / p95`` of one query; '—' for a query the results do not have."""
    if figures is None:
        return '—'
    return '%s / %s' % (number(figures['p50_ms'], 1), number(figures['p95_ms'], 1))


def tables(results: list[dict[str, object]]) -> list[Table]:
    """Report query latencies and load, one row per backend and stored size.

    ``results`` hold ``backend``, ``size`` (points asked for) and the ``api`` part of
    :func:`measure`.
    """
    queries = Table('api-queries', 'Report queries through the HTTP API, one client '
                    '(p50 / p95 ms; frames: /v2/dataframes pages of 100 points)',
                    ['storage', 'points', *(label for label, _ in QUERIES.values()),
                     'requests'], [])
    loaded = Table('api-load', 'HTTP API under load (wrk, concurrent clients on loopback; '
                   '"—": no request completed within a run)',
                   ['storage', 'points', 'route', 'clients', 'seconds', 'requests/s',
                    'p50 ms', 'p99 ms', 'errors', 'runs'], [])
    for result in results:
        api = result['api']
        queries.rows.append([
            result['backend'], size(result['size']),
            *(_latencies(api['queries'].get(name)) for name in QUERIES),
            str(next(iter(api['queries'].values()))['requests'])])
        for name, (label, _) in LOADED.items():
            figures = api['load'][name]
            completed = figures['requests'] > 0
            loaded.rows.append([
                result['backend'], size(result['size']), label,
                str(figures['connections']), str(figures['duration_seconds']),
                number(figures['requests_per_second'], 1),
                number(figures['p50_ms'], 1) if completed else '—',
                number(figures['p99_ms'], 1) if completed else '—',
                number(figures['non_2xx_3xx'] + figures['socket_errors']),
                str(figures['runs'])])
    return [queries, loaded]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--points', type=int, default=500_000)
    parser.add_argument('--projects', type=int, default=100)
    parser.add_argument('--backends', default='sqlite',
                        help='Comma-separated: %s.' % ', '.join(BACKENDS))
    parser.add_argument('--repeat', type=int, default=HttpSettings.repeat,
                        help='Requests of each report query (p50/p95).')
    parser.add_argument('--connections', type=int, default=HttpSettings.connections)
    parser.add_argument('--threads', type=int, default=HttpSettings.threads,
                        help='wrk threads.')
    parser.add_argument('--duration', type=int, default=HttpSettings.duration,
                        help='Seconds of each wrk run.')
    parser.add_argument('--runs', type=int, default=HttpSettings.runs,
                        help='wrk runs of each route (medians).')
    parser.add_argument('--output', help='Write the results as JSON here.')
    args = parser.parse_args()
    if shutil.which('wrk') is None:
        print('tools.bench.api: wrk is not installed (apt-get install wrk)', file=sys.stderr)
        return 1
    settings = HttpSettings(args.repeat, args.connections, args.threads, args.duration,
                            args.runs)
    backends = args.backends.split(',')
    frames = build_month(args.points, args.projects)
    results = []
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix='ck-bench-api-'))
        influx = stack.enter_context(influx_server_for(backends))
        for backend in backends:
            print('api: %s, %s points...' % (backend, size(args.points)), file=sys.stderr)
            with fresh_store(backend, workdir, influx) as store:
                pushed = push_month(store.driver(), frames)
                refresh_statistics(store)
                results.append({'backend': backend, 'size': args.points,
                                'points': pushed['points'],
                                'push': pushed,
                                'api': measure(store, frames, settings, workdir)})
    for table in tables(results):
        table.print()
    if args.output:
        write_json(args.output, results)
    return 0


if __name__ == '__main__':
    sys.exit(main())

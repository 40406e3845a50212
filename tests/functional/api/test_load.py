"""Load: 50 concurrent clients for a minute against ``cloudkitty-api`` on PostgreSQL.

The API runs as an operator runs it: the ``cloudkitty-api`` console script
(its multi-threaded WSGI server and the ``api_paste.ini`` pipeline, noauth)
in its own process, on a PostgreSQL database holding about 100,000 rated
points of one month, loaded through the storage driver's push. The clients
ask for the month's summary grouped by project and by type, and for pages of
``/v2/dataframes``.

Every answer must be a 200 with the expected body (right totals, right page
sizes): zero errors. The figures (requests, req/s, p50/p95/p99 per route) are
printed and, when ``CLOUDKITTY_LOAD_REPORT`` names a file, written there as
JSON. Nothing is asserted about time: the machine is shared.
"""
from __future__ import annotations

import collections
import datetime
import decimal
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests

from cloudkitty import storage
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures import servers
from tests.fixtures.api import METRICS_FILE, PASTE_FILE, api_conf
from tests.fixtures.database import ThrowawayDatabase

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group('load')]

CLIENTS = 50
DURATION = float(os.environ.get('CLOUDKITTY_LOAD_SECONDS', 60))
REPORT_ENV = 'CLOUDKITTY_LOAD_REPORT'
#: January 2025, hourly periods: 744 periods x 34 projects x 4 types = 101,184 points.
MONTH = {'begin': '2025-01-01T00:00:00+00:00', 'end': '2025-02-01T00:00:00+00:00'}
MONTH_START = datetime.datetime(2025, 1, 1)
PERIODS = 31 * 24
PROJECTS = ['project-%02d' % index for index in range(34)]
TYPES = {'instance': decimal.Decimal('0.05'), 'volume.size': decimal.Decimal('0.002'),
         'image.size': decimal.Decimal('0.001'), 'ip.floating': decimal.Decimal('0.01')}
POINTS = PERIODS * len(PROJECTS) * len(TYPES)
PAGE = 100
STARTUP_TIMEOUT = 60
REQUEST_TIMEOUT = 120


def _frames() -> list[DataFrame]:
    """One point per project and type per hour; quantities vary with the project."""
    frames = []
    for hour in range(PERIODS):
        begin = MONTH_START + datetime.timedelta(hours=hour)
        frame = DataFrame(begin, begin + datetime.timedelta(hours=1))
        for metric_type, price in TYPES.items():
            frame.add_points([
                DataPoint.create('unit', index + 1, price * (index + 1),
                                 groupby={'project_id': project, 'id': '%s-%s' % (project,
                                                                                  metric_type),
                                          'user_id': 'user-%d' % (index % 5)},
                                 metadata={'flavor_name': 'm1.small'})
                for index, project in enumerate(PROJECTS)], metric_type)
        frames.append(frame)
    return frames


def _expected_rates() -> tuple[dict[str, float], dict[str, float]]:
    by_project = {project: float(sum(price * (index + 1) for price in TYPES.values()) * PERIODS)
                  for index, project in enumerate(PROJECTS)}
    by_type = {metric_type: float(sum(price * (index + 1) for index in range(len(PROJECTS)))
                                  * PERIODS)
               for metric_type, price in TYPES.items()}
    return by_project, by_type


def _write_config(path: str, db_url: str, port: int) -> None:
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write('[DEFAULT]\nauth_strategy = noauth\napi_paste_config = %s\n'
                     'use_stderr = true\n\n'
                     '[api]\nhost = 127.0.0.1\nport = %d\n\n'
                     '[database]\nconnection = %s\n\n'
                     '[storage]\nbackend = sqlalchemy\nversion = 2\n\n'
                     '[collect]\nmetrics_conf = %s\ncollector = prometheus\n'
                     % (PASTE_FILE, port, db_url, METRICS_FILE))


def _console_script() -> str:
    script = os.path.join(os.path.dirname(sys.executable), 'cloudkitty-api')
    if not os.path.exists(script):
        script = shutil.which('cloudkitty-api') or ''
    if not script:
        pytest.fail('the cloudkitty-api console script is not installed (pip install -e .)')
    return script


@pytest.fixture(scope='module')
def loaded_api(tmp_path_factory):
    """``cloudkitty-api`` serving a PostgreSQL database with ~100k rated points."""
    workdir = tmp_path_factory.mktemp('load')
    throwaway = ThrowawayDatabase('postgresql', str(workdir))
    db = Database(throwaway.url)
    try:
        migration.upgrade(db)
        started = time.process_time()
        storage.get_storage(api_conf(db), db).push(_frames())
        push_cpu = time.process_time() - started
        port = servers.free_port()
        config = str(workdir / 'cloudkitty.conf')
        _write_config(config, throwaway.url, port)
        with open(workdir / 'api.log', 'wb') as log:
            process = subprocess.Popen([_console_script(), '--config-file', config],
                                       stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not servers.port_open('127.0.0.1', port):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail('cloudkitty-api did not start:\n%s'
                                % (workdir / 'api.log').read_text(errors='replace')[-3000:])
                time.sleep(0.2)
            yield 'http://127.0.0.1:%d' % port, push_cpu
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        db.dispose()
        throwaway.drop()


class Checks:
    """What a well-formed answer of each route is."""

    def __init__(self):
        self.by_project, self.by_type = _expected_rates()

    def summary(self, body: dict, key: str, expected: dict[str, float]) -> None:
        assert body['format'] == 'table'
        assert body['total'] == len(expected)
        assert body['columns'] == ['begin', 'end', 'qty', 'rate', key]
        rates = {row[4]: row[3] for row in body['results']}
        assert rates == pytest.approx(expected)
        assert all(row[0] == MONTH['begin'] and row[1] == MONTH['end']
                   for row in body['results'])

    def dataframes(self, body: dict, offset: int) -> None:
        assert body['total'] == POINTS
        points = [point for frame in body['dataframes']
                  for points in frame['usage'].values() for point in points]
        assert len(points) == min(PAGE, POINTS - offset)
        assert all(point['groupby']['project_id'] in self.by_project for point in points)


def _client(url: str, index: int, stop: float, checks: Checks,
            latencies: dict[str, list[float]], errors: list[str],
            lock: threading.Lock) -> None:
    """One client: its own connection pool and seeded choices, until ``stop``."""
    chooser = random.Random(index)
    session = requests.Session()
    mine: dict[str, list[float]] = collections.defaultdict(list)
    while time.monotonic() < stop:
        route = chooser.choice(('summary by project', 'summary by type', 'dataframes page'))
        offset = 0
        if route == 'dataframes page':
            offset = chooser.randrange(0, POINTS // PAGE) * PAGE
            params = {**MONTH, 'limit': PAGE, 'offset': offset}
            path = '/v2/dataframes'
        else:
            params = {**MONTH, 'groupby': 'project_id' if 'project' in route else 'type'}
            path = '/v2/summary'
        began = time.perf_counter()
        try:
            response = session.get(url + path, params=params, timeout=REQUEST_TIMEOUT)
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, (response.status_code, response.text[:300])
            body = response.json()
            if route == 'dataframes page':
                checks.dataframes(body, offset)
            elif 'project' in route:
                checks.summary(body, 'project_id', checks.by_project)
            else:
                checks.summary(body, 'type', checks.by_type)
        except (AssertionError, ValueError, requests.RequestException) as error:
            with lock:
                errors.append('%s %s: %r' % (route, params, error))
            continue
        mine[route].append(elapsed)
    with lock:
        for route, values in mine.items():
            latencies[route].extend(values)


def _figures(latencies: dict[str, list[float]], errors: int, seconds: float,
             push_cpu: float) -> dict:
    def describe(values: list[float]) -> dict:
        cuts = statistics.quantiles(values, n=100, method='inclusive') if len(values) > 1 \
            else values * 99
        return {'requests': len(values), 'req_per_s': round(len(values) / seconds, 2),
                'p50_ms': round(cuts[49] * 1000, 1), 'p95_ms': round(cuts[94] * 1000, 1),
                'p99_ms': round(cuts[98] * 1000, 1)}

    every = [value for values in latencies.values() for value in values]
    return {'clients': CLIENTS, 'seconds': round(seconds, 1), 'points': POINTS,
            'errors': errors, 'push_cpu_s': round(push_cpu, 2),
            'loadavg': open('/proc/loadavg').read().split()[:3],
            'all': describe(every) if every else {},
            'routes': {route: describe(values) for route, values in sorted(latencies.items())}}


def test_fifty_clients_for_a_minute_get_only_well_formed_answers(loaded_api):
    url, push_cpu = loaded_api
    checks = Checks()
    # One request of each kind first: a broken setup fails here, not 10,000 times.
    warm = requests.get(url + '/v2/summary', params={**MONTH, 'groupby': 'type'},
                        timeout=REQUEST_TIMEOUT)
    assert warm.status_code == 200, warm.text
    checks.summary(warm.json(), 'type', checks.by_type)

    latencies: dict[str, list[float]] = collections.defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    began = time.monotonic()
    stop = began + DURATION
    threads = [threading.Thread(target=_client, args=(url, index, stop, checks, latencies,
                                                      errors, lock))
               for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = _figures(latencies, len(errors), time.monotonic() - began, push_cpu)

    print('\nload figures: %s' % json.dumps(figures, indent=2))
    if os.environ.get(REPORT_ENV):
        with open(os.environ[REPORT_ENV], 'w', encoding='utf-8') as stream:
            json.dump(figures, stream, indent=2)
    assert errors == [], '%d errors, first ones: %s' % (len(errors), errors[:5])
    assert figures['all']['requests'] > 0

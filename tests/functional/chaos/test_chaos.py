"""Chaos: three processors under fire still store every point once, at the right price.

Three real ``cloudkitty-processor`` processes, each from its own configuration
file, share 50 scopes through tooz (the real Redis, then a private etcd) and
rate a synthetic cloud read from a real Prometheus into a private PostgreSQL
cluster. Periods last two seconds, so the cloud is live: once every processor
is rating (a backlog first, then the clock), a driver SIGKILLs one of them
every few seconds, freezes one for longer than its lock lives and crashes
PostgreSQL; then, on Redis, it freezes Prometheus, and on etcd (the shorter
variant) it crashes etcd (see :mod:`.faults`).

Once every scope has caught up to the end of the data, the storage tables
are read directly: each (scope, period, metric type, resource) must be
stored exactly once, and every quantity, price and rollup total must equal,
as exact Decimals, those of one processor rating the same data without any
fault into another database.

The figures of each run (kills, outages, periods and points checked...) are
printed, and merged into the JSON file named by CLOUDKITTY_CHAOS_REPORT if set.
"""
from __future__ import annotations

import dataclasses
import datetime
import fcntl
import json
import os
import random
import time
import uuid
from typing import Any

import pytest

from cloudkitty.common import tz
from cloudkitty.db.engine import Database
from tests.fixtures import servers
from tests.fixtures.api import build_client
from tests.fixtures.collect import write_metrics
from tests.fixtures.database import empty_all_tables
from tests.fixtures.etcd import EtcdServer
from tests.fixtures.prometheus import backfilled_prometheus
from tests.functional.chaos import ledger
from tests.functional.chaos.databases import ChaosDatabases
from tests.functional.chaos.faults import ChaosDriver, Schedule, process_listening_on
from tests.functional.chaos.fleet import Fleet
from tests.functional.processor import e2e

pytestmark = pytest.mark.xdist_group('chaos')

REPORT_ENV = 'CLOUDKITTY_CHAOS_REPORT'
SCOPES = [e2e.scope_id(index) for index in range(50)]
RESOURCES = 3
"""Resources of each of the four metric types per scope."""
PROCESSORS = 3
PERIOD = 2
"""Seconds: the processors follow a live cloud."""
BACKLOG = 10
"""Periods already over when the data is written."""
SETUP_SECONDS = 10
"""Allowance between writing the data and the start of the faults."""
LOCK_TIMEOUT = 4
"""Seconds a killed processor's scope lock outlives it (tooz lock_timeout)."""
PROMETHEUS_TIMEOUT = 2
"""[collector_prometheus] timeout of the processors."""
#: The frozen processor's lock expires, and another processor has time to
#: take its scope over before it wakes up.
PROCESSOR_FREEZE = 2 * LOCK_TIMEOUT + 2
SCHEDULES = {
    # Prometheus stays frozen long enough for every request of the
    # processors to time out, some more than once.
    'redis': Schedule(kill_seconds=25, processor_freeze=PROCESSOR_FREEZE,
                      prometheus_outage=4 * PROMETHEUS_TIMEOUT, coordinator_outage=None),
    # Shorter: what depends on the coordinator, and etcd crashes instead.
    'etcd': Schedule(kill_seconds=15, processor_freeze=PROCESSOR_FREEZE,
                     prometheus_outage=None, coordinator_outage=4),
}
START_TIMEOUT = 90
CATCH_UP_TIMEOUT = 150


@dataclasses.dataclass(frozen=True)
class Window:
    """The periods that hold data: [start, end)."""

    start: datetime.datetime
    periods: int

    @classmethod
    def live(cls, schedule: Schedule) -> Window:
        """A backlog, then enough periods to last while processors are killed."""
        now = tz.to_epoch(tz.utcnow())
        start = tz.from_epoch(now - now % PERIOD - BACKLOG * PERIOD)
        return cls(start, BACKLOG + int(SETUP_SECONDS + schedule.kill_seconds) // PERIOD)

    @property
    def end(self) -> datetime.datetime:
        return self.start + datetime.timedelta(seconds=self.periods * PERIOD)

    @property
    def last(self) -> datetime.datetime:
        """Start of the last period with data: where every scope must get to."""
        return self.end - datetime.timedelta(seconds=PERIOD)


def settings(metrics_conf: str, coordination_url: str) -> dict[str, dict[str, Any]]:
    """The configuration shared by every processor and by the API that sets up."""
    sections = e2e.conf_overrides(metrics_conf, '', SCOPES, '')
    sections['collect'].update(period=PERIOD, wait_periods=1)
    sections['orchestrator'].update(coordination_url=coordination_url, max_workers=1,
                                    max_workers_reprocessing=0)
    sections['storage'] = {'backend': 'sqlalchemy', 'version': 2}
    return sections


def with_prometheus(sections: dict[str, dict[str, Any]], url: str) -> dict[str, dict[str, Any]]:
    return {**sections, 'collector_prometheus': {'prometheus_url': url,
                                                 'timeout': PROMETHEUS_TIMEOUT}}


def create_rules(db: Database, sections: dict[str, dict[str, Any]]) -> None:
    """An empty database with the price list, created through the API."""
    empty_all_tables(db)
    e2e.create_rules(build_client(db, **sections),
                     since=tz.utcnow() - datetime.timedelta(days=1))


def start_scopes(db: Database, sections: dict[str, dict[str, Any]], window: Window):
    """The scopes resume at the start of the window; the API client."""
    client = build_client(db, **sections)
    e2e.start_scopes(client, SCOPES, window.start - datetime.timedelta(seconds=PERIOD))
    return client


def coordination(backend: str, request) -> tuple[str, EtcdServer | None]:
    """The coordination URL, and the server if the test may crash it."""
    options = 'lock_timeout=%d' % LOCK_TIMEOUT
    if backend == 'redis':
        servers.require_port('Redis', '127.0.0.1', 6379)
        # A namespace of its own: the scope names are those of other tests.
        return '%s%snamespace=ck-chaos-%s&%s' % (
            servers.REDIS_URL, '&' if '?' in servers.REDIS_URL else '?', uuid.uuid4().hex,
            options), None
    etcd = request.getfixturevalue('etcd_server')
    return '%s?%s' % (etcd.coordination_url, options), etcd


def wait_until_caught_up(fleet: Fleet, db: Database, last: datetime.datetime) -> float:
    """Seconds until every scope has rated ``last``, restarting exited processors."""
    started = time.monotonic()
    while True:
        fleet.restart_exited()
        behind = sorted(scope for scope, state in ledger.last_processed(db).items()
                        if state is None or state < last)
        if not behind:
            fleet.note('every scope caught up')
            return time.monotonic() - started
        if time.monotonic() - started > CATCH_UP_TIMEOUT:
            pytest.fail('%d scopes not caught up to %s after %d s (%s...)\n%s' % (
                len(behind), last, CATCH_UP_TIMEOUT, behind[:5], fleet.log_tails()))
        time.sleep(0.5)


def cut_transactions(databases: ChaosDatabases) -> int:
    """Transactions PostgreSQL rolled back because their client vanished (its log)."""
    with open(databases.cluster.log_file, encoding='utf-8', errors='replace') as stream:
        return sum('connection with an open transaction' in line for line in stream)


def difference(actual: dict, expected: dict, examples: int = 5) -> dict[str, Any]:
    """A short account of how two mappings differ (empty when equal)."""
    missing = [key for key in expected if key not in actual]
    extra = [key for key in actual if key not in expected]
    changed = [(key, actual[key], expected[key]) for key in expected
               if key in actual and actual[key] != expected[key]]
    found = {'missing': missing, 'extra': extra, 'changed': changed}
    return {name: (len(items), items[:examples]) for name, items in found.items() if items}


def record(backend: str, figures: dict[str, Any]) -> None:
    """Print the figures, and merge them into the JSON file named by the env var."""
    print('chaos figures (%s): %s' % (backend, json.dumps(figures, sort_keys=True)))
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    with open(path, 'a+', encoding='utf-8') as stream:
        # Variants on two xdist workers may finish together.
        fcntl.flock(stream, fcntl.LOCK_EX)
        stream.seek(0)
        text = stream.read()
        report = json.loads(text) if text.strip() else {}
        report[backend] = figures
        stream.seek(0)
        stream.truncate()
        json.dump(report, stream, indent=2, sort_keys=True)


@pytest.mark.parametrize('backend', ['redis', 'etcd'])
def test_processors_under_fire_store_every_point_once_at_the_clean_price(
        backend, chaos_databases, request, tmp_path):
    started = time.monotonic()
    url, coordinator = coordination(backend, request)
    seed = random.randrange(2 ** 32)
    cut_before = cut_transactions(chaos_databases)
    sections = settings(write_metrics(tmp_path, {'metrics': e2e.METRICS}), url)
    create_rules(chaos_databases.chaos, sections)
    # The data is written last, so that the live part of it is still ahead.
    schedule = SCHEDULES[backend]
    window = Window.live(schedule)
    (tmp_path / 'prometheus').mkdir()
    cloud = e2e.generate(len(SCOPES), RESOURCES, window.periods)
    with backfilled_prometheus(e2e.to_series(cloud, window.start, PERIOD),
                               str(tmp_path / 'prometheus')) as prometheus_url:
        sections = with_prometheus(sections, prometheus_url)
        start_scopes(chaos_databases.chaos, sections, window)
        fleet = Fleet(str(tmp_path), PROCESSORS, {
            **sections, 'database': {'connection': chaos_databases.cluster.url}})
        driver = ChaosDriver(fleet, chaos_databases.cluster,
                             process_listening_on(prometheus_url), schedule, seed,
                             coordinator)
        try:
            fleet.start_all()
            fleet.wait_until_rating(START_TIMEOUT)
            setup_seconds = time.monotonic() - started
            driver.start()
            driver.join()
            chaos_seconds = time.monotonic() - started - setup_seconds
            catch_up_seconds = wait_until_caught_up(fleet, chaos_databases.chaos, window.last)
        finally:
            exit_codes = fleet.stop_all()

        # The reference: one processor, no fault, the same data, its own database.
        clean_started = time.monotonic()
        reference = dict(sections, orchestrator=dict(
            sections['orchestrator'], coordination_url='file://%s' % (tmp_path / 'locks')))
        create_rules(chaos_databases.clean, reference)
        client = start_scopes(chaos_databases.clean, reference, window)
        rated = e2e.run_until_caught_up(
            client.conf, clock=lambda: window.end + datetime.timedelta(seconds=1))
        clean_seconds = time.monotonic() - clean_started

    clean = ledger.read(chaos_databases.clean)
    chaos = ledger.read(chaos_databases.chaos)
    figures = {
        'coordination': backend, 'seed': seed, 'processors': PROCESSORS,
        'scopes': len(SCOPES), 'period_seconds': PERIOD,
        'kills_sent': fleet.figures.node_kills + fleet.figures.worker_kills,
        'node_kills': fleet.figures.node_kills, 'worker_kills': fleet.figures.worker_kills,
        'kills_of_writers': driver.kills_of_writers,
        'processor_starts': fleet.figures.starts,
        'processor_self_exits': fleet.figures.self_exits,
        'processor_freeze_seconds': round(driver.outage_seconds('processor freeze'), 1),
        'postgres_restarts': int(driver.outages['postgres'].done),
        'postgres_outage_seconds': round(driver.outage_seconds('postgres'), 1),
        'prometheus_outage_seconds': round(driver.outage_seconds('prometheus'), 1),
        'coordinator_outage_seconds': round(driver.outage_seconds('coordinator'), 1),
        'transactions_cut': cut_transactions(chaos_databases) - cut_before,
        'second_writers_refused': fleet.count_in_logs('another worker processed'),
        'periods_checked': len(SCOPES) * window.periods,
        'points_checked': len(clean.points),
        'setup_seconds': round(setup_seconds, 1),
        'chaos_seconds': round(chaos_seconds, 1),
        'catch_up_seconds': round(catch_up_seconds, 1),
        'clean_run_seconds': round(clean_seconds, 1),
        'exit_codes_on_sigterm': exit_codes,
        'wall_seconds': round(time.monotonic() - started, 1),
        'load_average_1m': round(os.getloadavg()[0], 2),
    }
    record(backend, figures)

    # The faults did happen (kills: usually 5 to 12).
    assert figures['kills_sent'] > 0
    assert figures['processor_freeze_seconds'] >= schedule.processor_freeze
    assert figures['postgres_restarts'] == 1
    assert figures['prometheus_outage_seconds'] >= (schedule.prometheus_outage or 0)
    assert figures['coordinator_outage_seconds'] >= (schedule.coordinator_outage or 0)
    # The reference is complete: every scope rated every period, with prices.
    assert rated == len(SCOPES) * window.periods
    assert not clean.duplicates()
    assert sum(price for _, price in clean.unique_points().values()) > 0
    # Under fire: nothing stored twice, nothing lost, nothing different.
    duplicates = chaos.duplicates()
    assert not duplicates, '%d points stored more than once, e.g. %s' % (
        len(duplicates), sorted(duplicates.items())[:5])
    assert difference(chaos.unique_points(), clean.unique_points()) == {}
    assert difference(chaos.rollups, clean.rollups) == {}
    assert difference(chaos.point_totals(), chaos.rollups) == {}

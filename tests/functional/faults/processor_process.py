"""A real ``cloudkitty-processor`` process rating usage files, for the fault tests.

One scope (``SCOPE``) with one instance whose usage file holds one sample per
period; the value of each sample is the period's index + 1, so what storage holds
tells which period was rated how many times.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from cloudkitty.common import tz
from cloudkitty.db import migration, scope_state
from cloudkitty.db.engine import Database
from cloudkitty.storage.v2.sqlalchemy.models import rated_points

SCOPE = 'fault-scope'
#: Usage written ahead, far more periods than a test lasts.
USAGE_PERIODS = 600
COLLECTOR, FETCHER, SCOPE_KEY = 'file', 'source', 'project_id'
METRICS_YML = """
metrics:
  instance:
    unit: instance
    groupby: [id, project_id]
    metadata: []
"""


def scope_key() -> scope_state.ScopeKey:
    return scope_state.ScopeKey(SCOPE, SCOPE_KEY, COLLECTOR, FETCHER)


def write_usage(path: Path, first: datetime.datetime, period: int, periods: int) -> None:
    """One sample in the middle of each of ``periods`` periods from ``first``."""
    with open(path, 'w', encoding='utf-8') as usage:
        for index in range(periods):
            moment = first + datetime.timedelta(seconds=period * index + period / 2)
            usage.write(json.dumps({
                'metric': 'instance', 'value': index + 1, 'time': moment.isoformat(),
                'labels': {'project_id': SCOPE, 'id': 'vm-1'}}) + '\n')


def write_config(directory: Path, db_url: str, period: int, wait_periods: int,
                 **sections: dict) -> Path:
    """A processor configuration (one rating worker) in ``directory``."""
    (directory / 'metrics.yml').write_text(METRICS_YML)
    values: dict[str, dict] = {
        'DEFAULT': {},
        'database': {'connection': db_url},
        'collect': {'collector': COLLECTOR, 'metrics_conf': directory / 'metrics.yml',
                    'period': period, 'wait_periods': wait_periods},
        'collector_file': {'path': directory / 'usage.jsonl'},
        'fetcher': {'backend': FETCHER},
        'fetcher_source': {'sources': SCOPE},
        'storage': {'backend': 'sqlalchemy', 'version': 2},
        'orchestrator': {'coordination_url': 'file://%s' % (directory / 'locks'),
                         'max_workers': 1, 'max_workers_reprocessing': 0},
    }
    for section, options in sections.items():
        values.setdefault(section, {}).update(options)
    path = directory / 'cloudkitty.conf'
    path.write_text(''.join(
        '[%s]\n%s\n' % (section, ''.join('%s = %s\n' % item for item in options.items()))
        for section, options in values.items()))
    return path


def start_scope(db: Database, last_processed: datetime.datetime) -> None:
    """Rating of SCOPE resumes after ``last_processed`` (not from the month start)."""
    with db.session() as session:
        scope_state.create_state(session, scope_key(), last_processed)


def last_processed(db: Database) -> datetime.datetime | None:
    with db.session() as session:
        state = scope_state.get_state(session, scope_key())
        return state.last_processed_timestamp if state else None


def stored_periods(db: Database) -> list[tuple[datetime.datetime, int]]:
    """(period start, sample value) of every stored point of SCOPE, in order."""
    with db.session() as session:
        rows = session.execute(sa.select(rated_points.c.begin, rated_points.c.qty).where(
            rated_points.c.scope == SCOPE).order_by(rated_points.c.begin))
        return [(tz.to_naive_utc(begin), int(qty)) for begin, qty in rows]


class ProcessorProcess:
    """``cloudkitty-processor --config-file CONFIG``, output in ``log``."""

    def __init__(self, config: Path, log: Path):
        self.log = log
        with open(log, 'wb') as output:
            self.process = subprocess.Popen(
                [os.path.join(os.path.dirname(sys.executable), 'cloudkitty-processor'),
                 '--config-file', str(config)], stdout=output, stderr=subprocess.STDOUT)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors='replace')

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
        """Poll ``condition`` while the process runs; fail with the log otherwise."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.alive, 'the processor exited while waiting for %s:\n%s' % (
                what, self.log_text()[-5000:])
            assert time.monotonic() < deadline, 'no %s within %d s:\n%s' % (
                what, timeout, self.log_text()[-5000:])
            time.sleep(0.2)

    def stop(self) -> int:
        """SIGTERM, then the exit status (killed after 30 s)."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def period_floor(moment: datetime.datetime, period: int) -> datetime.datetime:
    """The start of the ``period``-second period holding ``moment``."""
    seconds = int(tz.to_epoch(moment))
    return tz.from_epoch(seconds - seconds % period)


@dataclasses.dataclass
class RatingRun:
    """A processor rating SCOPE into ``db`` from the period ``first`` on."""

    db: Database
    process: ProcessorProcess
    first: datetime.datetime
    step: datetime.timedelta

    def current_period(self) -> datetime.datetime:
        return period_floor(tz.utcnow(), int(self.step.total_seconds()))

    def assert_every_period_stored_once(self) -> None:
        """Each period from the first to the last one rated holds its own sample, once."""
        rated = (last_processed(self.db) - self.first) // self.step
        assert stored_periods(self.db) == [
            (self.first + k * self.step, k + 1) for k in range(1, rated + 1)]


@contextlib.contextmanager
def rating(db_url: str, directory: Path, period: int) -> Iterator[RatingRun]:
    """A processor rating one period at a time from just before now; stopped after.

    The processor must exit cleanly (status 0) when the block ends.
    """
    db = Database(db_url, max_retries=1)
    migration.upgrade(db)
    step = datetime.timedelta(seconds=period)
    first = period_floor(tz.utcnow(), period) - step
    write_usage(directory / 'usage.jsonl', first, period, USAGE_PERIODS)
    start_scope(db, first)
    config = write_config(directory, db_url, period, wait_periods=1)
    process = ProcessorProcess(config, directory / 'processor.log')
    try:
        yield RatingRun(db, process, first, step)
    finally:
        status = process.stop()
        db.dispose()
    assert status == 0, process.log_text()[-5000:]

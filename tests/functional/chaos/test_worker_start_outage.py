"""A rating worker that starts while the database is down waits for it, then rates.

cotyledon starts a new worker whenever one dies (here: SIGKILL, as the OOM
killer would). If the database is down at that moment, the new worker must
not die in turn, which would have cotyledon respawn it in a loop: it says
why it waits, keeps trying, and rates as soon as the database is back,
storing every period once.
"""
from __future__ import annotations

import datetime

import psutil

from cloudkitty.common import tz
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.faults import processor_process as processor

PERIOD = 2
STEP = datetime.timedelta(seconds=PERIOD)
PERIODS = 600
"""Usage written ahead, far more than the test lasts."""
WAITING_LINE = 'cannot start, trying again'


def _period_floor(moment: datetime.datetime) -> datetime.datetime:
    seconds = int(tz.to_epoch(moment))
    return tz.from_epoch(seconds - seconds % PERIOD)


def _workers(running: processor.ProcessorProcess) -> list[int]:
    return [child.pid for child in psutil.Process(running.process.pid).children()]


def test_a_worker_started_during_a_database_outage_waits_for_the_database(
        private_postgres: PrivatePostgres, tmp_path):
    db = Database(private_postgres.url, max_retries=1)
    migration.upgrade(db)
    first = _period_floor(tz.utcnow()) - STEP
    processor.write_usage(tmp_path / 'usage.jsonl', first, PERIOD, PERIODS)
    processor.start_scope(db, first)
    config = processor.write_config(tmp_path, private_postgres.url, PERIOD, wait_periods=1)
    running = processor.ProcessorProcess(config, tmp_path / 'processor.log')
    try:
        running.wait_for(lambda: processor.last_processed(db) >= first + STEP,
                         'rating before the outage')
        private_postgres.stop()
        for worker in _workers(running):
            psutil.Process(worker).kill()
        running.wait_for(lambda: WAITING_LINE in running.log_text(),
                         'the new worker waiting for the database', timeout=30)
        waiting = _workers(running)
        private_postgres.start()
        back = _period_floor(tz.utcnow())
        running.wait_for(lambda: processor.last_processed(db) >= back + STEP,
                         'rating after the outage')
        # The worker that waited is the one rating: it was not respawned.
        assert _workers(running) == waiting
    finally:
        status = running.stop()
    assert status == 0, running.log_text()[-5000:]
    assert 'Unhandled exception' not in running.log_text()

    rated = (processor.last_processed(db) - first) // STEP
    assert processor.stored_periods(db) == [
        (first + k * STEP, k + 1) for k in range(1, rated + 1)]
    db.dispose()

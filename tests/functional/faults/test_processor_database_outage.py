"""The database goes away under a running ``cloudkitty-processor``, then comes back.

The processor rates two-second periods of a usage file on a private
PostgreSQL cluster. While the cluster is stopped the processor keeps running
and says why it cannot rate; once the cluster is back it resumes by itself,
and in the end every period from the first to the last one rated is stored
exactly once, with its own sample: nothing lost, nothing doubled.
"""
from __future__ import annotations

import datetime

from cloudkitty.common import tz
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.faults import processor_process as processor

PERIOD = 2
STEP = datetime.timedelta(seconds=PERIOD)
#: Usage written ahead, far more than the test lasts.
PERIODS = 600
OUTAGE_LINE = 'The database is unavailable'


def _period_floor(moment: datetime.datetime) -> datetime.datetime:
    seconds = int(tz.to_epoch(moment))
    return tz.from_epoch(seconds - seconds % PERIOD)


def _passes_reporting_the_outage(log: str) -> int:
    """Distinct seconds with a log line about the outage (passes are PERIOD apart)."""
    return len({line[:19] for line in log.splitlines() if OUTAGE_LINE in line})


def test_the_processor_rides_out_a_database_outage(private_postgres: PrivatePostgres,
                                                    tmp_path):
    db = Database(private_postgres.url, max_retries=1)
    migration.upgrade(db)
    first = _period_floor(tz.utcnow()) - STEP
    processor.write_usage(tmp_path / 'usage.jsonl', first, PERIOD, PERIODS)
    processor.start_scope(db, first)
    config = processor.write_config(tmp_path, private_postgres.url, PERIOD, wait_periods=1)
    running = processor.ProcessorProcess(config, tmp_path / 'processor.log')
    try:
        running.wait_for(lambda: processor.last_processed(db) >= first + 2 * STEP,
                         'rating before the outage')

        private_postgres.stop()
        # Two failed passes at least: the process lives through them.
        running.wait_for(lambda: _passes_reporting_the_outage(running.log_text()) >= 2,
                         'two passes reporting the outage')
        private_postgres.start()
        back = _period_floor(tz.utcnow())
        running.wait_for(lambda: processor.last_processed(db) >= back + STEP,
                         'rating after the outage')
    finally:
        status = running.stop()
    assert status == 0, running.log_text()[-5000:]

    last = processor.last_processed(db)
    rated = (last - first) // STEP
    # Period k after ``first`` holds sample k + 1 (see write_usage), once.
    assert processor.stored_periods(db) == [
        (first + k * STEP, k + 1) for k in range(1, rated + 1)]
    db.dispose()

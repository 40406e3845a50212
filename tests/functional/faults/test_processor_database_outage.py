"""The database goes away under a running ``cloudkitty-processor``, then comes back.

The processor rates two-second periods of a usage file on a private
PostgreSQL cluster. While the cluster is stopped the processor keeps running
and says why it cannot rate; once the cluster is back it resumes by itself,
and in the end every period from the first to the last one rated is stored
exactly once, with its own sample: nothing lost, nothing doubled.
"""
from __future__ import annotations

from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.faults import processor_process as processor

PERIOD = 2
OUTAGE_LINE = 'The database is unavailable'


def _passes_reporting_the_outage(log: str) -> int:
    """Distinct seconds with a log line about the outage (passes are PERIOD apart)."""
    return len({line[:19] for line in log.splitlines() if OUTAGE_LINE in line})


def test_the_processor_rides_out_a_database_outage(private_postgres: PrivatePostgres,
                                                    tmp_path):
    with processor.rating(private_postgres.url, tmp_path, PERIOD) as run:
        running = run.process
        running.wait_for(lambda: processor.last_processed(run.db) >= run.first + 2 * run.step,
                         'rating before the outage')
        private_postgres.stop()
        # Two failed passes at least: the process lives through them.
        running.wait_for(lambda: _passes_reporting_the_outage(running.log_text()) >= 2,
                         'two passes reporting the outage')
        private_postgres.start()
        back = run.current_period()
        running.wait_for(lambda: processor.last_processed(run.db) >= back + run.step,
                         'rating after the outage')
    run.assert_every_period_stored_once()

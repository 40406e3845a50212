"""A rating worker that starts while the database is down waits for it, then rates.

cotyledon starts a new worker whenever one dies (here: SIGKILL, as the OOM
killer would). If the database is down at that moment, the new worker must
not die in turn, which would have cotyledon respawn it in a loop: it says
why it waits, keeps trying, and rates as soon as the database is back,
storing every period once.
"""
from __future__ import annotations

import psutil

from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.faults import processor_process as processor

PERIOD = 2
WAITING_LINE = 'cannot start, trying again'


def _workers(running: processor.ProcessorProcess) -> list[int]:
    return [child.pid for child in psutil.Process(running.process.pid).children()]


def test_a_worker_started_during_a_database_outage_waits_for_the_database(
        private_postgres: PrivatePostgres, tmp_path):
    with processor.rating(private_postgres.url, tmp_path, PERIOD) as run:
        running = run.process
        running.wait_for(lambda: processor.last_processed(run.db) >= run.first + run.step,
                         'rating before the outage')
        private_postgres.stop()
        for worker in _workers(running):
            psutil.Process(worker).kill()
        running.wait_for(lambda: WAITING_LINE in running.log_text(),
                         'the new worker waiting for the database', timeout=30)
        waiting = _workers(running)
        private_postgres.start()
        back = run.current_period()
        running.wait_for(lambda: processor.last_processed(run.db) >= back + run.step,
                         'rating after the outage')
        # The worker that waited is the one rating: it was not respawned.
        assert _workers(running) == waiting
    assert 'Unhandled exception' not in running.log_text()
    run.assert_every_period_stored_once()

"""kill -9 processors at random moments: every period still ends up stored once."""
import os
import random
import signal
import time
import uuid

from tests.functional.coordination import processes

KILLS = 24
SCOPES = 40


def test_killed_processors_never_store_a_period_twice_or_lose_one(postgresql_db,
                                                                 tmp_path):
    db_url = postgresql_db.engine.url.render_as_string(hide_password=False)
    locks = 'file://%s' % (tmp_path / 'locks')
    scope_ids = ['%s-%02d' % (uuid.uuid4().hex[:8], index) for index in range(SCOPES)]
    rated = processes.counter()
    killed_mid_work = 0
    for _ in range(KILLS):
        victim = processes.start(db_url, locks, scope_ids, rated, delay=0.02)
        time.sleep(random.uniform(0.02, 0.3))
        if victim.is_alive():
            killed_mid_work += 1
            os.kill(victim.pid, signal.SIGKILL)
        victim.join()
    # The killed workers got part of the way (each period takes >= 20 ms, so
    # they cannot have done it all); a last one finishes the work.
    progress = len(processes.stored_rows(postgresql_db, scope_ids))
    assert 0 < progress < SCOPES * processes.PERIODS
    finisher = processes.start(db_url, locks, scope_ids, rated)
    finisher.join(60)
    assert finisher.exitcode == 0
    assert killed_mid_work == KILLS
    assert processes.stored_rows(postgresql_db, scope_ids) == processes.expected_rows(
        scope_ids)

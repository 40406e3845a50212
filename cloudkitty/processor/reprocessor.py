"""Re-rating of already processed periods on request (§5.5).

A schedule covers [start, end] inclusive. The first step deletes what is
stored for the whole window, [start, end + period): upstream deletes only
[start, end) and so stores the last period twice; every step then rates one period like the regular
loop, but records progress in the schedule's ``current_reprocess_time``
instead of the scope state, which stays untouched.
"""
from __future__ import annotations

import datetime
import functools
import random
import threading

from oslo_log import log as logging

from cloudkitty import coordination
from cloudkitty.common import exception
from cloudkitty.db import reprocessing
from cloudkitty.db.engine import Database
from cloudkitty.processor.worker import ScopeWorker

LOG = logging.getLogger(__name__)


def advance_schedule(db: Database, schedule_id: int, start: datetime.datetime,
                     expected_previous: datetime.datetime | None, session) -> None:
    """The ``advance`` callback of a reprocessed period."""
    if session is not None:
        reprocessing.set_current_time(session, schedule_id, start, expected_previous)
        return
    with db.session() as own_session:
        reprocessing.set_current_time(own_session, schedule_id, start,
                                      expected_previous)


class Reprocessor:
    """The main loop body of a reprocessing worker process."""

    def __init__(self, conf, db: Database, storage, worker: ScopeWorker,
                 coordinator: coordination.Coordinator,
                 stop_event: threading.Event | None = None):
        self.conf = conf
        self.db = db
        self.storage = storage
        self.worker = worker
        self.coordinator = coordinator
        self.stop_event = stop_event or threading.Event()
        self.period = datetime.timedelta(seconds=conf.collect.period)
        #: Whether a schedule failed in the last pass (see the processor service).
        self.last_pass_failed = False

    def run_pass(self) -> int:
        """Work on every unfinished schedule this worker can lock; periods rated."""
        with self.db.session() as session:
            schedule_ids = [row.id for row in reprocessing.list_unfinished(session)]
        random.shuffle(schedule_ids)
        rated, self.last_pass_failed = 0, False
        for schedule_id in schedule_ids:
            if self.stop_event.is_set():
                break
            try:
                rated += self.process_schedule(schedule_id)
            except Exception:
                LOG.exception('Reprocessing schedule %s failed; it is retried on the '
                              'next pass', schedule_id)
                self.last_pass_failed = True
        return rated

    def process_schedule(self, schedule_id: int) -> int:
        """Re-rate the remaining periods of one schedule under its lock."""
        with self.db.session() as session:
            schedule = reprocessing.get_schedule(session, schedule_id)
        if schedule is None:
            return 0
        scope_id = schedule.identifier
        start, end = schedule.start_reprocess_time, schedule.end_reprocess_time
        rated = 0
        with self.coordinator.lock(
                coordination.reprocessing_lock_name(scope_id, start, end)) as locked:
            if not locked:
                return 0
            # Read under the lock: another worker may have moved it meanwhile.
            with self.db.session() as session:
                current = reprocessing.get_schedule(
                    session, schedule_id).current_reprocess_time
                scope_key = reprocessing.scope_key_of(session, scope_id)
            if scope_key is None:
                raise exception.ScopeNotFound(
                    'Scope %s of reprocessing schedule %s no longer exists'
                    % (scope_id, schedule_id))
            try:
                while not self.stop_event.is_set():
                    timestamp = start if current is None else current + self.period
                    if timestamp > end:
                        break
                    if timestamp == start:
                        LOG.info('Reprocessing scope %s for [%s, %s]: %s', scope_id, start,
                                 end, schedule.reason)
                        self.storage.delete(start, end + self.period, {scope_key: scope_id})
                    # Every period up to the end was rated once, so it is complete.
                    self.worker.prefetch(scope_id, timestamp, functools.partial(
                        self._periods_left, timestamp, end))
                    self.worker.process_period(
                        scope_id, timestamp,
                        functools.partial(advance_schedule, self.db, schedule_id, timestamp,
                                          current))
                    current = timestamp
                    rated += 1
            finally:
                self.worker.discard_prefetched(scope_id)
        return rated

    def _periods_left(self, timestamp: datetime.datetime, end: datetime.datetime) -> int:
        """Periods from ``timestamp`` to ``end`` included."""
        return (end - timestamp) // self.period + 1

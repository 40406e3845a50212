"""Which scope and which period is rated next (§5.2, §5.3).

One pass: list the scopes, shuffle them (so workers spread out), and for
each scope whose lock this worker gets, rate every period that is ready.
Exactly-once comes from two layers: the tooz lock keeps workers off the same
scope, and the compare-and-set state advance, committed with the stored
period, rejects the rare second writer (e.g. after a lock expired).
"""
from __future__ import annotations

import datetime
import functools
import random
import threading
from collections.abc import Callable

from oslo_log import log as logging

from cloudkitty import coordination
from cloudkitty.common import exception, tz
from cloudkitty.db import scope_state
from cloudkitty.db.engine import Database
from cloudkitty.processor.worker import PREFETCH_MAX_PERIODS, ScopeWorker

LOG = logging.getLogger(__name__)


def next_period_start(last_processed: datetime.datetime | None,
                      now: datetime.datetime, period: int,
                      wait_periods: int) -> datetime.datetime | None:
    """Start of the next period to rate, or None if it is not ready yet (§5.3).

    A scope never processed starts at the beginning of the current month, at
    once; otherwise the period after the last one is ready when
    ``wait_periods`` further periods have gone by.
    """
    if last_processed is None:
        return tz.month_start(now)
    step = datetime.timedelta(seconds=period)
    candidate = last_processed + step
    if candidate + wait_periods * step < now:
        return candidate
    return None


def count_ready(first_start: datetime.datetime, now: datetime.datetime, period: int,
                wait_periods: int, limit: int) -> int:
    """How many consecutive periods from the ready ``first_start`` are ready (≤ limit)."""
    ready, start = 1, first_start
    while ready < limit:
        start = next_period_start(start, now, period, wait_periods)
        if start is None:
            break
        ready += 1
    return ready


def advance_state(db: Database, scope: scope_state.ScopeKey,
                  start: datetime.datetime,
                  expected_previous: datetime.datetime | None, session) -> None:
    """The ``advance`` callback of a regular period: compare-and-set the state."""
    if session is not None:
        scope_state.advance(session, scope, start, expected_previous)
        return
    with db.session() as own_session:
        scope_state.advance(own_session, scope, start, expected_previous)


class Orchestrator:
    """The main loop body of a processor worker process."""

    def __init__(self, conf, db: Database, fetcher, worker: ScopeWorker,
                 coordinator: coordination.Coordinator,
                 stop_event: threading.Event | None = None,
                 clock: Callable[[], datetime.datetime] = tz.utcnow):
        self.conf = conf
        self.db = db
        self.fetcher = fetcher
        self.worker = worker
        self.coordinator = coordinator
        self.stop_event = stop_event or threading.Event()
        self.clock = clock
        #: Whether the last pass left a scope unrated by an error (not a lock
        #: held elsewhere): the service then tries again well before the next period.
        self.last_pass_failed = False

    def run_pass(self) -> int:
        """Rate every ready period of every scope this worker can lock.

        Returns the number of periods rated. A failing scope is logged and
        retried on the next pass; the other scopes go on.
        """
        self.last_pass_failed = True
        try:
            scope_ids = list(self.fetcher.get_tenants())
        except Exception:
            LOG.exception('Cannot list the scopes to rate; retrying on the next pass')
            return 0
        random.shuffle(scope_ids)
        rated, failed = 0, False
        for scope_id in scope_ids:
            if self.stop_event.is_set():
                break
            try:
                rated += self.process_scope(scope_id)
            except scope_state.StateConflict as conflict:
                # Someone else (another worker, a scope POST/PATCH) moved the
                # state meanwhile: the period was rolled back, nothing is lost.
                LOG.warning('Scope %s: %s', scope_id, conflict)
            except exception.DatabaseUnavailable as error:
                # Every other scope would fail the same way: end the pass.
                LOG.warning('%s; rating resumes on the next pass', error.message)
                return rated
            except Exception:
                LOG.exception('Rating scope %s failed; it is retried on the next pass',
                              scope_id)
                failed = True
        self.last_pass_failed = failed
        return rated

    def process_scope(self, scope_id: str) -> int:
        """Rate the ready periods of one scope under its lock; periods rated."""
        scope = scope_state.ScopeKey.from_conf(self.conf, scope_id)
        lock_name = coordination.scope_lock_name(scope_id, scope.collector,
                                                 scope.fetcher, scope.scope_key)
        rated = 0
        with self.coordinator.lock(lock_name) as locked:
            if not locked:
                LOG.debug('Scope %s is locked by another worker, skipping it', scope_id)
                return 0
            with self.db.session() as session:
                state = scope_state.get_state(session, scope)
                if state is not None and not state.active:
                    LOG.debug('Scope %s is deactivated, skipping it', scope_id)
                    return 0
                last = state.last_processed_timestamp if state else None
            # Under the lock only this worker moves the state, so it is read
            # once; a deactivation meanwhile makes the next advance fail.
            try:
                while not self.stop_event.is_set():
                    now = self.clock()
                    start = next_period_start(last, now, self.conf.collect.period,
                                              self.conf.collect.wait_periods)
                    if start is None:
                        break
                    self.worker.prefetch(scope_id, start, functools.partial(
                        count_ready, start, now, self.conf.collect.period,
                        self.conf.collect.wait_periods, PREFETCH_MAX_PERIODS))
                    self.worker.process_period(
                        scope_id, start,
                        functools.partial(advance_state, self.db, scope, start, last))
                    last = start
                    rated += 1
            finally:
                self.worker.discard_prefetched(scope_id)
        return rated

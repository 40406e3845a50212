"""Processor worker processes for multi-process tests.

Each child runs the real orchestrator, worker, SQL storage and tooz locks;
only the collector, fetcher and pipeline are the in-test doubles, and the
clock is frozen so that every scope has a known backlog of periods.
"""
from __future__ import annotations

import datetime
import multiprocessing
import os
import time

import sqlalchemy as sa

from cloudkitty import coordination
from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.processor.worker import ScopeWorker, SkipFilter
from cloudkitty.storage.v2.sqlalchemy.models import rated_points
from cloudkitty.storage.v2.sqlalchemy.storage import SQLAlchemyStorage
from tests.unit.processor import doubles

MONTH = datetime.datetime(2026, 3, 1)
HOUR = datetime.timedelta(hours=1)
PERIODS = 8
#: With wait_periods=2, periods 00:00 .. 07:00 are ready.
NOW = MONTH + (PERIODS + 1) * HOUR + datetime.timedelta(seconds=1)
LAST = MONTH + (PERIODS - 1) * HOUR
METRICS = 2

FORK = multiprocessing.get_context('fork')


def _finished(db: Database, scope_ids: list[str]) -> bool:
    with db.session() as session:
        done = session.scalar(sa.select(sa.func.count()).select_from(ScopeState).where(
            ScopeState.identifier.in_(scope_ids),
            ScopeState.last_processed_timestamp == LAST))
    return done == len(scope_ids)


def run_processor(db_url: str, coordination_url: str, scope_ids: list[str],
                  rated_counter, delay: float = 0.002, time_limit: float = 45.0) -> None:
    """Child body: rate passes until every scope reached LAST, then exit."""
    code = 1
    try:
        conf = doubles.make_conf(database__connection=db_url)
        db = Database(db_url)
        collector = doubles.Collector(delay=delay)
        worker = ScopeWorker(conf, collector, doubles.Pipeline(),
                             SQLAlchemyStorage(conf, db),
                             SkipFilter.from_collector(conf, collector))
        coordinator = coordination.Coordinator(coordination_url)
        orchestrator = Orchestrator(conf, db, doubles.Fetcher(scope_ids), worker,
                                    coordinator, clock=lambda: NOW)
        deadline = time.monotonic() + time_limit
        while time.monotonic() < deadline:
            rated = orchestrator.run_pass()
            with rated_counter.get_lock():
                rated_counter.value += rated
            if _finished(db, scope_ids):
                code = 0
                break
            time.sleep(0.01)
        coordinator.stop()
    finally:
        # Skip the parent's atexit handlers and fixtures inherited by fork.
        os._exit(code)


def start(db_url: str, coordination_url: str, scope_ids: list[str], rated_counter,
          **kwargs) -> multiprocessing.Process:
    process = FORK.Process(target=run_processor,
                           args=(db_url, coordination_url, scope_ids, rated_counter),
                           kwargs=kwargs)
    process.start()
    return process


def counter():
    return FORK.Value('i', 0)


def stored_rows(db: Database, scope_ids: list[str]) -> dict[tuple[str, datetime.datetime], int]:
    """(scope, period start) -> stored point count."""
    query = (sa.select(rated_points.c.scope, rated_points.c.begin, sa.func.count())
             .where(rated_points.c.scope.in_(scope_ids))
             .group_by(rated_points.c.scope, rated_points.c.begin))
    with db.session() as session:
        return {(scope, begin): count for scope, begin, count in session.execute(query)}


def expected_rows(scope_ids: list[str]) -> dict[tuple[str, datetime.datetime], int]:
    return {(scope_id, MONTH + index * HOUR): METRICS
            for scope_id in scope_ids for index in range(PERIODS)}

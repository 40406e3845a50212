"""The faults of a chaos run, injected on a schedule by one driver thread.

The driver (see :class:`Schedule` for how long each fault lasts):

* SIGKILLs a processor every few seconds (mostly the whole processor,
  sometimes only its rating worker) and brings it back. The victim is, when
  there is one, a processor caught storing a period (see :class:`Writers`),
  so that kills land in the middle of a transaction;
* freezes one processor caught storing a period (SIGSTOP of its process
  group) for longer than a scope lock lives, then lets it go on (SIGCONT),
  like a VM paused by its host: its lock expires, another processor takes
  the scope over, and the frozen one wakes up in the middle of that scope,
  believing it still holds it;
* crashes PostgreSQL once: the postmaster gets SIGQUIT, which is what
  ``pg_ctl stop -m immediate`` sends (no checkpoint, every connection cut,
  crash recovery on the next start), then starts it again;
* if the schedule says so, freezes Prometheus once (SIGSTOP, then SIGCONT):
  its socket still accepts connections but nothing answers, the nastiest
  outage for a client;
* if the schedule says so, crashes the coordination backend once, when it is
  private to the test (etcd, not the Redis that other tests share), and starts
  it again on the same data: the processors must reconnect.

Processors that exit on their own are started again, as systemd would. The
kills stop when the time is up; the outages are all seen through.
"""
from __future__ import annotations

import dataclasses
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from typing import Protocol

import psutil
import sqlalchemy as sa

from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.chaos.fleet import Fleet, Processor

KILL_INTERVAL = (1.5, 3.5)
"""Seconds between two kills, drawn uniformly."""
WORKER_KILL_SHARE = 0.3
"""Share of the kills that hit the rating worker only."""
WRITER_WATCH = 1.0
WRITER_POLL = 0.02
"""A kill waits up to WRITER_WATCH seconds for a processor to be caught storing a
period, looking every WRITER_POLL seconds."""
PROCESSOR_FREEZE_AT = (0.05, 0.15)
"""The processor freeze starts once a processor is caught storing a period within
this share of the kill phase (at its end, whatever the processors do)."""
OUTAGE_GAP = 2.0
"""Seconds between the end of an outage and the start of the next one. The
outages come one after the other, the processor freeze first (a database
crash would end its transaction; while the coordinator is down, nobody can
take its scope over), and the frozen processor must have its say once thawed."""
TICK = 0.1
POSTMASTER_EXIT_TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class Schedule:
    kill_seconds: float
    """How long processors are killed; the outages are then seen through."""
    processor_freeze: float
    prometheus_outage: float | None
    coordinator_outage: float | None
    """None: no such outage (and none of the coordinator without a Crashable)."""


class Crashable(Protocol):
    """A server the test owns: SIGKILLed, then started again on the same data."""

    def kill(self) -> None: ...

    def start(self) -> None: ...


class Outage:
    """A fault that begins at ``begin`` and is undone ``duration`` seconds later.

    ``down`` may decline to begin (return False), e.g. while no processor is
    worth freezing; it is asked again on the next tick.
    """

    def __init__(self, name: str, begin: float, duration: float,
                 down: Callable[[], bool | None], up: Callable[[], None],
                 after: Outage | None = None):
        self.name = name
        self.begin = begin
        self.duration = duration
        self.after = after
        self._down = down
        self._up = up
        self.since: float | None = None
        self.ended: float | None = None
        self.seconds = 0.0

    @property
    def done(self) -> bool:
        return self.ended is not None

    @property
    def in_progress(self) -> bool:
        return self.since is not None and not self.done

    def tick(self, now: float) -> None:
        if self.done:
            return
        if self.since is None:
            if (now >= self.begin and self._after_ended(now)
                    and self._down() is not False):
                self.since = now
        elif now - self.since >= self.duration:
            self.finish()

    def _after_ended(self, now: float) -> bool:
        if self.after is None:
            return True
        return self.after.ended is not None and now >= self.after.ended + OUTAGE_GAP

    def finish(self) -> None:
        if self.in_progress:
            self._up()
            self.ended = time.monotonic()
            self.seconds = self.ended - self.since


def sigquit_postmaster(cluster: PrivatePostgres) -> None:
    """Crash the cluster like ``pg_ctl stop -m immediate`` and wait until it is down."""
    with open(os.path.join(cluster.data_dir, 'postmaster.pid'), encoding='utf-8') as stream:
        postmaster = psutil.Process(int(stream.readline()))
    postmaster.send_signal(signal.SIGQUIT)
    postmaster.wait(POSTMASTER_EXIT_TIMEOUT)


def process_listening_on(url: str) -> psutil.Process:
    """The child process of this one serving ``url`` (matched by its listen address)."""
    address = '--web.listen-address=%s' % url.split('//', 1)[1].split('/', 1)[0]
    for child in psutil.Process().children(recursive=True):
        try:
            if address in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    raise LookupError('no child process runs with %s' % address)


class Writers:
    """What the processors are doing in PostgreSQL right now (``pg_stat_activity``).

    Each processor connects with its name as ``application_name`` (see Fleet).
    One *storing* a period has a transaction open whose last statement wrote
    the points or their rollups (the state advance comes last, in the same
    transaction): caught there, it is in the middle of a scope. One *blocked*
    waits for a row lock, e.g. the state row that a frozen processor updated.
    """

    def __init__(self, database_url: str):
        self.engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool,
                                       connect_args={'connect_timeout': 2})

    def look(self) -> tuple[set[str], set[str]]:
        """(storing, blocked) processor names; both empty while the server is down."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(sa.text(
                    "SELECT application_name, wait_event_type = 'Lock' "
                    "FROM pg_stat_activity WHERE xact_start IS NOT NULL "
                    "AND (query ~ 'storage_rated_' OR wait_event_type = 'Lock') "
                    "AND pid <> pg_backend_pid()")).all()
        except sa.exc.OperationalError:
            return set(), set()
        return ({name for name, blocked in rows if not blocked},
                {name for name, blocked in rows if blocked})

    def dispose(self) -> None:
        self.engine.dispose()


class ChaosDriver(threading.Thread):
    """Injects the faults of ``schedule``; ``join()`` re-raises its error."""

    def __init__(self, fleet: Fleet, postgres: PrivatePostgres, prometheus: psutil.Process,
                 schedule: Schedule, seed: int, coordinator: Crashable | None = None):
        super().__init__(name='chaos-driver', daemon=True)
        self.fleet = fleet
        self.postgres = postgres
        self.prometheus = prometheus
        self.schedule = schedule
        self.coordinator = coordinator
        self.random = random.Random(seed)
        self.writers = Writers(postgres.url)
        self.kills_of_writers = 0
        self.outages: dict[str, Outage] = {}
        self.error: BaseException | None = None
        self._frozen: Processor | None = None

    def run(self) -> None:
        try:
            self._inject()
        except BaseException as error:  # re-raised in the test's thread by join()
            self.error = error
        finally:
            self.writers.dispose()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.error is not None:
            raise self.error

    def outage_seconds(self, name: str) -> float:
        outage = self.outages.get(name)
        return outage.seconds if outage else 0.0

    def _plan(self, started: float) -> None:
        schedule = self.schedule
        freeze_from, freeze_by = (started + share * schedule.kill_seconds
                                  for share in PROCESSOR_FREEZE_AT)
        freeze = Outage('processor freeze', freeze_from, schedule.processor_freeze,
                        lambda: self._freeze_processor(force=time.monotonic() >= freeze_by),
                        self._thaw_processor)
        outages = [freeze, Outage('postgres', started, 0, self._crash_postgres,
                                  self._start_postgres, after=freeze)]
        if schedule.prometheus_outage is not None:
            outages.append(Outage('prometheus', started, schedule.prometheus_outage,
                                  self._freeze_prometheus, self._thaw_prometheus,
                                  after=outages[-1]))
        if self.coordinator is not None and schedule.coordinator_outage is not None:
            outages.append(Outage('coordinator', started, schedule.coordinator_outage,
                                  self._crash_coordinator, self._start_coordinator,
                                  after=outages[-1]))
        self.outages = {outage.name: outage for outage in outages}

    def _inject(self) -> None:
        started = time.monotonic()
        end = started + self.schedule.kill_seconds
        self._plan(started)
        next_kill = started + self.random.uniform(*KILL_INTERVAL)
        try:
            while ((now := time.monotonic()) < end
                   or not all(outage.done for outage in self.outages.values())):
                self.fleet.restart_exited()
                if next_kill <= now < end:
                    self._kill_one()
                    next_kill = now + self.random.uniform(*KILL_INTERVAL)
                for outage in self.outages.values():
                    outage.tick(now)
                time.sleep(TICK)
        finally:
            for outage in self.outages.values():
                outage.finish()

    def _caught_writing(self) -> tuple[list[Processor], list[Processor]]:
        """(storing, others) among the processors that may be hit.

        Watches up to WRITER_WATCH seconds for one storing a period. While a
        processor is frozen, those it blocks are left alone: they are the
        second writers its waking up must meet.
        """
        deadline = time.monotonic() + WRITER_WATCH
        while True:
            storing, blocked = self.writers.look()
            spared = blocked if self._frozen else set()
            running = [processor for processor in self.fleet.running()
                       if processor is not self._frozen and processor.name not in spared]
            writing = [processor for processor in running if processor.name in storing]
            if writing or time.monotonic() >= deadline:
                return writing, running
            time.sleep(WRITER_POLL)

    def _kill_one(self) -> None:
        """SIGKILL a running processor, one caught storing a period if possible."""
        writing, running = self._caught_writing()
        candidates = writing or running
        if not candidates:
            return
        victim = self.random.choice(candidates)
        why = 'caught storing a period' if writing else 'none caught storing'
        self.kills_of_writers += bool(writing)
        if not (self.random.random() < WORKER_KILL_SHARE
                and self.fleet.kill_worker(victim, why)):
            self.fleet.kill_node(victim, why)

    def _freeze_processor(self, force: bool) -> bool:
        """SIGSTOP a processor caught storing a period (any, when ``force``); whether done."""
        writing, running = self._caught_writing()
        candidates = writing or (running if force else [])
        if not candidates:
            return False
        self._frozen = self.random.choice(candidates)
        self.fleet.signal(self._frozen, signal.SIGSTOP)
        return True

    def _thaw_processor(self) -> None:
        self.fleet.signal(self._frozen, signal.SIGCONT)
        self._frozen = None

    def _crash_postgres(self) -> None:
        self.fleet.note('PostgreSQL: SIGQUIT to the postmaster (immediate shutdown)')
        sigquit_postmaster(self.postgres)

    def _start_postgres(self) -> None:
        self.postgres.start()
        self.fleet.note('PostgreSQL started again')

    def _freeze_prometheus(self) -> None:
        self.prometheus.suspend()
        self.fleet.note('Prometheus: SIGSTOP')

    def _thaw_prometheus(self) -> None:
        self.prometheus.resume()
        self.fleet.note('Prometheus: SIGCONT')

    def _crash_coordinator(self) -> None:
        self.coordinator.kill()
        self.fleet.note('coordination backend: SIGKILL')

    def _start_coordinator(self) -> None:
        self.coordinator.start()
        self.fleet.note('coordination backend started again')

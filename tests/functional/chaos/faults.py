"""The faults of a chaos run, injected on a schedule by one driver thread.

During ``seconds`` seconds the driver:

* SIGKILLs a processor every few seconds (mostly the whole processor,
  sometimes only its rating worker) and brings it back. The victim is, when
  there is one, a processor caught with a transaction open in PostgreSQL, so
  that kills land in the middle of storing a period;
* freezes one busy processor (SIGSTOP of its process group) for longer than a
  scope lock lives, then lets it go on (SIGCONT), like a VM paused by its
  host: its lock expires, another processor takes the scope, and the frozen
  one wakes up believing it still holds it;
* crashes PostgreSQL once: the postmaster gets SIGQUIT, which is what
  ``pg_ctl stop -m immediate`` sends (no checkpoint, every connection cut,
  crash recovery on the next start), then starts it again;
* freezes Prometheus once (SIGSTOP, then SIGCONT): its socket still accepts
  connections but nothing answers, the nastiest outage for a client;
* crashes the coordination backend once, when it is private to the test (the
  etcd, not the Redis that other tests share), and starts it again on the
  same data: the processors must reconnect.

Processors that exit on their own are started again, as systemd would.
"""
from __future__ import annotations

import dataclasses
import os
import random
import signal
import threading
import time
from typing import Protocol

import psutil
import sqlalchemy as sa

from tests.fixtures.private_postgres import PrivatePostgres
from tests.functional.chaos.fleet import Fleet, Processor

KILL_INTERVAL = (1.5, 3.5)
"""Seconds between two kills, drawn uniformly."""
WORKER_KILL_SHARE = 0.3
"""Share of the kills that hit the rating worker only."""
PROCESSOR_FREEZE_AT = (0.1, 0.3)
"""The processor freeze starts once a processor is busy in this share of the run
(at its end whatever the processors do)."""
POSTGRES_CRASH_AT = 0.6
PROMETHEUS_FREEZE_AT = (0.75, 0.9)
"""Share of the run during which Prometheus is frozen."""
COORDINATOR_OUTAGE_AT = (0.35, 0.5)
"""Share of the run during which the coordination backend is down."""
TICK = 0.1
POSTMASTER_EXIT_TIMEOUT = 30


@dataclasses.dataclass
class FaultFigures:
    processor_freeze_seconds: float = 0.0
    postgres_restarts: int = 0
    prometheus_outage_seconds: float = 0.0
    coordinator_outage_seconds: float = 0.0


class Crashable(Protocol):
    """A server the test owns: SIGKILLed, then started again on the same data."""

    def kill(self) -> None: ...

    def start(self) -> None: ...


def crash_restart(cluster: PrivatePostgres) -> None:
    """Crash the cluster like ``pg_ctl stop -m immediate``, then start it again."""
    with open(os.path.join(cluster.data_dir, 'postmaster.pid'), encoding='utf-8') as stream:
        postmaster = psutil.Process(int(stream.readline()))
    postmaster.send_signal(signal.SIGQUIT)
    postmaster.wait(POSTMASTER_EXIT_TIMEOUT)
    cluster.start()


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


class OpenTransactions:
    """Which processors have a transaction open right now (``pg_stat_activity``).

    Each processor connects with its name as ``application_name`` (see Fleet).
    """

    def __init__(self, database_url: str):
        self.engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool,
                                       connect_args={'connect_timeout': 2})

    def names(self) -> set[str]:
        try:
            with self.engine.connect() as connection:
                return set(connection.scalars(sa.text(
                    'SELECT application_name FROM pg_stat_activity '
                    'WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()')))
        except sa.exc.OperationalError:  # the server is down: nobody is writing
            return set()

    def dispose(self) -> None:
        self.engine.dispose()


class ChaosDriver(threading.Thread):
    """Injects the faults for ``seconds`` seconds; ``join()`` re-raises its error."""

    def __init__(self, fleet: Fleet, postgres: PrivatePostgres, prometheus: psutil.Process,
                 seconds: float, processor_freeze: float, seed: int,
                 coordinator: Crashable | None = None):
        super().__init__(name='chaos-driver', daemon=True)
        self.fleet = fleet
        self.postgres = postgres
        self.prometheus = prometheus
        self.seconds = seconds
        self.processor_freeze = processor_freeze
        self.coordinator = coordinator
        self.random = random.Random(seed)
        self.writers = OpenTransactions(postgres.url)
        self.figures = FaultFigures()
        self.error: BaseException | None = None
        self._frozen: Processor | None = None
        self._frozen_since = 0.0

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

    def _at(self, share: float) -> float:
        return self._run_started + share * self.seconds

    def _inject(self) -> None:
        self._run_started = time.monotonic()
        end = self._at(1)
        freeze_from, freeze_by = map(self._at, PROCESSOR_FREEZE_AT)
        crash_at = self._at(POSTGRES_CRASH_AT)
        outage_from, outage_to = map(self._at, PROMETHEUS_FREEZE_AT)
        coordinator_from, coordinator_to = map(self._at, COORDINATOR_OUTAGE_AT)
        coordinator_since: float | None = None
        next_kill = self._run_started + self.random.uniform(*KILL_INTERVAL)
        prometheus_since: float | None = None
        processor_frozen = False
        try:
            while (now := time.monotonic()) < end:
                self.fleet.restart_exited()
                if now >= next_kill:
                    self._kill_one()
                    next_kill = now + self.random.uniform(*KILL_INTERVAL)
                if not processor_frozen and now >= freeze_from:
                    processor_frozen = self._freeze_processor(force=now >= freeze_by)
                if self._frozen and now - self._frozen_since >= self.processor_freeze:
                    self._thaw_processor()
                if crash_at and now >= crash_at:
                    crash_at = 0.0
                    crash_restart(self.postgres)
                    self.figures.postgres_restarts += 1
                if prometheus_since is None and outage_from <= now < outage_to:
                    self.prometheus.suspend()
                    prometheus_since = now
                elif prometheus_since is not None and now >= outage_to:
                    self._thaw_prometheus(prometheus_since)
                    prometheus_since = None
                if (self.coordinator and coordinator_since is None
                        and coordinator_from <= now < coordinator_to):
                    self.coordinator.kill()
                    coordinator_since = now
                elif coordinator_since is not None and now >= coordinator_to:
                    self._restart_coordinator(coordinator_since)
                    coordinator_since = None
                time.sleep(TICK)
        finally:
            if coordinator_since is not None:
                self._restart_coordinator(coordinator_since)
            if prometheus_since is not None:
                self._thaw_prometheus(prometheus_since)
            if self._frozen:
                self._thaw_processor()

    def _restart_coordinator(self, since: float) -> None:
        self.figures.coordinator_outage_seconds += time.monotonic() - since
        self.coordinator.start()

    def _thaw_prometheus(self, since: float) -> None:
        self.prometheus.resume()
        self.figures.prometheus_outage_seconds += time.monotonic() - since

    def _candidates(self) -> list[Processor]:
        """Running processors, those storing a period first (all, if none is)."""
        running = [processor for processor in self.fleet.running()
                   if processor is not self._frozen]
        writing = self.writers.names()
        return [processor for processor in running if processor.name in writing] or running

    def _kill_one(self) -> None:
        candidates = self._candidates()
        if not candidates:
            return
        victim = self.random.choice(candidates)
        if self.random.random() < WORKER_KILL_SHARE and self.fleet.kill_worker(victim):
            return
        self.fleet.kill_node(victim)

    def _freeze_processor(self, force: bool) -> bool:
        """SIGSTOP a processor storing a period (any, when ``force``); whether done."""
        writing = self.writers.names()
        candidates = [processor for processor in self.fleet.running()
                      if force or processor.name in writing]
        if not candidates:
            return False
        self._frozen = self.random.choice(candidates)
        self._frozen_since = time.monotonic()
        self.fleet.signal(self._frozen, signal.SIGSTOP)
        return True

    def _thaw_processor(self) -> None:
        self.fleet.signal(self._frozen, signal.SIGCONT)
        self.figures.processor_freeze_seconds += time.monotonic() - self._frozen_since
        self._frozen = None

"""The ``cloudkitty-processor`` process model (§5.1).

A cotyledon service manager runs ``[orchestrator] max_workers`` rating
processes and ``[orchestrator] max_workers_reprocessing`` reprocessing
processes. Each process builds its plugins, storage and lock coordinator
once, then runs passes on a wall-clock schedule: a pass starts right after
every period boundary (plus one second, because a period becomes ready
strictly after its boundary), so the schedule never drifts.

Shutdown: SIGTERM stops the loop between two periods and waits for the
period in progress, which is then committed; SIGINT (or the graceful
timeout) ends the process at once, and the period in progress is rolled
back with its transaction. Either way no period is half stored.
"""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, NamedTuple, Protocol

import cotyledon
import sqlalchemy as sa
from oslo_log import log as logging

from cloudkitty import collector as collector_plugins
from cloudkitty import coordination, messaging, storage
from cloudkitty import fetcher as fetcher_plugins
from cloudkitty.common import exception
from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from cloudkitty.processor import rpc
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.processor.reprocessor import Reprocessor
from cloudkitty.processor.worker import ScopeWorker, SkipFilter
from cloudkitty.rating.pipeline import RatingPipeline
from cloudkitty.storage.base import BaseStorage

if TYPE_CHECKING:
    from cloudkitty.collector.base import BaseCollector
    from cloudkitty.fetcher.base import BaseFetcher

LOG = logging.getLogger(__name__)

#: A period is ready strictly after its boundary: wake up a little later.
_AFTER_BOUNDARY = 1.0
#: Reprocessing requests arrive at any time; look for them at least this often.
_REPROCESSING_POLL = 60.0
#: A worker that cannot reach the database at start-up tries again this often.
_SETUP_RETRY = 5.0
#: After a pass that failed (database down, a scope's collector erroring), the
#: next one starts this soon rather than at the next period boundary.
RETRY_FAILED_PASS = 60.0


class Components(NamedTuple):
    """What a worker process needs, built once per process."""

    db: Database
    storage: BaseStorage
    collector: BaseCollector
    fetcher: BaseFetcher
    coordinator: coordination.Coordinator


def build_components(conf, member_id: str | None = None) -> Components:
    """Build and check every configured piece; ConfigurationError names the option."""
    db = Database.from_conf(conf)
    try:
        with db.session() as session:
            session.execute(sa.select(ScopeState.id).limit(1))
    except (sa.exc.DBAPIError, exception.DatabaseUnavailable) as error:
        db.dispose()
        raise exception.ConfigurationError(
            reason='[database] connection: the database cannot be used (%s); is it '
                   'reachable and upgraded with "cloudkitty-dbsync upgrade"?'
            % _driver_message(error)) from None
    return Components(db=db,
                      storage=storage.get_storage(conf, db),
                      collector=collector_plugins.get_collector(conf),
                      fetcher=fetcher_plugins.get_fetcher(conf),
                      coordinator=coordination.from_conf(conf, member_id))


def _driver_message(error: Exception) -> str:
    """First line of what the database driver said (DatabaseUnavailable wraps it)."""
    if isinstance(error, exception.DatabaseUnavailable) and error.__cause__ is not None:
        error = error.__cause__
    return str(getattr(error, 'orig', None) or error).strip().splitlines()[0]


def build_worker(conf, components: Components) -> ScopeWorker:
    return ScopeWorker(conf, components.collector, RatingPipeline(conf, components.db),
                       components.storage,
                       SkipFilter.from_collector(conf, components.collector))


def validate(conf) -> None:
    """Fail fast, before forking, on anything a worker could not start with."""
    if not (conf.orchestrator.max_workers or conf.orchestrator.max_workers_reprocessing):
        raise exception.ConfigurationError(
            reason='[orchestrator] max_workers and max_workers_reprocessing are both 0: '
                   'there is nothing to run')
    components = build_components(conf)
    try:
        SkipFilter.from_collector(conf, components.collector)
        messaging.check_transport_url(conf)
    finally:
        components.coordinator.stop()
        components.db.dispose()


def seconds_until_next_run(period: float, max_wait: float | None = None,
                           now: float | None = None, failed: bool = False) -> float:
    """Seconds until just after the next wall-clock multiple of ``period``.

    Never more than ``max_wait``, nor than :data:`RETRY_FAILED_PASS` after a
    ``failed`` pass: with hourly periods, an outage that ended a minute
    later would otherwise hold rating back for the rest of the hour.
    """
    now = time.time() if now is None else now
    wait = period - now % period + _AFTER_BOUNDARY
    if wait > period:
        wait -= period
    for limit in (max_wait, RETRY_FAILED_PASS if failed else None):
        if limit:
            wait = min(wait, limit)
    return wait


class _PassRunner(Protocol):
    """What a worker loop runs: the orchestrator or the reprocessor."""

    last_pass_failed: bool

    def run_pass(self) -> int:
        ...


class _LoopService(cotyledon.Service):
    """Runs ``run_pass`` on the wall-clock schedule until terminated."""

    poll_limit: float | None = None

    def __init__(self, worker_id: int, conf):
        super().__init__(worker_id)
        self.conf = conf
        self.stop_event = threading.Event()
        self._stopped = threading.Event()

    def setup(self) -> _PassRunner:
        """Build the process's objects; returns what runs the passes."""
        raise NotImplementedError

    def teardown(self) -> None:
        """Release what ``setup`` built (it may have failed half-way)."""
        worker, self.worker = getattr(self, 'worker', None), None
        if worker is not None:
            worker.close()
        components, self.components = getattr(self, 'components', None), None
        if components is not None:
            components.coordinator.stop()
            components.db.dispose()

    def _set_up(self) -> _PassRunner | None:
        """``setup()``, tried again while the database is unreachable; None if stopped.

        The master checked this configuration just before forking, so a
        worker that cannot use the database now is living through an outage
        (a restart, a failover), not a mistake: it waits for the end of it
        instead of dying, which would have cotyledon respawn it in a loop.
        """
        while not self.stop_event.is_set():
            try:
                return self.setup()
            except (exception.DatabaseUnavailable, exception.ConfigurationError) as error:
                LOG.warning('%s(%s) cannot start, trying again in %d s: %s', self.name,
                            self.worker_id, _SETUP_RETRY, error)
                self.teardown()
                self.stop_event.wait(_SETUP_RETRY)
        return None

    def run(self) -> None:
        try:
            runner = self._set_up()
            while runner is not None and not self.stop_event.is_set():
                try:
                    runner.run_pass()
                    failed = runner.last_pass_failed
                except Exception:
                    # E.g. the database is briefly unreachable: try again
                    # soon rather than respawning the process.
                    LOG.exception('%s(%s): pass failed', self.name, self.worker_id)
                    failed = True
                self.stop_event.wait(seconds_until_next_run(
                    self.conf.collect.period, self.poll_limit, failed=failed))
        finally:
            self.teardown()
            self._stopped.set()

    def terminate(self) -> None:
        LOG.info('%s(%s) stopping after the period in progress', self.name,
                 self.worker_id)
        self.stop_event.set()
        self._stopped.wait()


class ProcessorService(_LoopService):
    """Rates ready periods of every scope; serves RPC when a bus is configured."""

    name = 'cloudkitty-processor'

    def setup(self) -> Orchestrator:
        self.components = build_components(
            self.conf, 'processor-%s-%s' % (self.conf.host, self.worker_id))
        self.worker = build_worker(self.conf, self.components)
        self.rpc_server = None
        if not messaging.is_embedded(self.conf):
            self.rpc_server = messaging.get_rpc_server(self.conf, rpc.build_endpoints(
                self.conf, self.components.db, self.components.storage,
                self.components.coordinator))
            self.rpc_server.start()
        return Orchestrator(self.conf, self.components.db, self.components.fetcher,
                            self.worker, self.components.coordinator, self.stop_event)

    def teardown(self) -> None:
        rpc_server, self.rpc_server = getattr(self, 'rpc_server', None), None
        if rpc_server is not None:
            rpc_server.stop()
            rpc_server.wait()
        super().teardown()


class ReprocessorService(_LoopService):
    """Works through the reprocessing schedules."""

    name = 'cloudkitty-reprocessor'
    poll_limit = _REPROCESSING_POLL

    def setup(self) -> Reprocessor:
        self.components = build_components(
            self.conf, 'reprocessor-%s-%s' % (self.conf.host, self.worker_id))
        self.worker = build_worker(self.conf, self.components)
        return Reprocessor(self.conf, self.components.db, self.components.storage,
                           self.worker, self.components.coordinator, self.stop_event)


def run(conf) -> None:
    """Validate the configuration, then run the worker processes until stopped."""
    validate(conf)
    manager = cotyledon.ServiceManager()
    if conf.orchestrator.max_workers:
        manager.add(ProcessorService, workers=conf.orchestrator.max_workers,
                    args=(conf,))
    if conf.orchestrator.max_workers_reprocessing:
        manager.add(ReprocessorService,
                    workers=conf.orchestrator.max_workers_reprocessing, args=(conf,))
    LOG.info('Starting %d processor and %d reprocessing workers',
             conf.orchestrator.max_workers, conf.orchestrator.max_workers_reprocessing)
    manager.run()

"""Rating one period of one scope: the processor's hot path (§5.4).

``ScopeWorker.process_period`` reads like the contract:

    frame = collect every metric for [start, end)      (threads, one deadline)
    frame = rate it with the rules active at start      (rating pipeline)
    frame = drop the points the skip expressions reject
    store the frame and advance the progress, as one unit of work

A worker is built once per process and reused for every scope and period.
"""
from __future__ import annotations

import concurrent.futures
import datetime
import functools
import time
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.rating.pipeline import cyclic_gc_paused

LOG = logging.getLogger(__name__)

#: Called with the storage's open SQL session (or None) once the period is
#: stored, to record the progress in the same unit of work.
Advance = Callable[[Any], None]

_NEVER_SKIP = 'False'

#: Prefetch at most this many collected points ahead (bounds the memory) ...
PREFETCH_POINTS = 20_000
#: ... and at most this many periods (Prometheus answers 11,000 steps at most).
PREFETCH_MAX_PERIODS = 100


class SkipFilter:
    """Per metric type skip expressions, compiled once (§5.4 step 5).

    The default expression ``False`` is not compiled at all, so that a
    deployment without skip expressions pays nothing per point.
    """

    def __init__(self, default_expression: str,
                 expressions_by_type: Mapping[str, str | None]):
        self._default = self._compile('[orchestrator] skip_datapoints_expression',
                                      default_expression)
        self._by_type: dict[str, CodeType | None] = {
            metric_type: (self._compile('skip_datapoints_expression of %s' % metric_type,
                                        expression)
                          if expression else self._default)
            for metric_type, expression in expressions_by_type.items()}

    @staticmethod
    def _compile(origin: str, expression: str) -> CodeType | None:
        if expression.strip() == _NEVER_SKIP:
            return None
        try:
            return compile(expression, '<%s>' % origin, 'eval')
        except SyntaxError as error:
            raise exception.ConfigurationError(
                reason='%s is not a valid Python expression: %s' % (origin, error.msg)
            ) from None

    @classmethod
    def from_collector(cls, conf, collector) -> SkipFilter:
        """Expressions of metrics.yml by metric type, the global one as fallback."""
        expressions: dict[str, str | None] = {}
        for metric_key in collector.metrics:
            definition = collector.metrics[metric_key]
            expressions.setdefault(definition.metric_type,
                                   definition.skip_datapoints_expression)
        return cls(conf.orchestrator.skip_datapoints_expression, expressions)

    @property
    def active(self) -> bool:
        return self._default is not None or any(self._by_type.values())

    def apply(self, frame: DataFrame) -> DataFrame:
        """The frame without the points whose expression is true."""
        if not self.active:
            return frame
        usage: dict[str, list[DataPoint]] = {}
        for metric_type, points in frame.itertypes():
            code = self._by_type.get(metric_type, self._default)
            if code is None:
                usage[metric_type] = points
                continue
            kept = [point for point in points
                    if not eval(code, {'datapoint': point.as_dict()})]  # noqa: S307
            if kept:
                usage[metric_type] = kept
        return frame.replace_usage(usage)


class ScopeWorker:
    """Collects, rates and stores periods; one instance per worker process."""

    def __init__(self, conf, collector, pipeline, storage, skip_filter: SkipFilter):
        self.conf = conf
        self.collector = collector
        self.pipeline = pipeline
        self.storage = storage
        self.skip_filter = skip_filter
        self.period = datetime.timedelta(seconds=conf.collect.period)
        self._timeout = conf.orchestrator.collector_request_timeout
        self._metric_keys = sorted(collector.metrics)
        self._threads = self._new_thread_pool()
        #: Points collected in the last period, to size prefetches; None until known.
        self._last_collected: int | None = None
        #: scope -> starts of the periods whose samples the collector holds already.
        self._prefetched: dict[str, set[datetime.datetime]] = {}

    def _new_thread_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.conf.orchestrator.max_threads, thread_name_prefix='collect')

    def _abandon_hung_requests(self) -> None:
        """Leave the threads stuck on requests that missed the deadline to themselves.

        A hung collector request cannot be interrupted; reusing its thread pool
        would queue the next scopes behind it until they time out as well.
        """
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._threads = self._new_thread_pool()

    def prefetch(self, scope_id: str, first_start: datetime.datetime,
                 ready: Callable[[], int]) -> int:
        """Let the collector answer the periods from ``first_start`` ahead.

        ``ready()`` says how many consecutive periods from ``first_start`` are
        complete. Only collectors with a ``prefetch`` method (Prometheus: one
        range query per metric instead of one query per metric and period) do
        anything, and nothing is done when ``first_start`` is prefetched
        already. Returns how many periods were prefetched now (0: none,
        collect each period on its own). A failed prefetch is logged and
        harmless; one that misses ``collector_request_timeout`` raises
        CollectError (the scope waits for the next pass instead of hanging
        again period by period).
        """
        prefetch = getattr(self.collector, 'prefetch', None)
        if (prefetch is None or self._last_collected is None
                or first_start in self._prefetched.get(scope_id, ())):
            return 0
        periods = min(PREFETCH_MAX_PERIODS, PREFETCH_POINTS // max(self._last_collected, 1))
        if periods < 2:
            return 0
        periods = min(periods, ready())
        if periods < 2:
            return 0
        futures = [self._threads.submit(prefetch, key, scope_id, first_start, periods,
                                        self.period) for key in self._metric_keys]
        with cyclic_gc_paused():
            _, hung = concurrent.futures.wait(futures, timeout=self._timeout)
        if hung:
            self._abandon_hung_requests()
            self.discard_prefetched(scope_id)
            raise exception.CollectError(
                reason='prefetching %d periods of scope %s from %s took more than '
                       '[orchestrator] collector_request_timeout = %d s'
                       % (periods, scope_id, first_start, self._timeout))
        try:
            for future in futures:
                future.result(timeout=0)
        except Exception as error:
            LOG.warning('Prefetching %d periods of scope %s from %s failed, collecting '
                        'them one by one: %s', periods, scope_id, first_start, error)
            self.discard_prefetched(scope_id)
            return 0
        self._prefetched[scope_id] = {first_start + index * self.period
                                      for index in range(periods)}
        return periods

    def discard_prefetched(self, scope_id: str) -> None:
        """Drop whatever was prefetched for ``scope_id`` and not used."""
        self._prefetched.pop(scope_id, None)
        discard = getattr(self.collector, 'discard_prefetched', None)
        if discard is not None:
            discard(scope_id)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.pipeline.close()

    def process_period(self, scope_id: str, start: datetime.datetime,
                       advance: Advance) -> None:
        """Rate [start, start+period) of ``scope_id``, then call ``advance``.

        Any error leaves both storage and progress untouched, so the period is
        retried later.
        """
        end = start + self.period
        began = time.monotonic()
        with cyclic_gc_paused():
            self.pipeline.reload(start, scope_id)
            frame = self.collect(scope_id, start, end)
            self._last_collected = len(frame)
            collected = time.monotonic()
            if len(frame):
                frame = self.pipeline.rate(frame)
                frame = self.skip_filter.apply(frame)
            rated = time.monotonic()
            self.storage.commit_period(scope_id, start, end, [frame] if len(frame) else [],
                                       advance)
        LOG.info('Rated scope %s for [%s, %s): %d points (collect %.3f s, rate %.3f s, '
                 'store %.3f s)', scope_id, start, end, len(frame), collected - began,
                 rated - collected, time.monotonic() - rated)

    def collect(self, scope_id: str, start: datetime.datetime,
                end: datetime.datetime) -> DataFrame:
        """Every metric of the period, collected in parallel under one deadline.

        A prefetched period is already in memory: its points are built here,
        without handing each metric to a thread.
        """
        prefetched = self._prefetched.get(scope_id)
        if prefetched is not None and start in prefetched:
            prefetched.discard(start)
            return self._frame(scope_id, start, end, {
                key: functools.partial(self.collector.collect, key, scope_id, start, end)
                for key in self._metric_keys})
        futures = {key: self._threads.submit(self.collector.collect, key, scope_id,
                                             start, end)
                   for key in self._metric_keys}
        deadline = time.monotonic() + self._timeout
        try:
            return self._frame(scope_id, start, end, {
                key: functools.partial(self._result, future, deadline, scope_id, start, end)
                for key, future in futures.items()})
        finally:
            for future in futures.values():
                future.cancel()

    def _result(self, future: concurrent.futures.Future, deadline: float, scope_id: str,
                start: datetime.datetime, end: datetime.datetime) -> list[DataPoint]:
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            self._abandon_hung_requests()
            raise exception.CollectError(
                reason='collecting scope %s for [%s, %s) took more than '
                       '[orchestrator] collector_request_timeout = %d s'
                       % (scope_id, start, end, self._timeout)) from None

    def _frame(self, scope_id: str, start: datetime.datetime, end: datetime.datetime,
               points_of: Mapping[str, Callable[[], list[DataPoint]]]) -> DataFrame:
        """The frame of every metric's points, in metric key order; empty metrics left out."""
        frame = DataFrame(start, end)
        for metric_key in self._metric_keys:
            try:
                points = points_of[metric_key]()
            except exception.NoDataCollected:
                LOG.info('No data collected for metric %s of scope %s in [%s, %s)',
                         metric_key, scope_id, start, end)
                continue
            frame.add_points(points, self.collector.metric_type(metric_key))
        return frame

"""Periods answered ahead by the collector, for rating and for reprocessing."""
from __future__ import annotations

import datetime
import threading

from cloudkitty.db import reprocessing
from tests.unit.processor import doubles
from tests.unit.processor.harness import HOUR, MONTH


class PrefetchingCollector(doubles.Collector):
    """Records what was prefetched, and in which thread each period was collected."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.held: set[tuple[str, str, datetime.datetime]] = set()
        self.prefetches: list[tuple[str, datetime.datetime, int]] = []
        self.discarded: list[str] = []
        #: (scope, start) -> whether every metric came from a prefetch, in this thread.
        self.collected: dict[tuple[str, datetime.datetime], set[tuple[bool, bool]]] = {}

    def prefetch(self, metric_key, scope_id, first_start, periods, period) -> None:
        self.prefetches.append((scope_id, first_start, periods))
        self.held.update((metric_key, scope_id, first_start + index * period)
                         for index in range(periods))

    def discard_prefetched(self, scope_id) -> None:
        self.discarded.append(scope_id)
        self.held = {key for key in self.held if key[1] != scope_id}

    def collect(self, metric_key, scope_id, start, end):
        prefetched = (metric_key, scope_id, start) in self.held
        self.held.discard((metric_key, scope_id, start))
        in_worker_thread = threading.current_thread() is threading.main_thread()
        self.collected.setdefault((scope_id, start), set()).add(
            (prefetched, in_worker_thread))
        return super().collect(metric_key, scope_id, start, end)


def test_ready_periods_are_prefetched_and_built_without_threads(make_setup):
    collector = PrefetchingCollector(points=2)
    setup = make_setup(collector=collector, scopes=['a'])

    assert setup.orchestrator.run_pass() == 4

    # The very first period tells how big periods are; the 3 others are
    # prefetched at once (once per metric) and built in the worker's thread.
    assert collector.prefetches == [('a', MONTH + HOUR, 3)] * 2
    assert collector.collected == {
        ('a', MONTH): {(False, False)},
        **{('a', MONTH + hours * HOUR): {(True, True)} for hours in (1, 2, 3)}}
    assert collector.discarded == ['a']
    assert len(setup.stored()) == 4 * 2


def test_reprocessing_prefetches_the_periods_of_its_window(make_setup, sqlite_db):
    collector = PrefetchingCollector(points=2)
    setup = make_setup(collector=collector, scopes=['a'])
    setup.orchestrator.run_pass()
    before = setup.stored()
    with sqlite_db.session() as session:
        reprocessing.schedule(session, ['a'], MONTH, MONTH + 2 * HOUR, 'price fix', 3600)
    collector.prefetches.clear()
    collector.collected.clear()

    assert setup.reprocessor.run_pass() == 3

    assert collector.prefetches == [('a', MONTH, 3)] * 2
    assert collector.collected == {('a', MONTH + hours * HOUR): {(True, True)}
                                   for hours in range(3)}
    assert collector.discarded == ['a', 'a']
    assert setup.stored() == before

"""The scope state machine and the per-period pipeline, on SQLite storage."""
import datetime
import decimal
import threading

import pytest

from cloudkitty import coordination
from cloudkitty.common import exception, tz
from cloudkitty.db import scope_state
from cloudkitty.processor.orchestrator import count_ready, next_period_start
from cloudkitty.processor.worker import SkipFilter
from tests.unit.processor import doubles
from tests.unit.processor.harness import MONTH, NOW

HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize('last, now, expected', [
    (None, NOW, MONTH),
    (None, MONTH + datetime.timedelta(minutes=1), MONTH),
    (MONTH, NOW, MONTH + HOUR),
    (MONTH + 2 * HOUR, NOW, MONTH + 3 * HOUR),
    (MONTH + 3 * HOUR, NOW, None),
    # Exactly at the boundary the period is not ready yet.
    (MONTH + 2 * HOUR, MONTH + 5 * HOUR, None),
])
def test_next_period_start(last, now, expected):
    assert next_period_start(last, now, 3600, 2) == expected


def test_wait_periods_count_from_the_period_start():
    # As upstream: with wait_periods=1 a period is rated as soon as it is over.
    assert next_period_start(MONTH, MONTH + 2 * HOUR + datetime.timedelta(seconds=1),
                             3600, 1) == MONTH + HOUR
    assert next_period_start(MONTH, MONTH + 2 * HOUR, 3600, 1) is None


def test_new_scopes_are_rated_from_the_month_start_until_the_wait_window(make_setup):
    setup = make_setup(collector=doubles.Collector(points=2))
    assert setup.orchestrator.run_pass() == 8
    assert setup.state('a') == MONTH + 3 * HOUR
    stored = setup.stored()
    assert len(stored) == 2 * 4 * 2
    assert stored[('a', MONTH, 'cpu')] == (2, decimal.Decimal(3))
    assert stored[('b', MONTH + 3 * HOUR, 'image.size')] == (2, decimal.Decimal(3))
    # Rules are reloaded for every period, with the scope as tenant.
    assert (MONTH + 2 * HOUR, 'a') in setup.pipeline.reloads
    # Nothing more is ready: a second pass rates nothing.
    assert setup.orchestrator.run_pass() == 0


def test_an_existing_state_continues_after_its_last_period(make_setup, sqlite_db):
    setup = make_setup(scopes=['a'])
    with sqlite_db.session() as session:
        scope_state.create_state(session, scope_state.ScopeKey.from_conf(setup.conf, 'a'),
                                 MONTH + 2 * HOUR)
    assert setup.orchestrator.run_pass() == 1
    assert {key[1] for key in setup.stored()} == {MONTH + 3 * HOUR}


def test_deactivated_scopes_are_skipped(make_setup, sqlite_db):
    setup = make_setup()
    with sqlite_db.session() as session:
        scope_state.create_state(session, scope_state.ScopeKey.from_conf(setup.conf, 'a'),
                                 MONTH, active=False)
    assert setup.orchestrator.run_pass() == 4
    assert setup.state('a') == MONTH
    assert {key[0] for key in setup.stored()} == {'b'}


def test_periods_without_data_advance_without_storing(make_setup):
    setup = make_setup(collector=doubles.Collector(empty=['a']))
    setup.orchestrator.run_pass()
    assert setup.state('a') == MONTH + 3 * HOUR
    assert {key[0] for key in setup.stored()} == {'b'}


@pytest.mark.parametrize('failure', ['collect', 'rate'])
def test_a_failing_scope_does_not_stop_the_others(make_setup, failure):
    if failure == 'collect':
        setup = make_setup(collector=doubles.Collector(failing=['bad']),
                           scopes=['a', 'bad', 'b'])
    else:
        setup = make_setup(pipeline=doubles.Pipeline(failing=['bad']),
                           scopes=['a', 'bad', 'b'])
    assert setup.orchestrator.run_pass() == 8
    assert setup.state('bad') is None
    assert {key[0] for key in setup.stored()} == {'a', 'b'}


def test_a_scope_locked_elsewhere_is_skipped(make_setup, tmp_path):
    setup = make_setup(scopes=['a'])
    other = coordination.Coordinator('file://%s' % tmp_path)
    name = coordination.scope_lock_name('a', 'prometheus', 'source', 'project_id')
    try:
        with other.lock(name) as locked:
            assert locked
            assert setup.orchestrator.run_pass() == 0
    finally:
        other.stop()
    assert setup.orchestrator.run_pass() == 4


def test_skip_expressions_drop_points_and_empty_types(make_setup):
    collector = doubles.Collector(points=3, skip_expressions={
        'cpu': "datapoint['vol']['qty'] >= 2", 'image.size': 'True'})
    setup = make_setup(collector=collector, scopes=['a'])
    setup.orchestrator.run_pass()
    stored = setup.stored()
    assert stored[('a', MONTH, 'cpu')] == (1, decimal.Decimal(1))
    assert ('a', MONTH, 'image.size') not in stored


def test_global_skip_expression_is_the_fallback(make_setup):
    collector = doubles.Collector(points=2, skip_expressions={'cpu': 'False'})
    conf = doubles.make_conf(
        orchestrator__skip_datapoints_expression="datapoint['groupby']['id'] == 'r1'")
    skip = SkipFilter.from_collector(conf, collector)
    setup = make_setup(collector=collector, scopes=['a'])
    setup.worker.skip_filter = skip
    setup.orchestrator.run_pass()
    stored = setup.stored()
    # A metric's own expression wins, even ``False``; others use the global one.
    assert stored[('a', MONTH, 'cpu')] == (2, decimal.Decimal(3))
    assert stored[('a', MONTH, 'image.size')] == (1, decimal.Decimal(2))


def test_the_default_skip_expression_costs_nothing():
    skip = SkipFilter('False', {'cpu': None})
    assert not skip.active


def test_an_invalid_skip_expression_is_a_configuration_error():
    with pytest.raises(exception.ConfigurationError, match='skip_datapoints_expression'):
        SkipFilter('datapoint[', {})


@pytest.mark.parametrize('limit, expected', [(100, 4), (2, 2), (1, 1)])
def test_count_ready_stops_at_the_wait_window_and_the_limit(limit, expected):
    # Just after 05:00 with wait_periods=2: the periods from 00:00 to 03:00.
    assert count_ready(MONTH, MONTH + 5 * HOUR + datetime.timedelta(seconds=1), 3600, 2,
                       limit) == expected


def test_month_start_is_used_for_real_clocks():
    assert next_period_start(None, tz.utcnow(), 3600, 2) == tz.month_start()


class _BlockedCollector(doubles.Collector):
    """A source that does not answer until the test releases it."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def collect(self, metric_key, scope_id, start, end):
        self.release.wait(30)
        return super().collect(metric_key, scope_id, start, end)


def test_a_collection_over_its_deadline_fails_the_period(make_setup):
    collector = _BlockedCollector()
    setup = make_setup(collector=collector, scopes=['a'])
    setup.worker._timeout = 0.2
    try:
        with pytest.raises(exception.CollectError,
                           match='collector_request_timeout'):
            setup.worker.process_period('a', MONTH, lambda session: None)
        # The scope's pass fails the same way, and the state stays put.
        assert setup.orchestrator.run_pass() == 0
        assert setup.state('a') is None
    finally:
        collector.release.set()

"""Reprocessing schedules re-rate stored periods with the current prices (§5.5)."""
import datetime
import decimal

import sqlalchemy as sa

from cloudkitty.db import reprocessing
from cloudkitty.db.models import ScopeState
from cloudkitty.processor import rpc
from tests.unit.processor.harness import MONTH

HOUR = datetime.timedelta(hours=1)


def _schedule(db, scope_ids, start, end):
    with db.session() as session:
        reprocessing.schedule(session, scope_ids, start, end, 'price fix', 3600)


def test_a_schedule_re_rates_its_window_once_with_new_prices(make_setup, sqlite_db):
    setup = make_setup(scopes=['a', 'b'])
    assert setup.orchestrator.run_pass() == 8
    # The end is inclusive: 01:00 and 02:00 are both re-rated.
    _schedule(sqlite_db, ['a'], MONTH + HOUR, MONTH + 2 * HOUR)
    setup.pipeline.unit_price = decimal.Decimal('2.5')

    assert setup.reprocessor.run_pass() == 2
    assert setup.reprocessor.run_pass() == 0

    stored = setup.stored()
    # One point per scope, period and metric type: nothing stored twice.
    assert len(stored) == 16 and {count for count, _ in stored.values()} == {1}
    prices = {(scope, start): value for (scope, start, metric_type), (_, value)
              in stored.items() if metric_type == 'cpu'}
    assert [prices[('a', MONTH + index * HOUR)] for index in range(4)] == [
        1, decimal.Decimal('2.5'), decimal.Decimal('2.5'), 1]
    assert {prices[('b', MONTH + index * HOUR)] for index in range(4)} == {1}
    # The scope's own progress is untouched; the schedule is finished.
    assert setup.state('a') == MONTH + 3 * HOUR
    with sqlite_db.session() as session:
        assert reprocessing.list_unfinished(session) == []
        (row,) = reprocessing.list_schedules(session)
        assert reprocessing.as_dict(row)['current_reprocess_time'] == '2026-03-01T02:00:00'


def test_a_schedule_of_a_vanished_scope_is_logged_and_others_go_on(make_setup,
                                                                     sqlite_db):
    setup = make_setup(scopes=['a', 'b'])
    setup.orchestrator.run_pass()
    _schedule(sqlite_db, ['a', 'b'], MONTH, MONTH)
    with sqlite_db.session() as session:
        session.execute(sa.delete(ScopeState).where(ScopeState.identifier == 'a'))
    setup.pipeline.unit_price = decimal.Decimal(3)
    assert setup.reprocessor.run_pass() == 1
    with sqlite_db.session() as session:
        (unfinished,) = reprocessing.list_unfinished(session)
        assert unfinished.identifier == 'a'
    assert setup.stored()[('b', MONTH, 'cpu')] == (1, decimal.Decimal(3))


def test_a_scope_reset_deletes_from_the_timestamp_and_resumes_after_it(make_setup,
                                                                       sqlite_db):
    setup = make_setup(scopes=['a', 'b'])
    setup.orchestrator.run_pass()
    endpoint = rpc.ScopeEndpoint(setup.conf, sqlite_db, setup.storage, setup.coordinator)
    endpoint.reset_state({}, {
        'scopes': [{'scope_id': 'a', 'scope_key': 'project_id', 'collector': 'prometheus',
                    'fetcher': 'source'}],
        'last_processed_timestamp': (MONTH + HOUR).isoformat() + '+00:00'})
    assert setup.state('a') == MONTH + HOUR
    assert {start for scope, start, _ in setup.stored() if scope == 'a'} == {MONTH}
    assert len([key for key in setup.stored() if key[0] == 'b']) == 8

    setup.pipeline.unit_price = decimal.Decimal(4)
    assert setup.orchestrator.run_pass() == 2
    prices = {start: value for (scope, start, metric_type), (_, value)
              in setup.stored().items() if scope == 'a' and metric_type == 'cpu'}
    # As upstream (§12.8): the period starting at the timestamp is not rated again.
    assert prices == {MONTH: 1, MONTH + 2 * HOUR: 4, MONTH + 3 * HOUR: 4}

"""Reprocessing schedule validation (§2.4) and listing."""
import datetime

import pytest

from cloudkitty.common import exception
from cloudkitty.db import reprocessing, scope_state

T0 = datetime.datetime(2026, 1, 1)
HOUR = datetime.timedelta(hours=1)
PERIOD = 3600


@pytest.fixture
def scopes(sqlite_db):
    with sqlite_db.session() as session:
        for scope_id in ('a', 'b'):
            scope_state.create_state(
                session, scope_state.ScopeKey(scope_id, 'project_id', 'file', 'source'),
                T0 + 10 * HOUR)
    return sqlite_db


def _schedule(db, scope_ids, start, end, reason='fix prices'):
    with db.session() as session:
        return [reprocessing.as_dict(row) for row in reprocessing.schedule(
            session, scope_ids, start, end, reason, PERIOD)]


@pytest.mark.parametrize('scope_ids, start, end, reason, message', [
    (['a', 'ALL'], T0, T0, 'r', "Cannot use 'ALL' with scope ID [['a', 'ALL']]."),
    (['a'], T0, T0, '  ', 'Empty or blank reason text is not allowed.'),
    (['a'], T0 + HOUR, T0, 'r',
     'End reprocessing timestamp [2026-01-01 01:00:00+00:00] cannot be less than'),
    (['a'], T0 + datetime.timedelta(minutes=5), T0 + datetime.timedelta(minutes=6), 'r',
     "A valid time window near the provided one is ['2026-01-01 00:00:00+00:00', "
     "'2026-01-01 01:00:00+00:00']"),
    (['a', 'zz'], T0, T0 + HOUR, 'r', "Scopes ['zz'] scheduled to reprocess"),
    (['a'], T0 + 11 * HOUR, T0 + 12 * HOUR, 'r',
     'starting after the last possible timestamp [2026-01-01 10:00:00].'),
    (['a'], T0, T0 + 11 * HOUR, 'r', 'ending after the last possible timestamp'),
])
def test_invalid_requests_are_rejected_with_the_upstream_message(
        scopes, scope_ids, start, end, reason, message):
    with pytest.raises(exception.Invalid) as error:
        _schedule(scopes, scope_ids, start, end, reason)
    assert message in error.value.message
    assert error.value.code == 400


def test_all_schedules_every_active_scope_and_overlaps_are_refused(scopes):
    created = _schedule(scopes, ['ALL'], T0, T0 + HOUR)
    assert [row['scope_id'] for row in created] == ['a', 'b']
    assert created[0]['current_reprocess_time'] == ''
    with pytest.raises(exception.Invalid, match='already has a schedule for a similar'):
        _schedule(scopes, ['b'], T0 + HOUR, T0 + 2 * HOUR)
    _schedule(scopes, ['b'], T0 + 2 * HOUR, T0 + 3 * HOUR)
    with scopes.session() as session:
        listed = reprocessing.list_schedules(session, order='ASC')
        assert [(s.identifier, s.start_reprocess_time.hour) for s in listed] == [
            ('a', 0), ('b', 0), ('b', 2)]
        newest = reprocessing.list_schedules(session, scope_ids=['b'], limit=1)
        assert newest[0].start_reprocess_time == T0 + 2 * HOUR
        with pytest.raises(exception.Invalid, match=r"The order \[up\] is not valid"):
            reprocessing.list_schedules(session, order='up')


def test_a_finished_schedule_leaves_the_unfinished_list(scopes):
    _schedule(scopes, ['a'], T0, T0 + HOUR)
    with scopes.session() as session:
        (row,) = reprocessing.list_unfinished(session)
        reprocessing.set_current_time(session, row.id, T0, None)
    with scopes.session() as session:
        (row,) = reprocessing.list_unfinished(session)
        reprocessing.set_current_time(session, row.id, T0 + HOUR, T0)
    with scopes.session() as session:
        assert reprocessing.list_unfinished(session) == []
        assert reprocessing.scope_key_of(session, 'a') == 'project_id'

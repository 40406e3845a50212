"""Scope state table: lookups, API verbs and the compare-and-set advance."""
import datetime

import pytest

from cloudkitty.common import exception
from cloudkitty.db import scope_state
from cloudkitty.db.models import ScopeState

T0 = datetime.datetime(2026, 1, 1)
HOUR = datetime.timedelta(hours=1)


def _key(scope_id='s1'):
    return scope_state.ScopeKey(scope_id, 'project_id', 'file', 'source')


def test_advance_inserts_a_new_scope_then_moves_it_on(db):
    with db.session() as session:
        scope_state.advance(session, _key(), T0, None)
    with db.session() as session:
        scope_state.advance(session, _key(), T0 + HOUR, T0)
    with db.session() as session:
        state = scope_state.get_state(session, _key())
        assert state.last_processed_timestamp == T0 + HOUR
        assert state.active is True


def test_advance_refuses_a_stale_expectation_and_rolls_back(db):
    with db.session() as session:
        scope_state.advance(session, _key(), T0, None)
    with pytest.raises(scope_state.StateConflict):
        with db.session() as session:
            scope_state.advance(session, _key(), T0 + HOUR, T0 + 5 * HOUR)
    with pytest.raises(scope_state.StateConflict):
        with db.session() as session:
            scope_state.advance(session, _key(), T0 + HOUR, None)
    with db.session() as session:
        assert scope_state.get_state(session, _key()).last_processed_timestamp == T0


def test_legacy_row_is_adopted(db):
    with db.session() as session:
        session.add(ScopeState(identifier='old', last_processed_timestamp=T0,
                               active=True, scope_activation_toggle_date=T0))
    with db.session() as session:
        state = scope_state.get_state(session, _key('old'))
        assert state.last_processed_timestamp == T0
    with db.session() as session:
        rows = scope_state.list_states(session, scope_ids=['old'])
        assert [(r.scope_key, r.collector, r.fetcher) for r in rows] == [
            ('project_id', 'file', 'source')]


def test_list_filters_and_pagination(db):
    with db.session() as session:
        for index in range(5):
            scope_state.create_state(session, _key('s%d' % index), T0,
                                     active=index % 2 == 0)
    with db.session() as session:
        ids = [s.identifier for s in scope_state.list_states(session)]
        assert ids == ['s0', 's1', 's2', 's3', 's4']
        active = scope_state.list_states(session, active=[1])
        assert [s.identifier for s in active] == ['s0', 's2', 's4']
        page = scope_state.list_states(session, offset=1, limit=2)
        assert [s.identifier for s in page] == ['s1', 's2']
        assert scope_state.list_states(session, offset=10) == []
        assert scope_state.list_states(session, fetchers=['nope']) == []
        assert [s.identifier for s in scope_state.select_for_reset(session)] == [
            's0', 's2', 's4']
        with pytest.raises(exception.ScopeNotFound):
            scope_state.select_for_reset(session, scope_ids=['s1'])


def test_create_rejects_an_active_duplicate(db):
    with db.session() as session:
        scope_state.create_state(session, _key(), T0)
    with pytest.raises(scope_state.ScopeAlreadyExists,
                       match='Cannot create a scope with an already existing '
                             'scope_id: s1.'):
        with db.session() as session:
            scope_state.create_state(session, _key()._replace(fetcher='other'), T0)
    with db.session() as session:
        scope_state.patch_state(session, 's1', active=False)
    # An inactive row of the very same identity cannot be duplicated either.
    with pytest.raises(scope_state.ScopeAlreadyExists):
        with db.session() as session:
            scope_state.create_state(session, _key(), T0)


def test_patch_toggles_active_and_stamps_the_date(db):
    with db.session() as session:
        created = scope_state.create_state(session, _key(), T0)
        created.scope_activation_toggle_date = T0
    with db.session() as session:
        state = scope_state.patch_state(session, 's1', active=False, fetcher='')
        assert state.active is False and state.fetcher == 'source'
        assert state.scope_activation_toggle_date > T0
    with pytest.raises(exception.ScopeNotFound,
                       match='No resource found for provided filters.'):
        with db.session() as session:
            scope_state.patch_state(session, 'missing', active=True)
    with db.session() as session:
        scope_state.create_state(session, _key()._replace(collector='other'), T0)
    with pytest.raises(scope_state.TooManyScopes,
                       match='Too many resources found with the same scope_id: s1.'):
        with db.session() as session:
            scope_state.patch_state(session, 's1', active=True)


def test_reset_sets_the_timestamp(db):
    with db.session() as session:
        scope_state.create_state(session, _key(), T0 + 10 * HOUR)
    with db.session() as session:
        scope_state.reset(session, _key(), T0)
    with db.session() as session:
        assert scope_state.get_state(session, _key()).last_processed_timestamp == T0


def test_a_deactivated_scope_is_not_advanced(db):
    with db.session() as session:
        scope_state.advance(session, _key(), T0, None)
    with db.session() as session:
        scope_state.patch_state(session, 's1', active=False)
    with pytest.raises(scope_state.StateConflict):
        with db.session() as session:
            scope_state.advance(session, _key(), T0 + HOUR, T0)

"""``/v2/task/reprocesses`` (contract §2.4)."""
from __future__ import annotations

import pytest


@pytest.fixture
def scoped(client):
    for scope_id in ('aaaa', 'bbbb'):
        assert client.post('/v2/scope', json={
            'scope_id': scope_id, 'last_processed_timestamp': '2019-01-01T00:00:00'}
        ).status == 200
    return client


def _schedule(client, **overrides):
    body = {'scope_ids': ['aaaa'], 'start_reprocess_time': '2018-12-01T00:00:00+00:00',
            'end_reprocess_time': '2018-12-02T00:00:00+00:00', 'reason': 'test'}
    body.update(overrides)
    return client.post('/v2/task/reprocesses', json=body)


def test_schedule_and_list(scoped):
    response = _schedule(scoped)
    assert response.status == 202
    assert response.json == {}
    assert _schedule(scoped, scope_ids='bbbb', start_reprocess_time='2018-11-01',
                     end_reprocess_time='2018-11-02').status == 202
    listing = scoped.get('/v2/task/reprocesses')
    assert listing.status == 200
    assert [task['scope_id'] for task in listing.json['results']] == ['bbbb', 'aaaa']
    assert listing.json['results'][1] == {
        'scope_id': 'aaaa', 'reason': 'test',
        'start_reprocess_time': '2018-12-01T00:00:00',
        'end_reprocess_time': '2018-12-02T00:00:00', 'current_reprocess_time': ''}
    ascending = scoped.get('/v2/task/reprocesses', params={'order': 'ASC'})
    assert [task['scope_id'] for task in ascending.json['results']] == ['aaaa', 'bbbb']
    one = scoped.get('/v2/task/reprocesses/bbbb', params={'scope_ids': 'aaaa'})
    assert [task['scope_id'] for task in one.json['results']] == ['bbbb']
    paged = scoped.get('/v2/task/reprocesses', params={'limit': 1, 'offset': 1})
    assert [task['scope_id'] for task in paged.json['results']] == ['aaaa']


def test_all_scopes(scoped):
    assert _schedule(scoped, scope_ids='ALL').status == 202
    listing = scoped.get('/v2/task/reprocesses', params={'scope_ids': 'aaaa,bbbb'})
    assert sorted(task['scope_id'] for task in listing.json['results']) == \
        ['aaaa', 'bbbb']


@pytest.mark.parametrize('overrides, message', [
    ({'scope_ids': 'ALL,aaaa'}, "Cannot use 'ALL' with scope ID"),
    ({'reason': '  '}, 'Empty or blank reason text is not allowed.'),
    ({'end_reprocess_time': '2018-11-01T00:00:00'}, 'cannot be less than start'),
    ({'start_reprocess_time': '2018-12-01T00:30:00'},
     'does not comply with the configured collector period'),
    ({'scope_ids': 'zzzz'}, "Scopes ['zzzz'] scheduled to reprocess"),
    ({'end_reprocess_time': '2019-02-01T00:00:00'}, 'ending after the last possible'),
])
def test_schedule_errors(scoped, overrides, message):
    response = _schedule(scoped, **overrides)
    assert response.status == 400
    assert message in response.json['message']


def test_overlapping_schedule_is_refused(scoped):
    assert _schedule(scoped).status == 202
    response = _schedule(scoped, start_reprocess_time='2018-12-02T00:00:00',
                         end_reprocess_time='2018-12-03T00:00:00')
    assert response.status == 400
    assert 'already has a schedule for a similar time range' in response.json['message']


@pytest.mark.parametrize('body', [
    {'scope_ids': ['aaaa'], 'start_reprocess_time': '2018-12-01',
     'end_reprocess_time': '2018-12-02'},
    {'scope_ids': [], 'start_reprocess_time': '2018-12-01',
     'end_reprocess_time': '2018-12-02', 'reason': 'r'},
    {'scope_ids': ['aaaa'], 'start_reprocess_time': 'x',
     'end_reprocess_time': '2018-12-02', 'reason': 'r'},
])
def test_schedule_validation(scoped, body):
    response = scoped.post('/v2/task/reprocesses', json=body)
    assert response.status == 400
    assert response.json['message'].startswith('Invalid data ')


def test_bad_order_is_400(scoped):
    response = scoped.get('/v2/task/reprocesses', params={'order': 'up'})
    assert response.status == 400
    assert response.json == {
        'message': "The order [up] is not valid. Accepted values are ['asc', 'desc']."}

"""``/v2/scope`` (contract §2.1, §12.1, §12.4)."""
from __future__ import annotations

import pytest

# (id, last processed, fetcher, collector, scope_key), as the upstream fixture.
SCOPES = [
    ('aaaa', '2019-01-01', 'fet1', 'col1', 'key1'),
    ('bbbb', '2019-02-02', 'fet1', 'col1', 'key2'),
    ('cccc', '2019-03-03', 'fet1', 'col2', 'key1'),
    ('dddd', '2019-04-04', 'fet1', 'col2', 'key2'),
    ('eeee', '2019-05-05', 'fet2', 'col1', 'key1'),
    ('ffff', '2019-06-06', 'fet2', 'col1', 'key2'),
    ('gggg', '2019-06-06', 'fet2', 'col2', 'key1'),
    ('hhhh', '2019-06-06', 'fet2', 'col2', 'key2'),
]


@pytest.fixture
def scopes(client):
    for scope_id, timestamp, fetcher, collector, scope_key in SCOPES:
        response = client.post('/v2/scope', json={
            'scope_id': scope_id, 'last_processed_timestamp': timestamp + 'T00:00:00',
            'fetcher': fetcher, 'collector': collector, 'scope_key': scope_key})
        assert response.status == 200
    return client


def _ids(response):
    return [scope['scope_id'] for scope in response.json['results']]


def test_list_in_insertion_order(scopes):
    response = scopes.get('/v2/scope')
    assert response.status == 200
    assert _ids(response) == [scope[0] for scope in SCOPES]
    first = response.json['results'][0]
    assert first['last_processed_timestamp'] == '2019-01-01T00:00:00+00:00'
    assert first['active'] is True
    assert first['scope_activation_toggle_date'].endswith('+00:00')
    assert (first['scope_key'], first['fetcher'], first['collector']) == \
        ('key1', 'fet1', 'col1')


def test_pagination(scopes):
    assert _ids(scopes.get('/v2/scope', params={'limit': 2, 'offset': 3})) == \
        ['dddd', 'eeee']
    beyond = scopes.get('/v2/scope', params={'offset': 20})
    assert beyond.status == 404
    assert beyond.json == {'message': 'No resource found for provided filters.'}


@pytest.mark.parametrize('params, expected', [
    ({'collector': 'col2'}, ['cccc', 'dddd', 'gggg', 'hhhh']),
    ({'fetcher': 'fet2', 'scope_key': 'key1'}, ['eeee', 'gggg']),
    ([('scope_id', 'aaaa'), ('scope_id', 'hhhh')], ['aaaa', 'hhhh']),
    ({'scope_id': 'aaaa,hhhh'}, ['aaaa', 'hhhh']),
    ({'active': '1', 'collector': 'col1,col2', 'fetcher': 'fet1'},
     ['aaaa', 'bbbb', 'cccc', 'dddd']),
])
def test_filters(scopes, params, expected):
    assert _ids(scopes.get('/v2/scope', params=params)) == expected


@pytest.mark.parametrize('params, reason', [
    ({'limit': '0'}, 'value must be at least 1'),
    ({'offset': '-1'}, 'value must be at least 0'),
    ({'limit': 'ten'}, 'expected int'),
    ({'limit': str(10 ** 12)}, 'value must be at most'),
    ({'active': '2'}, 'expected 0 or 1'),
    ({'unknown': 'x'}, 'extra keys not allowed'),
])
def test_bad_queries(scopes, params, reason):
    response = scopes.get('/v2/scope', params=params)
    assert response.status == 400
    assert reason in response.json['message']
    assert response.json['message'].startswith('Invalid data ')


def test_reset_selected_scopes(scopes, processors):
    response = scopes.put('/v2/scope', json={
        'scope_id': 'aaaa,bbbb', 'last_processed_timestamp': '2018-12-01T00:00:00Z'})
    assert response.status == 202
    assert response.json == {}
    [(sent, timestamp)] = processors.resets
    assert [scope['scope_id'] for scope in sent] == ['aaaa', 'bbbb']
    assert sent[0] == {'scope_id': 'aaaa', 'scope_key': 'key1', 'fetcher': 'fet1',
                       'collector': 'col1'}
    assert timestamp.isoformat() == '2018-12-01T00:00:00'


def test_reset_accepts_the_clients_state_key(scopes, processors):
    response = scopes.put('/v2/scope', json={'state': '2018-12-01T00:00:00+00:00',
                                             'all_scopes': True, 'collector': ['col2']})
    assert response.status == 202
    assert [scope['scope_id'] for scope in processors.resets[0][0]] == \
        ['cccc', 'dddd', 'gggg', 'hhhh']


@pytest.mark.parametrize('body, status, message', [
    ({'last_processed_timestamp': '2019-01-01'}, 400,
     'Either all_scopes or a scope_id should be specified.'),
    ({'scope_id': 'aaaa'}, 400,
     "Variable 'last_processed_timestamp' cannot be empty/None."),
    ({'scope_id': 'zzzz', 'last_processed_timestamp': '2019-01-01'}, 404,
     'No resource found for provided filters.'),
])
def test_reset_errors(scopes, body, status, message):
    response = scopes.put('/v2/scope', json=body)
    assert response.status == status
    assert response.json == {'message': message}


def test_reset_exclusive_selectors_and_extra_keys(scopes):
    both = scopes.put('/v2/scope', json={'scope_id': 'a', 'all_scopes': True,
                                         'last_processed_timestamp': '2019-01-01'})
    assert both.status == 400
    assert "group of exclusion 'scope_selector'" in both.json['message']
    extra = scopes.put('/v2/scope', json={'scope_id': 'a', 'bogus': 1,
                                          'last_processed_timestamp': '2019-01-01'})
    assert extra.status == 400
    assert 'extra keys not allowed' in extra.json['message']
    assert scopes.put('/v2/scope').status == 400
    assert scopes.put('/v2/scope', body=b'not json').status == 400


def test_reset_skips_inactive_scopes(scopes, processors):
    scopes.patch('/v2/scope', json={'scope_id': 'aaaa', 'active': False})
    response = scopes.put('/v2/scope', json={'scope_id': 'aaaa',
                                             'last_processed_timestamp': '2019-01-01'})
    assert response.status == 404
    assert processors.resets == []


def test_patch_updates_fields_and_toggle_date(scopes):
    before = scopes.get('/v2/scope', params={'scope_id': 'bbbb'}).json['results'][0]
    response = scopes.patch('/v2/scope', json={'scope_id': 'bbbb', 'collector': 'col9',
                                               'active': False, 'fetcher': None})
    assert response.status == 200
    assert response.json['collector'] == 'col9'
    assert response.json['fetcher'] == 'fet1'
    assert response.json['active'] is False
    assert response.json['scope_activation_toggle_date'] >= \
        before['scope_activation_toggle_date']
    inactive = scopes.get('/v2/scope', params={'active': '0'})
    assert _ids(inactive) == ['bbbb']


def test_patch_errors(scopes):
    missing = scopes.patch('/v2/scope', json={'scope_id': 'zzzz', 'active': True})
    assert missing.status == 404
    assert missing.json == {'message': 'No resource found for provided filters.'}
    no_id = scopes.patch('/v2/scope', json={'active': True})
    assert no_id.status == 400
    assert 'required key not provided' in no_id.json['message']


def test_post_defaults_from_config_and_duplicates(client):
    response = client.post('/v2/scope', json={
        'scope_id': 'new', 'last_processed_timestamp': '2020-05-01T10:00:00+02:00'})
    assert response.status == 200
    assert response.json['scope_key'] == client.conf.collect.scope_key
    assert response.json['fetcher'] == client.conf.fetcher.backend
    assert response.json['collector'] == client.conf.collect.collector
    assert response.json['last_processed_timestamp'] == '2020-05-01T08:00:00+00:00'
    assert client.get('/v2/scope').status == 200
    again = client.post('/v2/scope', json={'scope_id': 'new',
                                           'last_processed_timestamp': '2020-01-01'})
    assert again.status == 404
    assert again.json == {
        'message': 'Cannot create a scope with an already existing scope_id: new.'}


@pytest.mark.parametrize('body', [
    {'scope_id': 'x'},
    {'last_processed_timestamp': '2020-01-01'},
    {'scope_id': 'x', 'last_processed_timestamp': 'yesterday-ish'},
    {'scope_id': 'x', 'last_processed_timestamp': '2020-01-01', 'active': 'maybe'},
])
def test_post_validation(client, body):
    response = client.post('/v2/scope', json=body)
    assert response.status == 400
    assert response.json['message'].startswith('Invalid data ')

"""Routes whose answers depend on the database, on SQLite, PostgreSQL and MariaDB."""
from __future__ import annotations


def test_collector_mappings_are_ordered_by_service(api_client_db):
    client = api_client_db
    for service, collector in (('zeta', 'c1'), ('alpha', 'c2'), ('mid', 'c1')):
        assert client.post('/v1/collector/mappings/%s/%s' % (collector, service)
                           ).status == 200
    client.post('/v1/collector/mappings/c3/mid')
    assert client.get('/v1/collector/mappings').json == {'mappings': [
        {'service': 'alpha', 'collector': 'c2'}, {'service': 'mid', 'collector': 'c3'},
        {'service': 'zeta', 'collector': 'c1'}]}
    assert client.put('/v1/collector/states/c1', json={'enabled': True}).status == 200
    assert client.get('/v1/collector/states/c1').json['enabled'] is True


def test_long_collector_names_are_refused(api_client_db):
    response = api_client_db.post('/v1/collector/mappings/%s/s' % ('c' * 256))
    assert response.status == 400


def test_scope_lifecycle(api_client_db):
    client = api_client_db
    created = client.post('/v2/scope', json={
        'scope_id': 'p1', 'last_processed_timestamp': '2019-01-01T00:00:00Z',
        'scope_key': 'project_id', 'fetcher': 'f', 'collector': 'c'})
    assert created.status == 200
    patched = client.patch('/v2/scope', json={'scope_id': 'p1', 'active': False})
    assert patched.json['active'] is False
    assert client.get('/v2/scope', params={'active': '0'}).json['results'][0][
        'scope_id'] == 'p1'
    assert client.get('/v2/scope', params={'active': '1'}).status == 404
    # An inactive identifier may be created again (only active ones conflict).
    again = client.post('/v2/scope', json={'scope_id': 'p1', 'fetcher': 'f2',
                                           'last_processed_timestamp': '2019-02-01'})
    assert again.status == 200
    long_key = client.post('/v2/scope', json={'scope_id': 'p2', 'collector': 'c' * 41,
                                              'last_processed_timestamp': '2019-02-01'})
    assert long_key.status == 400


def test_module_state_round_trip(api_client_db):
    client = api_client_db
    assert client.put('/v2/rating/modules/hashmap',
                      json={'enabled': True, 'priority': 2 ** 31 - 1}).status == 204
    module = client.get('/v2/rating/modules/hashmap').json
    assert (module['enabled'], module['priority']) == (True, 2 ** 31 - 1)

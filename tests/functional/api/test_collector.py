"""``/v1/collector``: legacy mappings and states (contract §1.1)."""
from __future__ import annotations


def test_states_default_to_disabled(client):
    response = client.get('/v1/collector/states/gnocchi')
    assert response.status == 200
    assert response.json == {'name': 'gnocchi', 'enabled': False}


def test_enable_is_isolated_per_collector(client):
    response = client.put('/v1/collector/states/', json={'name': 'gnocchi',
                                                         'enabled': True})
    assert response.status == 200
    assert response.json == {'name': 'gnocchi', 'enabled': True}
    assert client.get('/v1/collector/states/?name=gnocchi').json['enabled'] is True
    assert client.get('/v1/collector/prometheus/states').json['enabled'] is False
    client.put('/v1/collector/gnocchi/states', json={'enabled': False})
    assert client.get('/v1/collector/states/gnocchi').json['enabled'] is False


def test_state_update_requires_enabled(client):
    response = client.put('/v1/collector/states/gnocchi', json={'name': 'gnocchi'})
    assert response.status == 400
    assert response.json == {
        'faultcode': 'Client', 'debuginfo': None,
        'faultstring': "Invalid input for field/attribute enabled. Value: 'None'. "
                       'Mandatory field missing.'}


def test_state_without_name_is_missing_argument(client):
    response = client.get('/v1/collector/states/')
    assert response.status == 400
    assert response.json['faultstring'] == 'Missing argument: "name"'


def test_mapping_crud(client):
    created = client.post('/v1/collector/mappings/', json={'collector': 'c1',
                                                           'service': 's2'})
    assert created.status == 200
    assert created.json == {'service': 's2', 'collector': 'c1'}
    assert client.post('/v1/collector/mappings/c2/s1').status == 200
    listing = client.get('/v1/collector/mappings/')
    assert listing.json == {'mappings': [{'service': 's1', 'collector': 'c2'},
                                         {'service': 's2', 'collector': 'c1'}]}
    filtered = client.get('/v1/collector/mappings/', params={'collector': 'c1'})
    assert filtered.json == {'mappings': [{'service': 's2', 'collector': 'c1'}]}
    # Upsert: the service's collector is overwritten.
    client.post('/v1/collector/mappings/c3/s2')
    assert client.get('/v1/collector/mappings/s2').json == {'service': 's2',
                                                            'collector': 'c3'}
    deleted = client.delete('/v1/collector/mappings/', json={'service': 's2'})
    assert deleted.status == 204
    assert deleted.text == ''
    missing = client.get('/v1/collector/mappings/s2')
    assert missing.status == 404
    assert missing.json['faultstring'] == 'No mapping for service: s2'


def test_delete_unknown_mapping_is_404(client):
    response = client.delete('/v1/collector/mappings/nothing')
    assert response.status == 404
    assert response.json['faultstring'] == 'No mapping for service: nothing'


def test_argument_in_query_and_body_is_400(client):
    response = client.delete('/v1/collector/mappings/', params={'service': 'a'},
                             json={'service': 'a'})
    assert response.status == 400
    assert response.json['faultstring'] == 'Parameter service was given several times'


def test_unknown_query_argument_is_400(client):
    response = client.get('/v1/collector/mappings/', params={'bogus': '1'})
    assert response.status == 400
    assert response.json['faultcode'] == 'Client'


def test_unknown_body_attribute_is_400(client):
    response = client.put('/v1/collector/states/x', json={'enabled': True, 'extra': 1})
    assert response.status == 400
    assert response.json['faultstring'] == \
        'Unknown attribute for argument infos: extra'

"""``/v1/rating`` and ``/v2/rating/modules`` (contract §1.3, §2.5)."""
from __future__ import annotations

import pytest


def _module(client, name):
    return client.get('/v1/rating/modules/%s' % name).json


def test_v1_module_list(client):
    response = client.get('/v1/rating/modules/')
    assert response.status == 200
    modules = {module['module_id']: module for module in response.json['modules']}
    assert {'hashmap', 'noop', 'pyscripts'} <= set(modules)
    assert modules['noop'] == {'module_id': 'noop', 'description': 'Dummy test module.',
                               'enabled': True, 'hot-config': False, 'priority': 1}
    assert modules['hashmap']['enabled'] is False
    assert modules['hashmap']['hot-config'] is True


def test_v1_billing_is_an_alias(client):
    assert client.get('/v1/billing/modules').json == client.get('/v1/rating/modules').json


def test_v1_get_module_with_repeated_query_id(client):
    response = client.get('/v1/rating/modules/noop', params={'module_id': 'noop'})
    assert response.status == 200
    assert response.json['module_id'] == 'noop'


def test_v1_unknown_module(client):
    response = client.get('/v1/rating/modules/nope')
    assert response.status == 404
    assert response.json == {'faultcode': 'Client', 'faultstring': 'Module not found.',
                             'debuginfo': None}
    put = client.put('/v1/rating/modules/nope', json={'module_id': 'nope',
                                                      'enabled': True})
    assert put.status == 404


def test_v1_put_module_redirects_and_persists(client, processors):
    module = _module(client, 'hashmap')
    module.update(enabled=True, priority=5)
    response = client.put('/v1/rating/modules/hashmap', json=module)
    assert response.status == 302
    assert response.headers['Location'] == 'http://localhost/v1/rating/modules/hashmap'
    assert _module(client, 'hashmap')['enabled'] is True
    assert _module(client, 'hashmap')['priority'] == 5
    assert ('enable_module', 'hashmap') in processors.module_changes
    assert ('reload_module', 'hashmap') in processors.module_changes
    # Unchanged values notify nothing.
    processors.module_changes.clear()
    assert client.put('/v1/rating/modules/hashmap', json=module).status == 302
    assert processors.module_changes == []


def test_v1_put_module_needs_module_id_in_body(client):
    response = client.put('/v1/rating/modules/hashmap', json={'enabled': True})
    assert response.status == 400
    assert 'module_id' in response.json['faultstring']


def test_v1_put_absurd_priority_is_400(client):
    response = client.put('/v1/rating/modules/hashmap',
                          json={'module_id': 'hashmap', 'priority': 2 ** 40})
    assert response.status == 400


def test_noop_ignores_updates(client):
    client.put('/v1/rating/modules/noop', json={'module_id': 'noop', 'enabled': False,
                                                'priority': 9})
    assert _module(client, 'noop')['enabled'] is True
    assert _module(client, 'noop')['priority'] == 1


def test_quote_goes_to_the_processors(client, processors):
    body = {'resources': [{'service': 'instance', 'volume': '3',
                           'desc': {'groupby': {'flavor': 'm1'}, 'metadata': {}}},
                          {'service': 'instance', 'volume': 1.5}]}
    response = client.post('/v1/rating/quote', json=body)
    assert response.status == 200
    assert response.json == '1.0'
    sent = processors.quotes[0]
    assert [resource['service'] for resource in sent] == ['instance', 'instance']
    assert str(sent[0]['volume']) == '3'
    assert sent[0]['desc'] == {'groupby': {'flavor': 'm1'}, 'metadata': {}}
    assert str(sent[1]['volume']) == '1.5'


@pytest.mark.parametrize('body', [{}, {'resources': None}])
def test_quote_without_resources_is_400(client, body):
    response = client.post('/v1/rating/quote', json=body)
    assert response.status == 400
    assert response.json['faultstring'] == (
        "Invalid input for field/attribute resources. Value: 'None'. Mandatory field missing.")


def test_quote_without_messaging_is_503(sqlite_db, make_api_client, monkeypatch):
    from cloudkitty.api import app
    monkeypatch.setattr(app, '_build_rpc', lambda conf: None)
    client = make_api_client(sqlite_db)
    response = client.post('/v1/rating/quote',
                           json={'resources': [{'service': 'a', 'volume': 1}]})
    assert response.status == 503
    assert response.json['faultcode'] == 'Server'


def test_reload_modules(client, processors):
    response = client.get('/v1/rating/reload_modules')
    assert response.status == 204
    assert ('reload_modules', None) in processors.module_changes


@pytest.mark.parametrize('method', ['get', 'post', 'put', 'delete'])
def test_module_without_config_api_is_409(client, method):
    response = getattr(client, method)('/v1/rating/module_config/noop/anything')
    assert response.status == 409
    assert response.json['description'] == 'Module is not configurable'


def test_module_config_of_unknown_module_is_404(client):
    assert client.get('/v1/rating/module_config/nope/x').status == 404


def test_module_config_root_is_405(client):
    assert client.get('/v1/rating/module_config').status == 405
    assert client.get('/v1/rating/module_config/').status == 405


def test_module_config_controllers_are_mounted(client):
    response = client.get('/v1/rating/module_config/hashmap/types/')
    assert response.status == 200
    assert sorted(response.json) == ['flat', 'rate']
    assert client.get('/v1/billing/module_config/hashmap/types').status == 200


def test_v2_module_list_and_get(client):
    response = client.get('/v2/rating/modules')
    assert response.status == 200
    noop = [m for m in response.json['modules'] if m['module_id'] == 'noop'][0]
    assert noop == {'module_id': 'noop', 'description': 'Dummy test module.',
                    'enabled': True, 'hot_config': False, 'priority': 1}
    assert client.get('/v2/rating/modules/noop').json == noop


def test_v2_unknown_module(client):
    response = client.get('/v2/rating/modules/fakb')
    assert response.status == 404
    assert response.json == {'message': "Module 'fakb' not found"}
    assert client.put('/v2/rating/modules/fakb', json={'enabled': True}).status == 404


def test_v2_put_module(client, processors):
    response = client.put('/v2/rating/modules/pyscripts', json={'enabled': True,
                                                                'priority': 4})
    assert response.status == 204
    assert response.text == ''
    module = client.get('/v2/rating/modules/pyscripts').json
    assert (module['enabled'], module['priority']) == (True, 4)
    assert ('enable_module', 'pyscripts') in processors.module_changes
    client.put('/v2/rating/modules/pyscripts', json={'enabled': False})
    assert client.get('/v2/rating/modules/pyscripts').json['enabled'] is False
    assert ('disable_module', 'pyscripts') in processors.module_changes


@pytest.mark.parametrize('body, reason', [
    ({'priority': 'x'}, 'expected int'),
    ({'priority': True}, 'expected int'),
    ({'enabled': 'yes'}, 'expected bool'),
    ({'other': 1}, 'extra keys not allowed'),
])
def test_v2_put_module_validation(client, body, reason):
    response = client.put('/v2/rating/modules/hashmap', json=body)
    assert response.status == 400
    assert reason in response.json['message']

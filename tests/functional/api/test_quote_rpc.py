"""A quote through the real messaging layer (embedded processor endpoints, §4.4)."""
from __future__ import annotations

import decimal


def test_quote_is_rated_by_the_processor_rules(api_client):
    client = api_client
    assert client.put('/v2/rating/modules/hashmap', json={'enabled': True}).status == 204
    hashmap = '/v1/rating/module_config/hashmap'
    service = client.post(hashmap + '/services', json={'name': 'instance'}).json
    field = client.post(hashmap + '/fields', json={'name': 'flavor',
                                                   'service_id': service['service_id']}
                        ).json
    assert client.post(hashmap + '/mappings', params={'force': 'true'}, json={
        'service_id': service['service_id'], 'cost': '0.5', 'type': 'flat',
        'start': '2015-01-01'}).status == 201
    assert client.post(hashmap + '/mappings', params={'force': 'true'}, json={
        'field_id': field['field_id'], 'value': 'm1', 'cost': '2', 'type': 'flat',
        'start': '2015-01-01'}).status == 201
    grouped = client.post('/v1/rating/quote', json={'resources': [
        {'service': 'instance', 'volume': '3',
         'desc': {'groupby': {'flavor': 'm1'}, 'metadata': {}}}]})
    assert grouped.status == 200
    assert decimal.Decimal(grouped.json) == 6
    flat_desc = client.post('/v1/rating/quote', json={'resources': [
        {'service': 'instance', 'volume': 3, 'desc': {'flavor': 'm1'}}]})
    assert decimal.Decimal(flat_desc.json) == decimal.Decimal('1.5')

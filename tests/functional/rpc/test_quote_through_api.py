"""POST /v1/rating/quote answered by a processor over the real RabbitMQ (§4.4).

The API and the processor each get their own configuration (so their own
transport) on a private exchange and topic; the hashmap rules are created
through the API, and the processor reads them from the shared database.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from cloudkitty import messaging
from cloudkitty.processor import rpc
from tests.fixtures import servers
from tests.fixtures.api import api_conf

HASHMAP = '/v1/rating/module_config/hashmap'
#: The example of contract §4.4: service flat 0.5, flavor=m1 flat 2, volume 3.
QUOTE = {'resources': [{'service': 'compute', 'volume': 3,
                        'desc': {'groupby': {'flavor': 'm1'}, 'metadata': {}}}]}
FLAT_DESC_QUOTE = {'resources': [{'service': 'compute', 'volume': 3,
                                  'desc': {'flavor': 'm1'}}]}


@pytest.fixture
def bus_settings(sqlite_db, tmp_path) -> dict:
    """Settings shared by the API and the processor: the real broker, a private topic."""
    servers.require_port('RabbitMQ', '127.0.0.1', 5672)
    private = 'ck-quote-%s' % uuid.uuid4().hex[:8]
    return {'transport_url': servers.RABBIT_URL, 'control_exchange': private,
            'orchestrator': {'rpc_topic': private, 'quote_timeout': 5,
                             'coordination_url': 'file://%s' % tmp_path}}


class ProcessorRpc:
    """The RPC server of a processor worker, with the real processor endpoints."""

    def __init__(self, conf):
        self.conf = conf
        self.server = messaging.get_rpc_server(conf, rpc.build_local_endpoints(conf))
        self.server.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.server.wait()
            self.running = False


@pytest.fixture
def processor(sqlite_db, bus_settings):
    conf = api_conf(sqlite_db, **bus_settings)
    running = ProcessorRpc(conf)
    yield running
    running.stop()
    messaging.cleanup(conf)


@pytest.fixture
def client(sqlite_db, make_api_client, bus_settings):
    api = make_api_client(sqlite_db, **bus_settings)
    assert not messaging.is_embedded(api.conf)
    yield api
    messaging.cleanup(api.conf)


def _created(response, key: str) -> str:
    assert response.status == 201, response.text
    return response.json[key]


def create_compute_rules(client) -> None:
    """§4.4's rules through the API: compute flat 0.5, flavor m1 flat 2."""
    response = client.put('/v2/rating/modules/hashmap', json={'enabled': True})
    assert response.status == 204, response.text
    service_id = _created(client.post(HASHMAP + '/services', json={'name': 'compute'}),
                          'service_id')
    field_id = _created(client.post(HASHMAP + '/fields', json={
        'name': 'flavor', 'service_id': service_id}), 'field_id')
    _created(client.post(HASHMAP + '/mappings', params={'force': 'true'}, json={
        'service_id': service_id, 'cost': '0.5', 'start': '2020-01-01T00:00:00'}),
        'mapping_id')
    _created(client.post(HASHMAP + '/mappings', params={'force': 'true'}, json={
        'field_id': field_id, 'value': 'm1', 'cost': '2', 'start': '2020-01-01T00:00:00'}),
        'mapping_id')


def test_a_quote_is_priced_by_the_processor_over_rabbitmq(client, processor):
    create_compute_rules(client)

    response = client.post('/v1/rating/quote', json=QUOTE)
    assert response.status == 200, response.text
    # A JSON string holding the exact decimal: max(0.5, 2) x 3.
    assert response.text == '"6.000000000000000000000000000"'

    # Flat desc keys do not reach the rules: only the service mapping applies.
    response = client.post('/v1/rating/quote', json=FLAT_DESC_QUOTE)
    assert response.status == 200, response.text
    assert response.json == '1.500000000000000000000000000'


def test_a_price_change_through_the_api_reaches_the_next_quote(client, processor):
    create_compute_rules(client)
    assert client.post('/v1/rating/quote', json=QUOTE).json == (
        '6.000000000000000000000000000')

    response = client.put('/v2/rating/modules/hashmap', json={'enabled': False})
    assert response.status == 204, response.text
    # With hashmap disabled only noop is left: everything is free.
    response = client.post('/v1/rating/quote', json=QUOTE)
    assert response.status == 200, response.text
    assert Decimal(response.json) == 0


def test_with_the_processor_stopped_a_quote_is_a_clear_503(client, processor):
    create_compute_rules(client)
    assert client.post('/v1/rating/quote', json=QUOTE).status == 200
    processor.stop()

    response = client.post('/v1/rating/quote', json=QUOTE)

    assert response.status == 503, response.text
    assert 'No cloudkitty-processor answered the quote request within 5 seconds' in (
        response.text)
    assert 'Traceback' not in response.text

"""RabbitMQ goes away under a running API and processor, then comes back.

Both reach the shared broker through a loopback proxy that the test cuts
(open connections closed, new ones refused) and restores. While it is cut,
the requests that need the bus answer 503 promptly, saying the bus is
unavailable; a module change is still saved. Once it is back, the same API
and processor processes serve quotes again, without a restart. An API that
starts while the broker is away behaves the same.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.fixtures import live_api, servers
from tests.fixtures.api import api_conf
from tests.fixtures.tcp_proxy import TcpProxy, running_tcp_proxy
from tests.functional.faults import processor_process as processor

RESET_SCOPE = 'reset-scope'
QUOTE = {'resources': [{'service': 'compute', 'volume': 2,
                        'desc': {'groupby': {}, 'metadata': {}}}]}
BUS_DOWN = 'The message bus is unavailable: the %s request could not be sent'
#: Generous bound on any answer: a request must never wait for the broker.
ANSWER_TIMEOUT = 60
RECOVERY_TIMEOUT = 90


@pytest.fixture
def proxy() -> TcpProxy:
    servers.require_port('RabbitMQ', '127.0.0.1', 5672)
    with running_tcp_proxy('127.0.0.1', 5672) as running:
        yield running


@pytest.fixture
def bus_settings(proxy: TcpProxy, tmp_path) -> dict:
    """The broker through the proxy, on a private exchange and topic."""
    private = 'ck-faults-%s' % uuid.uuid4().hex[:8]
    return {
        'DEFAULT': {'transport_url': 'rabbit://guest:guest@127.0.0.1:%d/' % proxy.port,
                    'control_exchange': private},
        'orchestrator': {'rpc_topic': private, 'quote_timeout': 5},
        # Reconnect every second or two instead of backing off up to 30 s.
        'oslo_messaging_rabbit': {'rabbit_interval_max': 2},
    }


@pytest.fixture
def running_processor(sqlite_db, bus_settings, tmp_path):
    """A real cloudkitty-processor whose RPC server answers the quotes."""
    (tmp_path / 'usage.jsonl').write_text('')
    config = processor.write_config(tmp_path, str(sqlite_db.engine.url), period=3600,
                                    wait_periods=2, **bus_settings)
    running = processor.ProcessorProcess(config, tmp_path / 'processor.log')
    yield running
    assert running.stop() == 0, running.log_text()[-5000:]


def _api_conf(sqlite_db, bus_settings):
    settings = {key: value for key, value in bus_settings.items() if key != 'DEFAULT'}
    settings.update(bus_settings['DEFAULT'])
    return api_conf(sqlite_db, **settings)


def _quote(base_url: str) -> requests.Response:
    return requests.post(base_url + '/v1/rating/quote', json=QUOTE, timeout=ANSWER_TIMEOUT)


def _wait_for_quotes(base_url: str, running: processor.ProcessorProcess) -> None:
    """Until a quote is answered (the processor's RPC server may still be connecting)."""
    running.wait_for(lambda: _quote(base_url).status_code == 200, 'a quote answered',
                     timeout=RECOVERY_TIMEOUT)


def _assert_bus_down(response: requests.Response, method: str) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    message = body['faultstring'] if 'faultstring' in body else body['message']
    assert message.startswith(BUS_DOWN % method), message
    assert 'guest' not in response.text and 'Traceback' not in response.text


def test_requests_needing_the_bus_answer_503_while_it_is_down_and_recover(
        sqlite_db, bus_settings, proxy, running_processor):
    conf = _api_conf(sqlite_db, bus_settings)
    with live_api.serving(conf) as base_url:
        _wait_for_quotes(base_url, running_processor)
        assert _quote(base_url).json() == '0'
        response = requests.post(base_url + '/v2/scope', json={
            'scope_id': RESET_SCOPE, 'last_processed_timestamp': '2026-01-01T00:00:00'},
            timeout=ANSWER_TIMEOUT)
        assert response.status_code == 200, response.text

        proxy.cut()

        _assert_bus_down(_quote(base_url), 'quote')
        _assert_bus_down(requests.get(base_url + '/v1/rating/reload_modules',
                                      timeout=ANSWER_TIMEOUT), 'reload_modules')
        _assert_bus_down(requests.put(base_url + '/v2/scope', json={
            'scope_id': RESET_SCOPE, 'last_processed_timestamp': '2026-01-01T00:00:00'},
            timeout=ANSWER_TIMEOUT), 'reset_state')
        # Saved in the database; only the courtesy notification is lost.
        response = requests.put(base_url + '/v2/rating/modules/hashmap',
                                json={'enabled': True}, timeout=ANSWER_TIMEOUT)
        assert response.status_code == 204, response.text
        response = requests.get(base_url + '/v2/rating/modules/hashmap',
                                timeout=ANSWER_TIMEOUT)
        assert response.json()['enabled'] is True
        assert running_processor.alive, running_processor.log_text()[-5000:]

        proxy.restore()

        _wait_for_quotes(base_url, running_processor)
        # The processor itself lost the broker and found it again, through the proxy.
        assert 'Reconnected to AMQP server on 127.0.0.1:%d' % proxy.port in (
            running_processor.log_text())
        assert requests.get(base_url + '/v1/rating/reload_modules',
                            timeout=ANSWER_TIMEOUT).status_code == 204
        response = requests.put(base_url + '/v2/scope', json={
            'scope_id': RESET_SCOPE, 'last_processed_timestamp': '2026-01-01T00:00:00'},
            timeout=ANSWER_TIMEOUT)
        assert response.status_code == 202, response.text


def test_an_api_started_while_the_broker_is_down_answers_503_then_recovers(
        sqlite_db, bus_settings, proxy, running_processor):
    """Its first call must open a reply queue, which oslo.messaging retries forever."""
    proxy.cut()
    conf = _api_conf(sqlite_db, bus_settings)
    with live_api.serving(conf) as base_url:
        _assert_bus_down(_quote(base_url), 'quote')
        _assert_bus_down(_quote(base_url), 'quote')

        proxy.restore()

        _wait_for_quotes(base_url, running_processor)
        assert _quote(base_url).json() == '0'

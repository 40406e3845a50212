"""Gnocchi through Keystone: token and catalog endpoint (contract §6.3 options).

The Gnocchi endpoints in the real Keystone's catalog point at hosts that do
not exist; a recording transport answers for them, so the test sees what
would reach Gnocchi.
"""
import datetime

from cloudkitty.collector import gnocchi, metrics_config
from cloudkitty.service import prepare_service
from tests.fixtures.keystone import METRIC_ENDPOINTS
from tests.unit.collector.test_gnocchi import RecordingTransport, group

START = datetime.datetime(2025, 1, 1)


def make_collector(tmp_path, keystone_server, **options):
    settings = keystone_server.fetcher_options() | options
    path = tmp_path / 'cloudkitty.conf'
    path.write_text('[collect]\ncollector = gnocchi\n[collector_gnocchi]\n' + ''.join(
        '%s = %s\n' % item for item in settings.items()))
    conf = prepare_service([], [str(path)], setup_logging=False)
    metrics = metrics_config.parse_metrics_config(
        {'metrics': {'cpu': {'unit': 'u', 'extra_args': {'resource_type': 'instance'}}}},
        gnocchi.GnocchiCollector.EXTRA_ARGS)
    collector = gnocchi.GnocchiCollector(conf, metrics)
    transport = RecordingTransport([(200, [group(1.0, id='r', project_id='p')])] * 2)
    for url in METRIC_ENDPOINTS.values():
        collector.client.adapter.session.session.mount(url, transport)
    return collector, transport


def test_internal_endpoint_and_token_by_default(tmp_path, keystone_server):
    collector, transport = make_collector(tmp_path, keystone_server)
    [point] = collector.collect('cpu', 'p', START, START + datetime.timedelta(hours=1))
    [request] = transport.requests
    assert request.url.startswith(METRIC_ENDPOINTS['internal'] + '/v1/aggregates?')
    assert request.headers['X-Auth-Token']
    assert 'Authorization' not in request.headers
    assert point.qty == 1


def test_interface_option_selects_the_endpoint(tmp_path, keystone_server):
    collector, transport = make_collector(tmp_path, keystone_server, interface='public')
    collector.collect('cpu', 'p', START, START + datetime.timedelta(hours=1))
    assert transport.requests[0].url.startswith(METRIC_ENDPOINTS['public'] + '/v1/')

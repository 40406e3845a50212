"""Exact Gnocchi requests of the collector and fetcher (contract §6.3, §6.5).

A recording requests transport stands in for Gnocchi, so the assertions are on
the real wire: URL, query string, headers and JSON body.
"""
import datetime
import json
import os
import urllib.parse

import pytest
import requests
from requests import adapters

from cloudkitty.collector import gnocchi, metrics_config
from cloudkitty.common import exception
from cloudkitty.common import gnocchi as gnocchi_client
from cloudkitty.fetcher import gnocchi as gnocchi_fetcher
from tests.fixtures.collect import make_conf

ENDPOINT = 'http://gnocchi.test:8041'
START = datetime.datetime(2025, 1, 1, 10)
END = START + datetime.timedelta(hours=1)
SCOPE = 'p1'


class RecordingTransport(adapters.BaseAdapter):
    """Answers queued (status, body) pairs and records every request."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.requests = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers['Content-Type'] = 'application/json'
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def sent(request):
    """(path, query as a list of pairs, JSON body) of a recorded request."""
    url = urllib.parse.urlsplit(request.url)
    return url.path, urllib.parse.parse_qsl(url.query), json.loads(request.body)


def group(value, **labels):
    return {'group': labels, 'measures': {'measures': {
        'aggregated': [['2025-01-01T10:00:00+00:00', 3600.0, value]] if value is not None
        else []}}}


def make_collector(definition, answers, period=3600):
    conf = make_conf({'collect': {'collector': 'gnocchi', 'period': period},
                      'collector_gnocchi': {'gnocchi_auth_type': 'basic',
                                            'gnocchi_user': 'admin',
                                            'gnocchi_endpoint': ENDPOINT}})
    metrics = metrics_config.parse_metrics_config(
        {'metrics': {'cpu': definition}}, gnocchi.GnocchiCollector.EXTRA_ARGS)
    collector = gnocchi.GnocchiCollector(conf, metrics)
    transport = RecordingTransport(answers)
    collector.client.adapter.session.session.mount('http://', transport)
    return collector, transport


def test_default_aggregates_request():
    collector, transport = make_collector(
        {'unit': 'instance', 'groupby': ['flavor_id'],
         'extra_args': {'resource_type': 'instance'}},
        [(200, [group(2.0, id='r1', project_id=SCOPE, flavor_id='f')])])
    [point] = collector.collect('cpu', SCOPE, START, END)
    [request] = transport.requests
    assert request.method == 'POST'
    assert request.headers['Authorization'] == 'Basic YWRtaW46'
    assert request.headers['Accept'] == 'application/json'
    assert sent(request) == ('/v1/aggregates', [
        ('details', 'False'), ('granularity', '3600'), ('groupby', 'flavor_id'),
        ('groupby', 'project_id'), ('groupby', 'id'),
        ('start', '2025-01-01T10:00:00+00:00'), ('stop', '2025-01-01T11:00:00+00:00'),
        ('use_history', 'True')], {
        'operations': ['aggregate', 'max', ['metric', 'cpu', 'max']],
        'search': {'and': [{'=': {'type': 'instance'}}, {'=': {'project_id': SCOPE}}]},
        'resource_type': 'instance'})
    assert point.qty == 2
    assert point.groupby['id'] == 'r1' and point.groupby['flavor_id'] == 'f'


@pytest.mark.parametrize('extra_args, operations, params', [
    ({'aggregation_method': 'mean', 're_aggregation_method': 'sum'},
     ['aggregate', 'sum', ['metric', 'cpu', 'mean']], {}),
    ({'aggregation_method': '95pct'}, ['aggregate', 'max', ['metric', 'cpu', '95pct']], {}),
    ({'aggregation_method': 'rate:mean'},
     ['aggregate', 'max', ['metric', 'cpu', 'rate:mean']], {}),
    ({'force_granularity': 300}, ['aggregate', 'max', ['metric', 'cpu', 'max']],
     {'granularity': '300'}),
    ({'force_granularity': 0}, ['aggregate', 'max', ['metric', 'cpu', 'max']],
     {'granularity': None}),
    ({'re_aggregation_method': 'rate:max', 'force_granularity': 600},
     ['aggregate', 'rate:max', ['metric', 'cpu', 'max']],
     {'granularity': '600', 'start': '2025-01-01T09:50:00+00:00'}),
    ({'custom_query': '(aggregate RE_AGGREGATION_METHOD (metric METRIC_NAME '
                      'AGGREGATION_METHOD))', 'aggregation_method': 'last',
      're_aggregation_method': 'mean'},
     '(aggregate mean (metric cpu last))', {}),
    ({'resource_key': 'instance_id'}, ['aggregate', 'max', ['metric', 'cpu', 'max']],
     {'groupby': ['project_id', 'instance_id']}),
])
def test_extra_args_shape_the_request(extra_args, operations, params):
    collector, transport = make_collector(
        {'unit': 'u', 'extra_args': {'resource_type': 'instance', **extra_args}},
        [(200, [])])
    with pytest.raises(exception.NoDataCollected):
        collector.collect('cpu', SCOPE, START, END)
    _, query, body = sent(transport.requests[0])
    assert body['operations'] == operations
    expected = {'details': 'False', 'granularity': '3600',
                'groupby': ['project_id', 'id'], 'start': '2025-01-01T10:00:00+00:00',
                'stop': '2025-01-01T11:00:00+00:00', 'use_history': 'True', **params}
    actual = {}
    for key, value in query:
        if key == 'groupby':
            actual.setdefault(key, []).append(value)
        else:
            actual[key] = value
    assert actual == {key: value for key, value in expected.items() if value is not None}


def test_alt_name_definitions_query_the_source_metric():
    conf = make_conf({'collect': {'collector': 'gnocchi'},
                      'collector_gnocchi': {'gnocchi_auth_type': 'basic',
                                            'gnocchi_user': 'admin',
                                            'gnocchi_endpoint': ENDPOINT}})
    metrics = metrics_config.parse_metrics_config({'metrics': {'cpu': [
        {'unit': 'u', 'alt_name': 'a', 'extra_args': {'resource_type': 'instance'}},
        {'unit': 'u', 'alt_name': 'b', 'extra_args': {'resource_type': 'instance'}}]}},
        gnocchi.GnocchiCollector.EXTRA_ARGS)
    collector = gnocchi.GnocchiCollector(conf, metrics)
    transport = RecordingTransport([(200, [group(1.0, id='r', project_id=SCOPE)])])
    collector.client.adapter.session.session.mount('http://', transport)
    collector.collect('cpu@#b', SCOPE, START, END)
    assert sent(transport.requests[0])[2]['operations'][2] == ['metric', 'cpu', 'max']


def test_groups_without_measures_are_skipped_and_qty_is_converted():
    collector, _ = make_collector(
        {'unit': 'GiB', 'factor': '1/1024', 'offset': 1, 'mutate': 'CEIL',
         'extra_args': {'resource_type': 'volume'}},
        [(200, [group(None, id='empty', project_id=SCOPE),
                group(3072.5, id='full', project_id=SCOPE)])])
    [point] = collector.collect('cpu', SCOPE, START, END)
    assert point.groupby['id'] == 'full'
    assert point.qty == 5  # ceil(3072.5 / 1024 + 1)


def test_all_revisions_are_points_by_default():
    collector, _ = make_collector(
        {'unit': 'u', 'groupby': ['flavor_id'], 'extra_args': {'resource_type': 'i'}},
        [(200, [group(1.5, id='r', flavor_id='small', project_id=SCOPE),
                group(2.5, id='r', flavor_id='large', project_id=SCOPE)])])
    points = collector.collect('cpu', SCOPE, START, END)
    assert sorted((p.groupby['flavor_id'], p.qty) for p in points) == [
        ('large', 2.5), ('small', 1.5)]


def test_latest_revision_carries_the_sum_of_all_revisions():
    collector, _ = make_collector(
        {'unit': 'u', 'groupby': ['flavor_id', 'revision_start'],
         'extra_args': {'resource_type': 'i', 'use_all_resource_revisions': False}},
        [(200, [group(1.5, id='r', flavor_id='large', project_id=SCOPE,
                      revision_start='2025-01-01T10:30:00+00:00'),
                group(2.25, id='r', flavor_id='small', project_id=SCOPE,
                      revision_start='2024-12-01T00:00:00+00:00'),
                group(7.0, id='other', flavor_id='small', project_id=SCOPE,
                      revision_start='2024-12-01T00:00:00+00:00')])])
    points = {p.groupby['id']: p for p in collector.collect('cpu', SCOPE, START, END)}
    assert points['r'].groupby['flavor_id'] == 'large'
    assert points['r'].qty == 3.75
    assert points['other'].qty == 7


def test_metadata_lookup_pages_by_marker_and_skips_unknown_resources():
    page_1 = [{'id': 'r1', 'flavor_name': 'small'}, {'id': 'r2'}]
    page_2 = [{'id': 'r3', 'flavor_name': 'large'}]
    collector, transport = make_collector(
        {'unit': 'u', 'metadata': ['flavor_name'], 'extra_args': {'resource_type': 'i'}},
        [(200, [group(1.0, id='r1', project_id=SCOPE), group(2.0, id='r2', project_id=SCOPE),
                group(3.0, id='r3', project_id=SCOPE), group(4.0, id='gone',
                                                             project_id=SCOPE)]),
         (200, page_1), (200, page_2), (200, [])],
        period=1800)
    points = {p.groupby['id']: p.metadata for p in collector.collect('cpu', SCOPE, START, END)}
    assert points == {'r1': {'flavor_name': 'small'}, 'r2': {'flavor_name': ''},
                      'r3': {'flavor_name': 'large'}}
    search = {'and': [
        {'or': [{'=': {'ended_at': None}}, {'>=': {'ended_at': '2025-01-01T09:30:00+00:00'}}]},
        {'<=': {'started_at': '2025-01-01T11:30:00+00:00'}},
        {'=': {'project_id': SCOPE}}]}
    assert [sent(request) for request in transport.requests[1:]] == [
        ('/v1/search/resource/i', [('sort', 'id:asc')], search),
        ('/v1/search/resource/i', [('marker', 'r2'), ('sort', 'id:asc')], search),
        ('/v1/search/resource/i', [('marker', 'r3'), ('sort', 'id:asc')], search)]


def test_no_metadata_no_resource_search():
    collector, transport = make_collector(
        {'unit': 'u', 'extra_args': {'resource_type': 'i'}},
        [(200, [group(1.0, id='r1', project_id=SCOPE)])])
    collector.collect('cpu', SCOPE, START, END)
    assert len(transport.requests) == 1


@pytest.mark.parametrize('status, description', [
    (404, "Metric ['cpu'] does not exist"),
    (400, {'cause': 'Metrics not found', 'detail': ['cpu']}),
])
def test_metric_not_found_is_no_data(status, description):
    collector, _ = make_collector({'unit': 'u', 'extra_args': {'resource_type': 'i'}},
                                  [(status, {'code': status, 'description': description})])
    with pytest.raises(exception.NoDataCollected):
        collector.collect('cpu', SCOPE, START, END)


@pytest.mark.parametrize('status, description', [
    (404, {'cause': 'Metrics with unknown aggregation', 'detail': [['m', 'min']]}),
    (400, {'cause': 'Metrics cannot be aggregated', 'reason': 'Granularities are missing'}),
    (500, 'boom'),
])
def test_other_errors_abort_the_scope(status, description):
    collector, _ = make_collector({'unit': 'u', 'extra_args': {'resource_type': 'i'}},
                                  [(status, {'code': status, 'description': description})])
    with pytest.raises(exception.CollectError, match='HTTP %d' % status):
        collector.collect('cpu', SCOPE, START, END)


@pytest.mark.parametrize('extra_args, message', [
    ({}, r'extra_args.resource_type: required key missing'),
    ({'resource_type': 'i', 'aggregation_method': 'avg'}, 'invalid value'),
    ({'resource_type': 'i', 're_aggregation_method': '95pct'}, 'invalid value'),
    ({'resource_type': 'i', 'force_granularity': -1}, 'integer >= 0'),
    ({'resource_type': 'i', 'use_all_resource_revisions': 'no'}, 'boolean'),
])
def test_extra_args_validation(extra_args, message):
    with pytest.raises(exception.InvalidMetricsConfig, match=message):
        metrics_config.parse_metrics_config(
            {'metrics': {'cpu': {'unit': 'u', 'extra_args': extra_args}}},
            gnocchi.GnocchiCollector.EXTRA_ARGS)


def test_search_without_scope_has_only_the_type():
    assert gnocchi.build_search('instance', 'project_id', None) == {
        'and': [{'=': {'type': 'instance'}}]}


@pytest.mark.parametrize('options, message', [
    ({'gnocchi_auth_type': 'basic', 'gnocchi_user': 'admin'}, 'gnocchi_endpoint'),
    ({'gnocchi_auth_type': 'basic', 'gnocchi_endpoint': ENDPOINT}, 'gnocchi_user'),
    ({}, r'\[collector_gnocchi\] auth_type is not set'),
])
def test_client_configuration_errors(options, message):
    conf = make_conf({'collector_gnocchi': options})
    with pytest.raises(exception.ConfigurationError, match=message):
        gnocchi_client.GnocchiClient.from_conf(conf, 'collector_gnocchi')


def test_fetcher_excludes_seen_scopes_until_a_page_brings_none():
    conf = make_conf({'fetcher_gnocchi': {'gnocchi_auth_type': 'basic',
                                          'gnocchi_user': 'admin',
                                          'gnocchi_endpoint': ENDPOINT,
                                          'resource_types': ['instance', 'volume']}})
    fetcher = gnocchi_fetcher.GnocchiFetcher(conf)
    transport = RecordingTransport([
        (200, [{'project_id': 'a'}, {'project_id': 'b'}, {'project_id': 'a'}]),
        (200, [{'project_id': 'c'}]),
        (200, [{'project_id': None}]),
        (200, [{'project_id': 'b'}, {'project_id': 'd'}]),
        (200, []),
    ])
    fetcher.client.adapter.session.session.mount('http://', transport)
    assert fetcher.get_tenants() == ['a', 'b', 'c', 'd']
    assert [sent(request) for request in transport.requests] == [
        ('/v1/search/resource/instance', [('details', 'true')], {}),
        ('/v1/search/resource/instance', [('details', 'true')],
         {'not': {'in': {'project_id': ['a', 'b']}}}),
        ('/v1/search/resource/instance', [('details', 'true')],
         {'not': {'in': {'project_id': ['a', 'b', 'c']}}}),
        ('/v1/search/resource/volume', [('details', 'true')], {}),
        ('/v1/search/resource/volume', [('details', 'true')],
         {'not': {'in': {'project_id': ['a', 'b', 'c', 'd']}}}),
    ]


def test_shipped_sample_is_valid():
    path = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'etc', 'cloudkitty',
                        'metrics-gnocchi.yml')
    config = metrics_config.load_metrics_config(path, 'gnocchi')
    assert len(config) >= 5
    network = config['network.outgoing.bytes']
    assert network.extra_args['re_aggregation_method'] == 'rate:max'
    assert network.extra_args['resource_key'] == 'id'

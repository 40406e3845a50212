"""``/v1/info``: the metrics configuration (contract §1.2)."""
from __future__ import annotations

import yaml

from tests.fixtures.api import METRICS_FILE


def _sample():
    with open(METRICS_FILE, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


def test_config_is_the_raw_document(client):
    response = client.get('/v1/info/config/')
    assert response.status == 200
    assert response.json == _sample()


def test_metrics_use_alt_name_and_unique_metadata(client):
    response = client.get('/v1/info/metrics/')
    assert response.status == 200
    metrics = {metric['metric_id']: metric for metric in response.json['metrics']}
    expected = {}
    for name, definition in _sample()['metrics'].items():
        for item in definition if isinstance(definition, list) else [definition]:
            expected[item.get('alt_name') or name] = item
    assert set(metrics) == set(expected)
    for metric_id, definition in expected.items():
        assert metrics[metric_id]['unit'] == definition['unit']
        assert sorted(metrics[metric_id]['metadata']) == sorted(
            set(definition.get('metadata') or []))


def test_services_alias_matches_metrics(client):
    assert client.get('/v1/info/services').json == client.get('/v1/info/metrics').json


def test_one_metric_and_unknown_metric(client):
    metric_id = client.get('/v1/info/metrics').json['metrics'][0]['metric_id']
    response = client.get('/v1/info/metrics/%s' % metric_id)
    assert response.status == 200
    assert response.json['metric_id'] == metric_id
    missing = client.get('/v1/info/metrics/does-not-exist')
    assert missing.status == 404
    assert missing.json == {'faultcode': 'Client', 'faultstring': 'does-not-exist',
                            'debuginfo': None}


def test_invalid_metrics_file_is_405(sqlite_db, make_api_client, tmp_path):
    broken = tmp_path / 'metrics.yml'
    broken.write_text('metrics: {}\n')
    client = make_api_client(sqlite_db, collect={'metrics_conf': str(broken)})
    for path in ('/v1/info/config', '/v1/info/metrics', '/v1/info/metrics/x'):
        response = client.get(path)
        assert response.status == 405
        assert response.json['faultstring'] == \
            'Invalid endpoint: no metrics in current configuration.'


def test_file_is_read_on_every_request(sqlite_db, make_api_client, tmp_path):
    path = tmp_path / 'metrics.yml'
    path.write_text('metrics:\n  cpu:\n    unit: instance\n')
    client = make_api_client(sqlite_db, collect={'metrics_conf': str(path)})
    assert client.get('/v1/info/metrics/cpu').status == 200
    path.write_text('metrics:\n  ram:\n    unit: MiB\n')
    assert client.get('/v1/info/metrics/cpu').status == 404
    assert client.get('/v1/info/metrics/ram').json['unit'] == 'MiB'

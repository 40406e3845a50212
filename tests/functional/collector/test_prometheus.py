"""The Prometheus collector against a real, backfilled Prometheus (§6.2, §6.4)."""
import datetime
import decimal

import pytest

from cloudkitty.collector import file as file_collector
from cloudkitty.collector import prometheus
from cloudkitty.common import exception
from tests.fixtures import synthetic_cloud
from tests.fixtures.collect import make_conf, write_metrics
from tests.fixtures.prometheus import BASIC_AUTH, free_port

D = decimal.Decimal
HOUR = datetime.timedelta(hours=1)
# Hour 5 of the synthetic cloud: its samples have step index 5.
START = synthetic_cloud.DEFAULT_START + 5 * HOUR

METRICS = {
    'ck_instance': {'unit': 'instance', 'alt_name': 'instance', 'groupby': ['id'],
                    'metadata': ['flavor']},
    'ck_volume_size': [
        {'unit': 'GiB', 'alt_name': 'volume', 'groupby': ['id'], 'factor': '1/1000',
         'offset': 1},
        {'unit': 'GiB', 'alt_name': 'volume_total',
         'extra_args': {'aggregation_method': 'sum'}},
    ],
    'ck_ip_floating': {'unit': 'ip', 'groupby': ['id'], 'mutate': 'NUMBOOL'},
    'ck_missing': {'unit': 'u'},
    'ck_bad_query': {'unit': 'u', 'extra_args': {'query_suffix': 'by by'}},
}


@pytest.fixture
def collector(tmp_path, prometheus_server):
    path = write_metrics(tmp_path, {'metrics': METRICS})
    conf = make_conf({
        'collect': {'collector': 'prometheus', 'metrics_conf': path},
        'collector_prometheus': {'prometheus_url': prometheus_server.url},
    })
    return prometheus.PrometheusCollector(conf)


def by_id(points):
    return {point.groupby['id']: point for point in points}


def in_order(points):
    return sorted(points, key=lambda point: sorted(point.groupby.items()))


def test_collect_returns_one_point_per_resource(collector):
    points = by_id(collector.collect('ck_instance', 'scope-1', START, START + HOUR))
    assert set(points) == {'res-1-0', 'res-1-1'}
    point = points['res-1-1']
    assert point.qty == synthetic_cloud.sample_value(0, 1, 1, 5)
    assert point.unit == 'instance'
    assert point.groupby == {'project_id': 'scope-1', 'id': 'res-1-1',
                             'week_of_the_year': '00', 'day_of_the_year': '1',
                             'month': '1', 'year': '2024'}
    assert point.metadata == {'flavor': 'm1.medium'}
    assert collector.metric_type('ck_instance') == 'instance'


def test_factor_offset_and_several_definitions_of_one_metric(collector):
    volumes = by_id(collector.collect('ck_volume_size@#volume', 'scope-2', START,
                                      START + HOUR))
    raw = synthetic_cloud.sample_value(1, 2, 0, 5)
    assert volumes['res-2-0'].qty == D(raw) / 1000 + 1
    [total] = collector.collect('ck_volume_size@#volume_total', 'scope-2', START,
                                START + HOUR)
    assert total.qty == raw + synthetic_cloud.sample_value(1, 2, 1, 5)
    assert total.groupby['project_id'] == 'scope-2'


def test_max_over_a_longer_period(collector):
    start = synthetic_cloud.DEFAULT_START
    points = by_id(collector.collect('ck_instance', 'scope-0', start, start + 6 * HOUR))
    assert points['res-0-0'].qty == max(synthetic_cloud.sample_value(0, 0, 0, i)
                                        for i in range(6))


def test_mutate(collector):
    points = collector.collect('ck_ip_floating', 'scope-0', START, START + HOUR)
    assert [point.qty for point in points] == [1, 1]


@pytest.mark.parametrize('metric, scope, start', [
    ('ck_missing', 'scope-0', START),
    ('ck_instance', 'no-such-scope', START),
    ('ck_instance', 'scope-0', START + 1000 * HOUR),
])
def test_no_data(collector, metric, scope, start):
    with pytest.raises(exception.NoDataCollected):
        collector.collect(metric, scope, start, start + HOUR)


def test_bad_query_is_a_collect_error_with_prometheus_message(collector):
    with pytest.raises(exception.CollectError) as caught:
        collector.collect('ck_bad_query', 'scope-0', START, START + HOUR)
    assert str(caught.value).startswith('bad_data: ')


def test_unreachable_prometheus_is_a_collect_error(tmp_path):
    path = write_metrics(tmp_path, {'metrics': METRICS})
    conf = make_conf({
        'collect': {'collector': 'prometheus', 'metrics_conf': path},
        'collector_prometheus': {'prometheus_url': 'http://127.0.0.1:%d/api/v1' % free_port(),
                                 'timeout': 2},
    })
    collector = prometheus.PrometheusCollector(conf)
    with pytest.raises(exception.CollectError, match='cannot reach http://127.0.0.1'):
        collector.collect('ck_instance', 'scope-0', START, START + HOUR)


def test_wrong_path_is_a_collect_error(tmp_path, prometheus_server):
    path = write_metrics(tmp_path, {'metrics': METRICS})
    conf = make_conf({
        'collect': {'collector': 'prometheus', 'metrics_conf': path},
        'collector_prometheus': {
            'prometheus_url': prometheus_server.url.replace('/api/v1', '/nothing')},
    })
    collector = prometheus.PrometheusCollector(conf)
    with pytest.raises(exception.CollectError, match='HTTP 404'):
        collector.collect('ck_instance', 'scope-0', START, START + HOUR)


def test_file_collector_rates_the_same_history_identically(tmp_path, collector,
                                                           prometheus_server):
    usage = tmp_path / 'usage.jsonl'
    synthetic_cloud.write_jsonl(prometheus_server.series, str(usage))
    document = {key: value for key, value in METRICS.items() if key != 'ck_bad_query'}
    path = write_metrics(tmp_path, {'metrics': document}, 'file-metrics.yml')
    conf = make_conf({'collect': {'collector': 'file', 'metrics_conf': path},
                      'collector_file': {'path': str(usage)}})
    from_file = file_collector.FileCollector(conf)
    for key in ('ck_instance', 'ck_volume_size@#volume', 'ck_volume_size@#volume_total',
                'ck_ip_floating'):
        for scope in ('scope-0', 'scope-2'):
            expected = collector.collect(key, scope, START, START + HOUR)
            got = from_file.collect(key, scope, START, START + HOUR)
            assert sorted(got, key=str) == sorted(expected, key=str)



@pytest.mark.parametrize('credentials, error', [
    (BASIC_AUTH, None),
    ((BASIC_AUTH[0], 'wrong'), 'HTTP 401'),
    ((BASIC_AUTH[0], None), 'HTTP 401'),
])
def test_basic_auth(tmp_path, prometheus_with_basic_auth, credentials, error):
    path = write_metrics(tmp_path, {'metrics': METRICS})
    user, password = credentials
    conf = make_conf({
        'collect': {'collector': 'prometheus', 'metrics_conf': path},
        'collector_prometheus': {'prometheus_url': prometheus_with_basic_auth.url,
                                 'prometheus_user': user, 'prometheus_password': password},
    })
    collector = prometheus.PrometheusCollector(conf)
    # The server is empty: an accepted query finds no data.
    expected = exception.NoDataCollected if error is None else exception.CollectError
    with pytest.raises(expected, match=error):
        collector.collect('ck_instance', 'scope-0', START, START + HOUR)


@pytest.mark.parametrize('metric', ['ck_instance', 'ck_volume_size@#volume',
                                    'ck_volume_size@#volume_total', 'ck_ip_floating'])
def test_prefetched_periods_equal_the_periods_collected_one_by_one(tmp_path, collector,
                                                                   metric):
    first = synthetic_cloud.DEFAULT_START
    one_by_one = [in_order(collector.collect(metric, 'scope-1', first + hour * HOUR,
                                          first + (hour + 1) * HOUR)) for hour in range(6)]
    prefetching = prometheus.PrometheusCollector(collector.conf)
    prefetching.client.session.close()
    prefetching.client = collector.client
    prefetching.prefetch(metric, 'scope-1', first, 6, HOUR)
    # Answered from the prefetch: the server is no longer asked.
    prefetching.client = prometheus.prometheus_client.PrometheusClient('http://127.0.0.1:9')
    # Neither answer has a defined order of series.
    assert [in_order(prefetching.collect(metric, 'scope-1', first + hour * HOUR,
                                      first + (hour + 1) * HOUR))
            for hour in range(6)] == one_by_one


def test_a_prefetched_period_without_data_is_no_data(collector):
    late = synthetic_cloud.DEFAULT_START + 1000 * HOUR
    collector.prefetch('ck_instance', 'scope-1', late, 2, HOUR)
    with pytest.raises(exception.NoDataCollected):
        collector.collect('ck_instance', 'scope-1', late, late + HOUR)


def test_discarded_prefetch_is_asked_again(collector):
    collector.prefetch('ck_instance', 'scope-1', START, 2, HOUR)
    collector.discard_prefetched('scope-1')
    collector.client = prometheus.prometheus_client.PrometheusClient('http://127.0.0.1:9')
    with pytest.raises(exception.CollectError):
        collector.collect('ck_instance', 'scope-1', START, START + HOUR)

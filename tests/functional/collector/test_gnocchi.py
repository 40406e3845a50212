"""The Gnocchi collector against a real Gnocchi 4.7.1 (contract §6.2, §6.3).

The cloud (tests.fixtures.gnocchi.gnocchi_cloud) is created through Gnocchi's
API: instances with cpu measures, one resized in the middle of hour 1, a volume
and a network counter, over three hours from W0.
"""
import decimal

import pytest

from cloudkitty.collector import gnocchi, metrics_config
from cloudkitty.common import exception
from tests.fixtures import gnocchi as cloud
from tests.fixtures.collect import make_conf

D = decimal.Decimal
HOUR = cloud.HOUR
H0, H1 = cloud.W0, cloud.W0 + HOUR

METRICS = {
    'cpu': [
        {'unit': 'instance', 'alt_name': 'instance', 'groupby': ['id', 'flavor_id'],
         'metadata': ['flavor_name', 'display_name'],
         'extra_args': {'resource_type': 'instance'}},
        {'unit': 'instance', 'alt_name': 'instance_latest_revision',
         'groupby': ['flavor_id', 'revision_start'],
         'extra_args': {'resource_type': 'instance', 'use_all_resource_revisions': False}},
        {'unit': 'instance', 'alt_name': 'instance_custom',
         'extra_args': {'resource_type': 'instance', 'custom_query':
                        '(aggregate RE_AGGREGATION_METHOD (metric METRIC_NAME '
                        'AGGREGATION_METHOD))'}},
        {'unit': 'instance', 'alt_name': 'instance_fine',
         'extra_args': {'resource_type': 'instance', 'force_granularity': 300}},
        {'unit': 'instance', 'alt_name': 'instance_no_type',
         'extra_args': {'resource_type': 'no_such_type'}},
    ],
    'volume.size': {'unit': 'GiB', 'factor': '1/4', 'offset': 1, 'metadata': ['volume_type'],
                    'extra_args': {'resource_type': 'volume'}},
    'network.outgoing.bytes': {'unit': 'B', 'extra_args': {
        'resource_type': 'instance', 're_aggregation_method': 'rate:max'}},
    'memory': {'unit': 'MiB', 'extra_args': {'resource_type': 'instance'}},
}


@pytest.fixture
def collector(gnocchi_cloud):
    conf = make_conf({
        'collect': {'collector': 'gnocchi'},
        'collector_gnocchi': {'gnocchi_auth_type': 'basic', 'gnocchi_user': 'admin',
                              'gnocchi_endpoint': gnocchi_cloud.url},
    })
    metrics = metrics_config.parse_metrics_config(
        {'metrics': METRICS}, gnocchi.GnocchiCollector.EXTRA_ARGS)
    return gnocchi.GnocchiCollector(conf, metrics)


def by_id(points):
    return {point.groupby['id']: point for point in points}


def test_one_point_per_resource_with_metadata_from_the_resources(collector):
    points = by_id(collector.collect('cpu@#instance', cloud.PROJECT_1, H0, H0 + HOUR))
    assert set(points) == {cloud.INSTANCE_1, cloud.INSTANCE_2}
    first = points[cloud.INSTANCE_1]
    assert first.qty == cloud.hourly_max(cloud.CPU_BASES[cloud.INSTANCE_1], 0) == 15
    assert first.unit == 'instance'
    assert first.groupby == {
        'project_id': cloud.PROJECT_1, 'id': cloud.INSTANCE_1, 'flavor_id': '1',
        'week_of_the_year': '22', 'day_of_the_year': '155', 'month': '6', 'year': '2024'}
    assert first.metadata == {'flavor_name': 'm1.small', 'display_name': 'vm-1'}
    # Metadata is the resource as it is now: instance 2 was resized since.
    assert points[cloud.INSTANCE_2].metadata == {'flavor_name': 'm1.large',
                                                 'display_name': 'vm-2'}
    assert points[cloud.INSTANCE_2].qty == 105


def test_other_scope_sees_only_its_resources(collector):
    points = by_id(collector.collect('cpu@#instance', cloud.PROJECT_2, H1, H1 + HOUR))
    assert {key: point.qty for key, point in points.items()} == {cloud.INSTANCE_3: 211}


def test_every_resource_revision_is_a_point_by_default(collector):
    points = [point for point in collector.collect('cpu@#instance', cloud.PROJECT_1,
                                                   H1, H1 + HOUR)
              if point.groupby['id'] == cloud.INSTANCE_2]
    assert sorted(point.groupby['flavor_id'] for point in points) == ['1', '2']
    # Each revision carries its share of the hour; together they make the hour.
    assert sum(point.qty for point in points) == cloud.hourly_max(100, 1) == 111


def test_without_all_revisions_the_latest_revision_carries_the_sum(collector):
    points = by_id(collector.collect('cpu@#instance_latest_revision', cloud.PROJECT_1,
                                     H1, H1 + HOUR))
    resized = points[cloud.INSTANCE_2]
    assert resized.groupby['flavor_id'] == '2'
    assert resized.groupby['revision_start'].startswith(cloud.RESIZE_AT.strftime('%Y-%m-%dT%H:%M'))
    assert resized.qty == 111
    assert points[cloud.INSTANCE_1].qty == 21


def test_custom_query_placeholders_give_the_default_operation(collector):
    custom = by_id(collector.collect('cpu@#instance_custom', cloud.PROJECT_1, H0, H0 + HOUR))
    assert {key: point.qty for key, point in custom.items()} == {
        cloud.INSTANCE_1: 15, cloud.INSTANCE_2: 105}


def test_factor_offset_and_metadata(collector):
    [point] = collector.collect('volume.size', cloud.PROJECT_1, H0, H0 + HOUR)
    assert point.qty == D('6')  # 20 * 1/4 + 1
    assert point.groupby['id'] == cloud.VOLUME_1
    assert point.metadata == {'volume_type': 'ssd'}


def test_rate_reaggregation_reads_the_previous_granule(collector):
    [point] = collector.collect('network.outgoing.bytes', cloud.PROJECT_1, H1, H1 + HOUR)
    # max of hour 1 minus max of hour 0 of a counter growing by 1000 per step
    assert point.qty == 6 * cloud.BYTES_PER_STEP


@pytest.mark.parametrize('metric, scope, start', [
    ('memory', cloud.PROJECT_1, H0),             # no such metric
    ('cpu@#instance', cloud.PROJECT_EMPTY, H0),  # scope without resources
    ('cpu@#instance', cloud.PROJECT_1, cloud.W0 + 5 * HOUR),  # no measures then
    ('cpu@#instance', cloud.PROJECT_1, cloud.W0 - 48 * HOUR),  # before any revision
])
def test_metric_not_found_is_no_data(collector, metric, scope, start):
    with pytest.raises(exception.NoDataCollected):
        collector.collect(metric, scope, start, start + HOUR)


@pytest.mark.parametrize('metric, message', [
    ('cpu@#instance_fine', 'Granularities are missing'),
    ('cpu@#instance_no_type', 'Resource type does not exist'),
])
def test_other_gnocchi_errors_abort_the_scope(collector, metric, message):
    with pytest.raises(exception.CollectError, match=message):
        collector.collect(metric, cloud.PROJECT_1, H0, H0 + HOUR)

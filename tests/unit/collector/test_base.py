"""Point building shared by every collector (contract §6.1 mutators, §6.2)."""
import datetime
import decimal

import pytest

from cloudkitty.collector import base, get_collector, metrics_config
from cloudkitty.common import exception
from tests.fixtures.collect import make_conf, write_metrics

D = decimal.Decimal


class ListCollector(base.BaseCollector):
    """Returns canned samples, to test what the base class does with them."""

    name = 'list'
    samples: list[base.RawSample] = []

    def fetch(self, definition, scope_id, start, end):
        return list(self.samples)


def collector_for(tmp_path, definition, samples):
    document = {'metrics': {'m': definition}}
    config = metrics_config.parse_metrics_config(document, {}, 'project_id')
    collector = ListCollector(make_conf(), config)
    collector.samples = [base.RawSample(labels, D(value)) for labels, value in samples]
    return collector


@pytest.mark.parametrize('start, expected', [
    (datetime.datetime(2024, 1, 1), {'week_of_the_year': '00', 'day_of_the_year': '1',
                                     'month': '1', 'year': '2024'}),
    (datetime.datetime(2024, 1, 7, 5), {'week_of_the_year': '01', 'day_of_the_year': '7',
                                        'month': '1', 'year': '2024'}),
    (datetime.datetime(2023, 12, 31, 23), {'week_of_the_year': '53',
                                           'day_of_the_year': '365', 'month': '12',
                                           'year': '2023'}),
])
def test_time_groupby(start, expected):
    assert base.time_groupby(start) == expected


@pytest.mark.parametrize('mutator, value, expected', [
    ('NONE', '2.5', D('2.5')),
    ('NUMBOOL', '2.5', 1.0), ('NUMBOOL', '0', 0.0),
    ('NOTNUMBOOL', '0', 1.0), ('NOTNUMBOOL', '-3', 0.0),
    ('FLOOR', '2.7', 2), ('FLOOR', '-2.2', -3),
    ('CEIL', '2.1', 3), ('CEIL', '-2.7', -2),
    ('MAP', '1', 10.0), ('MAP', '2.50', 20.0), ('MAP', '3', 0.0),
])
def test_mutators(mutator, value, expected):
    result = base.mutate(D(value), mutator, {1.0: 10.0, 2.5: 20.0})
    assert result == expected and type(result) is type(expected)


def test_points_carry_groupby_metadata_time_keys_and_converted_qty(tmp_path):
    collector = collector_for(tmp_path, {
        'unit': 'MiB', 'description': 'images', 'factor': '1/1048576', 'offset': 1,
        'groupby': ['id'], 'metadata': ['name', 'missing']},
        [({'id': 'i1', 'name': 'n1', 'project_id': 'other'}, '3145728')])
    start = datetime.datetime(2024, 2, 29, 10)
    [point] = collector.collect('m', 'p1', start, start + datetime.timedelta(hours=1))
    assert point.unit == 'MiB'
    assert point.qty == D(4)
    assert point.price == 0
    assert point.description == 'images'
    assert point.groupby == {'project_id': 'p1', 'id': 'i1', 'week_of_the_year': '08',
                             'day_of_the_year': '60', 'month': '2', 'year': '2024'}
    assert point.metadata == {'name': 'n1', 'missing': ''}


def test_qty_rounded_to_nine_significant_digits_half_up(tmp_path):
    collector = collector_for(tmp_path, {'unit': 'u', 'factor': '3600/1000000'},
                              [({}, '1234.56789012345')])
    start = datetime.datetime(2024, 1, 1)
    [point] = collector.collect('m', 'p', start, start + datetime.timedelta(hours=1))
    # 1234.56789 (9 digits) × 0.0036 = 4.444444404: no float noise left.
    assert point.qty == D('4.44444440')
    collector.samples = [base.RawSample({}, D('1.000000005'))]
    [point] = collector.collect('m', 'p', start, start + datetime.timedelta(hours=1))
    # 1.000000005 rounds half-up to 1.00000001 first (half-even would give 1.00000000).
    assert point.qty == D('0.00360000004')


def test_mutate_applies_after_factor(tmp_path):
    collector = collector_for(tmp_path, {'unit': 'u', 'factor': 2, 'mutate': 'MAP',
                                         'mutate_map': {4: 1}}, [({}, '2'), ({}, '3')])
    start = datetime.datetime(2024, 1, 1)
    points = collector.collect('m', 'p', start, start + datetime.timedelta(hours=1))
    assert [p.qty for p in points] == [D('1.0'), D('0.0')]


def test_no_samples_raises_no_data(tmp_path):
    collector = collector_for(tmp_path, {'unit': 'u'}, [])
    start = datetime.datetime(2024, 1, 1)
    with pytest.raises(exception.NoDataCollected):
        collector.collect('m', 'p', start, start + datetime.timedelta(hours=1))


def test_metric_type_is_alt_name_or_key(tmp_path):
    document = {'metrics': {'a': {'unit': 'u', 'alt_name': 'x'}, 'b': {'unit': 'u'}}}
    config = metrics_config.parse_metrics_config(document, {})
    collector = ListCollector(make_conf(), config)
    assert collector.metric_type('a') == 'x'
    assert collector.metric_type('b') == 'b'


def test_get_collector_loads_the_configured_plugin_and_metrics(tmp_path):
    path = write_metrics(tmp_path, {'metrics': {'m': {'unit': 'u'}}})
    conf = make_conf({'collect': {'collector': 'file', 'metrics_conf': path},
                      'collector_file': {'path': str(tmp_path)}})
    collector = get_collector(conf)
    assert collector.name == 'file'
    assert list(collector.metrics) == ['m']


def test_get_collector_unknown_plugin(tmp_path):
    conf = make_conf({'collect': {'collector': 'nope'}})
    with pytest.raises(exception.ConfigurationError, match=r'\[collect\] collector = nope'):
        get_collector(conf)

"""The file collector: JSON Lines samples rated like any other source."""
import datetime
import decimal
import json
import os

import pytest

from cloudkitty.collector import file as file_collector
from cloudkitty.common import exception
from tests.fixtures.collect import make_conf, write_metrics

D = decimal.Decimal
START = datetime.datetime(2024, 3, 10, 10)
END = START + datetime.timedelta(hours=1)


def write_samples(path, samples):
    with open(path, 'w', encoding='utf-8') as stream:
        for sample in samples:
            stream.write((sample if isinstance(sample, str) else json.dumps(sample)) + '\n')


def sample(metric, when, value, **labels):
    return {'metric': metric, 'time': when, 'value': value, 'labels': labels}


@pytest.fixture
def make_collector(tmp_path):
    def build(metrics, data_path=None, scope_key='project_id'):
        metrics_path = write_metrics(tmp_path, {'metrics': metrics})
        conf = make_conf({
            'collect': {'collector': 'file', 'metrics_conf': metrics_path,
                        'scope_key': scope_key},
            'collector_file': {'path': str(data_path or tmp_path / 'usage')},
        })
        return file_collector.FileCollector(conf)
    (tmp_path / 'usage').mkdir()
    return build


def test_groups_by_groupby_and_metadata_within_the_scope(tmp_path, make_collector):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('vol', '2024-03-10T10:00:00Z', 10, project_id='p1', id='v1', type='ssd'),
        sample('vol', '2024-03-10T10:30:00', 20, project_id='p1', id='v1', type='ssd'),
        sample('vol', '2024-03-10T10:15:00Z', 5, project_id='p1', id='v2'),
        sample('vol', '2024-03-10T10:15:00Z', 99, project_id='p2', id='v3', type='ssd'),
        sample('other', '2024-03-10T10:15:00Z', 99, project_id='p1', id='v1'),
    ])
    collector = make_collector({'vol': {'unit': 'GiB', 'groupby': ['id'],
                                        'metadata': ['type']}})
    points = sorted(collector.collect('vol', 'p1', START, END), key=lambda p: p.groupby['id'])
    assert [(p.groupby['id'], p.metadata, p.qty) for p in points] == [
        ('v1', {'type': 'ssd'}, D(20)), ('v2', {'type': ''}, D(5))]
    assert points[0].groupby == {'project_id': 'p1', 'id': 'v1', 'week_of_the_year': '10',
                                 'day_of_the_year': '70', 'month': '3', 'year': '2024'}


def test_period_is_start_inclusive_end_exclusive(tmp_path, make_collector):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('m', '2024-03-10T09:59:59Z', 1, project_id='p'),
        sample('m', '2024-03-10T10:00:00Z', 2, project_id='p'),
        sample('m', '2024-03-10T11:00:00Z', 4, project_id='p'),
    ])
    collector = make_collector({'m': {'unit': 'u', 'extra_args': {
        'aggregation_method': 'sum'}}})
    [point] = collector.collect('m', 'p', START, END)
    assert point.qty == D(2)


@pytest.mark.parametrize('method, expected', [
    ('max', D(4)), ('min', D('1.5')), ('sum', D('8.5')), ('avg', D('2.83333333')),
    ('count', D(3)),
])
def test_aggregation_methods(tmp_path, make_collector, method, expected):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('m', 1710064800 + offset, value, project_id='p', id='x')
        for offset, value in ((0, 3), (600, 1.5), (1200, 4))])
    collector = make_collector({'m': {'unit': 'u', 'groupby': ['id'], 'extra_args': {
        'aggregation_method': method}}})
    [point] = collector.collect('m', 'p', START, END)
    assert point.qty == expected


def test_factor_offset_and_mutate(tmp_path, make_collector):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('img', '2024-03-10T10:00:00Z', 2147483648, project_id='p', id='i'),
        sample('vm', '2024-03-10T10:00:00Z', 0, project_id='p', id='a'),
        sample('vm', '2024-03-10T10:00:00Z', 7, project_id='p', id='b'),
    ])
    collector = make_collector({
        'img': {'unit': 'GiB', 'factor': '1/1073741824', 'offset': 1},
        'vm': {'unit': 'instance', 'groupby': ['id'], 'mutate': 'NUMBOOL'},
    })
    assert collector.collect('img', 'p', START, END)[0].qty == 3
    points = collector.collect('vm', 'p', START, END)
    assert {p.groupby['id']: p.qty for p in points} == {'a': 0, 'b': 1}


def test_no_data_for_unknown_scope_metric_or_period(tmp_path, make_collector):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('m', '2024-03-10T10:00:00Z', 1, project_id='p')])
    collector = make_collector({'m': {'unit': 'u'}, 'n': {'unit': 'u'}})
    for metric, scope, start in (('m', 'other', START), ('n', 'p', START),
                                 ('m', 'p', END)):
        with pytest.raises(exception.NoDataCollected):
            collector.collect(metric, scope, start, start + datetime.timedelta(hours=1))


def test_custom_scope_key(tmp_path, make_collector):
    write_samples(tmp_path / 'usage' / 'a.jsonl', [
        sample('m', '2024-03-10T10:00:00Z', 1, project_id='p', domain='d')])
    collector = make_collector({'m': {'unit': 'u'}}, scope_key='domain')
    [point] = collector.collect('m', 'd', START, END)
    assert point.groupby['domain'] == 'd' and 'project_id' not in point.groupby


def test_reads_every_jsonl_file_of_a_directory_and_reloads_on_change(tmp_path,
                                                                     make_collector):
    usage = tmp_path / 'usage'
    write_samples(usage / 'a.jsonl', [sample('m', '2024-03-10T10:00:00Z', 1,
                                             project_id='p', id='a')])
    write_samples(usage / 'ignored.txt', [sample('m', '2024-03-10T10:00:00Z', 1,
                                                 project_id='p', id='z')])
    collector = make_collector({'m': {'unit': 'u', 'groupby': ['id']}})
    assert [p.groupby['id'] for p in collector.collect('m', 'p', START, END)] == ['a']
    write_samples(usage / 'b.jsonl', [sample('m', '2024-03-10T10:00:00Z', 1,
                                             project_id='p', id='b')])
    ids = sorted(p.groupby['id'] for p in collector.collect('m', 'p', START, END))
    assert ids == ['a', 'b']
    os.remove(usage / 'a.jsonl')
    assert [p.groupby['id'] for p in collector.collect('m', 'p', START, END)] == ['b']


def test_single_file_path_with_comments_and_blank_lines(tmp_path, make_collector):
    path = tmp_path / 'one.jsonl'
    write_samples(path, ['# exported usage', '',
                         sample('m', '2024-03-10T10:00:00+01:00', 1, project_id='p'),
                         sample('m', '2024-03-10T10:00:00Z', '2.50', project_id='p')])
    collector = make_collector({'m': {'unit': 'u'}}, data_path=path)
    [point] = collector.collect('m', 'p', START, END)
    assert point.qty == D('2.50')


@pytest.mark.parametrize('line, error', [
    ('{"metric": "m", "time": 1', 'not valid JSON'),
    ('[1, 2]', 'expected a JSON object'),
    ('{"metric": "m", "value": 1}', "missing key 'time'"),
    ('{"metric": "", "time": 1, "value": 1}', '"metric" must be a non-empty string'),
    ('{"metric": "m", "time": "yesterday", "value": 1}', "not a valid datetime: 'yesterday'"),
    ('{"metric": "m", "time": 1, "value": "lots"}', "not a number: 'lots'"),
    ('{"metric": "m", "time": 1, "value": 1, "labels": [1]}', '"labels" must be an object'),
])
def test_invalid_line_names_file_and_line(tmp_path, make_collector, line, error):
    path = tmp_path / 'usage' / 'bad.jsonl'
    write_samples(path, [sample('m', 1, 1, project_id='p'), line])
    collector = make_collector({'m': {'unit': 'u'}})
    with pytest.raises(exception.CollectError) as caught:
        collector.collect('m', 'p', START, END)
    assert '%s:2: %s' % (path, error) in str(caught.value)


def test_missing_path_is_a_collect_error(tmp_path, make_collector):
    collector = make_collector({'m': {'unit': 'u'}}, data_path=tmp_path / 'nowhere')
    with pytest.raises(exception.CollectError, match='does not exist'):
        collector.collect('m', 'p', START, END)


def test_index_shared_by_collectors_of_the_same_path(tmp_path, make_collector):
    first = make_collector({'m': {'unit': 'u'}})
    second = make_collector({'m': {'unit': 'u'}})
    assert first.index is second.index

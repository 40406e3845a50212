"""``/v2/summary`` and ``/v2/dataframes`` on v2 SQL storage (contract §2.2, §2.3)."""
from __future__ import annotations

import pytest

from tests.functional.api import storage_data as data

WINDOW = {'begin': '2015-01-01T00:00:00', 'end': '2015-02-01T00:00:00'}


@pytest.fixture
def loaded(client):
    data.push_sample_data(client)
    return client


def test_summary_without_groupby_is_one_row(loaded):
    response = loaded.get('/v2/summary', params=WINDOW)
    assert response.status == 200
    body = response.json
    assert body['format'] == 'table'
    assert body['total'] == 1
    assert body['columns'][:2] == ['begin', 'end']
    row = dict(zip(body['columns'], body['results'][0], strict=True))
    assert row['begin'] == '2015-01-01T00:00:00+00:00'
    assert row['end'] == '2015-02-01T00:00:00+00:00'
    assert row['rate'] == pytest.approx(float(data.expected_total()))
    assert isinstance(row['qty'], float)


def test_summary_groupby_by_repetition_or_commas(loaded):
    repeated = loaded.get('/v2/summary', params=[*WINDOW.items(), ('groupby', 'type'),
                                                 ('groupby', 'project_id')]).json
    commas = loaded.get('/v2/summary', params={**WINDOW,
                                               'groupby': 'type,project_id'}).json
    assert repeated == commas
    assert repeated['total'] == 4
    assert repeated['columns'][-2:] == ['type', 'project_id']
    for values in repeated['results']:
        row = dict(zip(repeated['columns'], values, strict=True))
        assert row['rate'] == pytest.approx(float(
            data.expected_total(row['project_id'], row['type'])))


def test_summary_object_format_and_pagination(loaded):
    response = loaded.get('/v2/summary', params={
        **WINDOW, 'groupby': 'type,project_id', 'response_format': 'object',
        'limit': 1, 'offset': 1})
    body = response.json
    assert body['format'] == 'object'
    assert body['total'] == 4
    assert len(body['results']) == 1
    assert set(body['results'][0]) >= {'begin', 'end', 'qty', 'rate', 'type',
                                       'project_id'}


def test_summary_filters(loaded):
    body = loaded.get('/v2/summary', params={
        **WINDOW, 'filters': 'type:cpu,project_id:%s' % data.TENANT_B}).json
    row = dict(zip(body['columns'], body['results'][0], strict=True))
    assert row['rate'] == pytest.approx(float(data.expected_total(data.TENANT_B, 'cpu')))
    either = loaded.get('/v2/summary', params=[
        *WINDOW.items(), ('filters', 'project_id:%s' % data.TENANT_A),
        ('filters', 'project_id:%s' % data.TENANT_B)]).json
    row = dict(zip(either['columns'], either['results'][0], strict=True))
    assert row['rate'] == pytest.approx(float(data.expected_total()))


def test_summary_old_window_is_empty(loaded):
    body = loaded.get('/v2/summary', params={'begin': '2010-01-01',
                                             'end': '2010-02-01', 'groupby': 'type'}).json
    assert body['total'] == 0
    assert body['columns'] == []
    assert body['results'] == []


@pytest.mark.parametrize('params, message', [
    ({'response_format': 'csv'}, "value must be one of ['object', 'table']"),
    ({'groupby': 'time-x'},
     'Invalid groupby time option. There is no groupby processing for [time-x].'),
    ({'limit': '0'}, 'value must be at least 1'),
    ({'filters': 'novalue'}, 'expected key:value'),
    ({'begin': 'not a date'}, 'not a valid datetime'),
    ({'whatever': '1'}, 'extra keys not allowed'),
])
def test_summary_bad_queries(loaded, params, message):
    response = loaded.get('/v2/summary', params=params)
    assert response.status == 400
    assert message in response.json['message']


def test_dataframes_get(loaded):
    response = loaded.get('/v2/dataframes', params={
        'begin': '2015-01-04T13:00:00', 'end': '2015-01-04T14:00:00',
        'filters': 'project_id:%s' % data.TENANT_B})
    assert response.status == 200
    body = response.json
    assert body['total'] == 4
    [frame] = body['dataframes']
    assert frame['period'] == {'begin': '2015-01-04T13:00:00+00:00',
                               'end': '2015-01-04T14:00:00+00:00'}
    assert list(frame['usage']) == ['cpu', 'image.size']
    point = frame['usage']['cpu'][0]
    assert point == {'vol': {'unit': 'nothing', 'qty': 1.0},
                     'rating': {'price': 1.337},
                     'groupby': {'fake_meta': 1.0, 'project_id': data.TENANT_B},
                     'metadata': {'dummy': True}}


def test_dataframes_pagination_counts_points(loaded):
    body = loaded.get('/v2/dataframes', params={**WINDOW, 'limit': 3}).json
    assert body['total'] == 4 * (data.PERIODS[data.TENANT_A] + data.PERIODS[data.TENANT_B])
    assert sum(len(points) for frame in body['dataframes']
               for points in frame['usage'].values()) == 3


def test_dataframes_type_filter_and_not_found(loaded):
    body = loaded.get('/v2/dataframes', params={**WINDOW, 'filters': 'type:image.size'}
                      ).json
    assert {key for frame in body['dataframes'] for key in frame['usage']} == \
        {'image.size'}
    missing = loaded.get('/v2/dataframes', params={**WINDOW, 'filters': 'type:nope'})
    assert missing.status == 404
    assert missing.json == {'message': 'No resource found for provided filters.'}


def test_dataframes_repeated_filter_key_is_400(loaded):
    response = loaded.get('/v2/dataframes', params={'filters': 'type:a,type:b'})
    assert response.status == 400
    assert 'key type already provided' in response.json['message']


def _frame(begin='20190723T122810Z', end='2019-07-23T13:28:10+00:00'):
    return {'period': {'begin': begin, 'end': end},
            'usage': {'metric_one': [{'vol': {'unit': 'GiB', 'qty': '1.2'},
                                      'rating': {'price': 0.04},
                                      'groupby': {'project_id': 'p1'},
                                      'metadata': {'flavor': 'm1'}}],
                      'metric_two': [{'vol': {'unit': 'MB', 'qty': 200},
                                      'groupby': {'project_id': 'p1'},
                                      'metadata': {}}]}}


def test_dataframes_post_then_get(client):
    response = client.post('/v2/dataframes', json={'dataframes': [_frame()]})
    assert response.status == 204
    assert response.text == ''
    body = client.get('/v2/dataframes', params={'begin': '2019-07-23T00:00:00',
                                                'end': '2019-07-24T00:00:00'}).json
    assert body['total'] == 2
    usage = body['dataframes'][0]['usage']
    assert usage['metric_one'][0]['vol'] == {'unit': 'GiB', 'qty': 1.2}
    assert usage['metric_one'][0]['rating'] == {'price': 0.04}
    assert usage['metric_two'][0]['rating'] == {'price': 0.0}


@pytest.mark.parametrize('body, message', [
    ({'dataframes': []}, 'Parameter dataframes must not be empty.'),
    ({}, 'required key not provided'),
    ({'dataframes': 'x'}, 'Invalid data'),
    ({'dataframes': [{'usage': {}}]}, 'not a valid value'),
    ({'dataframes': [_frame(begin='garbage')]}, 'not a valid value'),
    ({'dataframes': [{'period': {'begin': '2019-01-01', 'end': '2019-01-01'},
                      'usage': {'a': [{'vol': {'unit': 'x'}}]}}]}, 'not a valid value'),
    ({'dataframes': [_frame()], 'extra': 1}, 'extra keys not allowed'),
])
def test_dataframes_post_errors(client, body, message):
    response = client.post('/v2/dataframes', json=body)
    assert response.status == 400
    assert message in response.json['message']


def test_dataframes_post_error_names_the_frame(client):
    response = client.post('/v2/dataframes', json={'dataframes': [_frame(), {}]})
    assert response.status == 400
    assert "(path: '['dataframes', 1]')" in response.json['message']

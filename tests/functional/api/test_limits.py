"""Absurd sizes and values get a clear 4xx, never a 500 or a hang.

Bodies over ``[api] max_request_body_size`` (413, also when chunked), limits
and offsets out of range or not integers, windows whose begin is after their
end, dates outside 1970-9000, ten thousand filter values, and text no database
can hold (NUL characters, unpaired surrogates). Requests that hit the SQL
databases run on SQLite, PostgreSQL and MariaDB.
"""
from __future__ import annotations

import pytest
import requests

from tests.fixtures import live_api
from tests.fixtures.api import api_conf, build_client
from tests.functional.api import storage_data as data
from tests.functional.api.conftest import FakeProcessors

WINDOW = {'begin': '2015-01-01T00:00:00', 'end': '2015-02-01T00:00:00'}
HASHMAP = '/v1/rating/module_config/hashmap'
PAGINATED = ['/v2/summary', '/v2/dataframes', '/v2/scope', '/v2/task/reprocesses']
MAX_BODY = 2048
#: Seconds after which a request counts as hung (the test fails, no timing is asserted).
HANG = 60


@pytest.fixture
def loaded(db):
    client = build_client(db, rpc=FakeProcessors())
    data.push_sample_data(client)
    for tenant in (data.TENANT_A, data.TENANT_B):
        client.post('/v2/scope', json={'scope_id': tenant,
                                       'last_processed_timestamp': '2015-01-05'})
    return client


@pytest.fixture
def small_body_server(sqlite_db):
    """The paste pipeline on a real socket, accepting bodies up to MAX_BODY bytes."""
    with live_api.serving(api_conf(sqlite_db, api={'max_request_body_size': MAX_BODY})) as url:
        yield url


def _message(response) -> str:
    body = response.json
    return body.get('message') or body.get('faultstring') or body.get('description')


# --- bodies -----------------------------------------------------------------

@pytest.mark.parametrize('method, path', [
    ('POST', '/v2/dataframes'), ('PUT', '/v2/scope'), ('POST', HASHMAP + '/services'),
    ('POST', '/v1/rating/quote'), ('PUT', '/v1/rating/modules/hashmap')])
def test_oversized_body_is_413(small_body_server, method, path):
    body = b'{"name": "%s"}' % (b'x' * MAX_BODY)
    expected = {'code': 413, 'title': 'Request Entity Too Large',
                'description': 'Request body larger than %d bytes.' % MAX_BODY}

    sized = requests.request(method, small_body_server + path, data=body, timeout=HANG,
                             headers={'Content-Type': 'application/json'})
    chunked = requests.request(method, small_body_server + path, timeout=HANG,
                               data=iter([body[:1000], body[1000:]]),
                               headers={'Content-Type': 'application/json'})

    assert (sized.status_code, sized.json()) == (413, expected)
    assert (chunked.status_code, chunked.json()) == (413, expected)


def test_body_under_the_limit_is_served(small_body_server):
    response = requests.post(small_body_server + HASHMAP + '/services',
                             json={'name': 'x' * 200}, timeout=HANG)

    assert response.status_code == 201, response.text


# --- pagination -------------------------------------------------------------

@pytest.mark.parametrize('path', PAGINATED)
@pytest.mark.parametrize('params, reason', [
    ({'limit': 10 ** 12}, 'value must be at most 1000000'),
    ({'limit': 0}, 'value must be at least 1'),
    ({'limit': -5}, 'value must be at least 1'),
    ({'limit': '2.5'}, 'expected int'),
    ({'limit': 'all'}, 'expected int'),
    ({'offset': -1}, 'value must be at least 0'),
    ({'offset': 10 ** 12}, 'value must be at most 2147483647'),
    ({'offset': '1e3'}, 'expected int'),
])
def test_absurd_limit_or_offset_is_400(api_client, path, params, reason):
    response = api_client.get(path, params=params)

    assert response.status == 400
    key = next(iter(params))
    assert _message(response) == "Invalid data '{'%s': ['%s']}' : %s (path: '['%s']')" % (
        key, params[key], reason, key)


def test_largest_offset_is_an_empty_page(loaded):
    huge = {**WINDOW, 'offset': 2 ** 31 - 1}

    summary = loaded.get('/v2/summary', params={**huge, 'groupby': 'project_id'})
    frames = loaded.get('/v2/dataframes', params=huge)
    scopes = loaded.get('/v2/scope', params={'offset': 2 ** 31 - 1})

    assert (summary.status, summary.json['total'], summary.json['results']) == (200, 2, [])
    assert (frames.status, frames.json['total'], frames.json['dataframes']) == (200, 24, [])
    assert scopes.status == 404


def test_largest_limit_returns_everything(loaded):
    body = loaded.get('/v2/dataframes', params={**WINDOW, 'limit': 10 ** 6}).json

    assert sum(len(points) for frame in body['dataframes']
               for points in frame['usage'].values()) == body['total'] == 24


# --- windows and dates ----------------------------------------------------------

@pytest.mark.parametrize('path', ['/v2/summary', '/v2/dataframes'])
def test_v2_begin_after_end_is_400(api_client, path):
    response = api_client.get(path, params={'begin': '2015-02-01', 'end': '2015-01-01'})

    assert response.status == 400
    assert _message(response) == ('begin (2015-02-01T00:00:00+00:00) must not be after '
                                  'end (2015-01-01T00:00:00+00:00).')


def test_v2_begin_after_the_default_end_is_400(api_client):
    response = api_client.get('/v2/summary', params={'begin': '8000-01-01'})

    assert response.status == 400
    assert _message(response).startswith('begin (8000-01-01T00:00:00+00:00) must not be '
                                         'after end (')


def test_v1_begin_after_end_is_empty_as_the_contract_says(loaded):
    reversed_window = {'begin': '2015-02-01', 'end': '2015-01-01'}

    assert loaded.get('/v1/report/total', params={**reversed_window,
                                                  'all_tenants': 'true'}).json == '0'
    assert loaded.get('/v1/storage/dataframes', params=reversed_window).json == {
        'dataframes': []}


@pytest.mark.parametrize('value', ['0001-01-01', '1969-12-31T23:59:59', '9001-01-01',
                                   '99999-01-01', '9999-12-31T23:59:59-14:00'])
@pytest.mark.parametrize('path', ['/v2/summary', '/v2/dataframes', '/v1/report/total',
                                  '/v1/report/summary', '/v1/storage/dataframes',
                                  HASHMAP + '/mappings'])
def test_date_out_of_range_is_400(api_client, path, value):
    name = 'start' if path.startswith(HASHMAP) else 'begin'
    response = api_client.get(path, params={name: value})

    assert response.status == 400, response.text
    assert 'out of range' in _message(response) or (
        'not a valid datetime: %s' % value) in _message(response)


def test_pushed_points_out_of_range_are_400(api_client):
    def push(begin: str, qty, price=1) -> tuple[int, str]:
        response = api_client.post('/v2/dataframes', json={'dataframes': [{
            'period': {'begin': begin, 'end': '2015-01-01T01:00:00'},
            'usage': {'cpu': [{'vol': {'unit': 'u', 'qty': qty}, 'rating': {'price': price},
                               'groupby': {}, 'metadata': {}}]}}]})
        return response.status, _message(response) if response.status != 204 else ''

    status, message = push('2015-01-01T00:00:00', 1e30)
    assert status == 400
    assert 'qty must be below 1e22 and price below 1e12' in message
    assert push('2015-01-01T00:00:00', 1, '1e12')[0] == 400
    assert push('0900-01-01T00:00:00', 1)[0] == 400
    assert push('2015-01-01T00:00:00', '9' * 21, '9' * 11)[0] == 204


# --- many values -------------------------------------------------------------

TOO_MANY = '10000 values given, at most 1000 are accepted'


def test_ten_thousand_filter_values_are_400(api_client):
    values = ['project_id:p%d' % index for index in range(10000)]

    repeated = api_client.get('/v2/summary', params=[('filters', value) for value in values])
    commas = api_client.get('/v2/summary', params={'filters': ','.join(values)})
    groupby = api_client.get('/v2/summary', params={
        'groupby': ','.join('k%d' % index for index in range(10000))})
    frames = api_client.get('/v2/dataframes', params={
        'filters': ','.join('k%d:v' % index for index in range(10000))})
    scopes = api_client.get('/v2/scope', params={'scope_id': ['s%d' % index
                                                              for index in range(10000)]})

    for response in (repeated, commas, groupby, frames, scopes):
        assert response.status == 400
        assert TOO_MANY in _message(response)
        assert len(_message(response)) < 400


def test_ten_thousand_ids_in_a_body_are_400(api_client):
    ids = ['s%d' % index for index in range(10000)]

    reset = api_client.put('/v2/scope', json={'scope_id': ids,
                                              'last_processed_timestamp': '2015-01-01'})
    tasks = api_client.post('/v2/task/reprocesses', json={
        'scope_ids': ids, 'reason': 'x', 'start_reprocess_time': '2015-01-01',
        'end_reprocess_time': '2015-01-02'})

    for response in (reset, tasks):
        assert response.status == 400
        assert TOO_MANY in _message(response)


def test_a_thousand_filter_values_are_served(loaded):
    """The most values accepted still run on every database (bound parameters)."""
    decoys = ['project_id:decoy-%d' % index for index in range(999)]

    summary = loaded.get('/v2/summary', params=[
        *WINDOW.items(), ('groupby', 'project_id'),
        *[('filters', value) for value in [*decoys, 'project_id:' + data.TENANT_B]]])
    frames = loaded.get('/v2/scope', params={'scope_id': ','.join(
        ['decoy-%d' % index for index in range(999)] + [data.TENANT_A])})

    assert summary.status == 200, summary.text
    assert [row[-1] for row in summary.json['results']] == [data.TENANT_B]
    assert [scope['scope_id'] for scope in frames.json['results']] == [data.TENANT_A]


# --- text no database takes --------------------------------------------------------

@pytest.mark.parametrize('method, path, kwargs', [
    ('POST', HASHMAP + '/services', {'json': {'name': 'a\x00b'}}),
    ('POST', HASHMAP + '/services', {'body': '{"name": "a\\ud800b"}'}),
    ('GET', HASHMAP + '/services/a%00b', {}),
    ('GET', HASHMAP + '/mappings?description=a%00b', {}),
    ('PUT', '/v1/collector/states/a%00', {'json': {'enabled': True}}),
    ('GET', '/v1/storage/dataframes?tenant_id=a%00b', {}),
    ('GET', '/v1/report/total?tenant_id=a%00b', {}),
    ('GET', '/v2/summary?filters=project_id:a%00b', {}),
    ('GET', '/v2/summary?groupby=a%00b', {}),
    ('GET', '/v2/dataframes?filters=a%00:b', {}),
    ('GET', '/v2/scope?scope_id=a%00b', {}),
    ('POST', '/v2/scope', {'json': {'scope_id': 'a\x00',
                                    'last_processed_timestamp': '2015-01-01'}}),
    ('POST', '/v2/task/reprocesses', {'json': {
        'scope_ids': 'a\x00', 'reason': 'r', 'start_reprocess_time': '2015-01-01',
        'end_reprocess_time': '2015-01-02'}}),
    ('POST', '/v2/dataframes', {'body': '{"dataframes": [{"period": {"begin": '
                                        '"2015-01-01T00:00:00", "end": "2015-01-01T01:00:00"}, '
                                        '"usage": {"cpu": [{"vol": {"unit": "u", "qty": 1}, '
                                        '"groupby": {"project_id": "\\ud800"}, '
                                        '"metadata": {}}]}}]}'}),
])
def test_text_no_database_can_hold_is_400(loaded, method, path, kwargs):
    response = loaded.request(method, path, **kwargs)

    assert response.status == 400, response.text
    assert _message(response) in (
        'Invalid input: NUL characters are not accepted.',
        'Invalid input: unpaired UTF-16 surrogates are not valid text.')


def test_query_string_that_is_not_utf8_is_400(api_client):
    for path in ('/v2/summary?filters=project_id:%ff%fe', '/v1/report/total?tenant_id=%ff'):
        assert api_client.get(path).status == 400


@pytest.mark.parametrize('path', ['/v2/dataframes', HASHMAP + '/services'])
def test_deeply_nested_json_body_is_400(api_client, path):
    response = api_client.post(path, body='[' * 100000 + ']' * 100000)

    assert response.status == 400
    assert _message(response) == 'Invalid input: the JSON body is nested too deeply.'

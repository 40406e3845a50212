"""Keystone mode: policies and tenant restrictions (contract §8).

keystonemiddleware is not in the loop: the headers it would set for a valid
token are sent directly (tests.fixtures.api.keystone_headers).
"""
from __future__ import annotations

import decimal

import pytest

from tests.fixtures.api import keystone_headers
from tests.functional.api import storage_data as data

WINDOW = {'begin': '2015-01-01', 'end': '2015-02-01'}
READER_A = keystone_headers(data.TENANT_A, roles='reader')
ADMIN = keystone_headers('admin-project', roles='admin,reader')


@pytest.fixture
def keystone(sqlite_db, make_api_client, processors):
    client = make_api_client(sqlite_db, rpc=processors, auth_strategy='keystone')
    data.push_sample_data(client)
    return client


def _tenants_of_v1_frames(response):
    return {resource['desc']['project_id'] for frame in response.json['dataframes']
            for resource in frame['resources']}


def test_reader_sees_only_own_v1_dataframes(keystone):
    own = keystone.get('/v1/storage/dataframes', params=WINDOW, headers=READER_A)
    assert own.status == 200
    assert _tenants_of_v1_frames(own) == {data.TENANT_A}
    other = keystone.get('/v1/storage/dataframes',
                         params={**WINDOW, 'tenant_id': data.TENANT_B}, headers=READER_A)
    assert other.status == 200
    assert _tenants_of_v1_frames(other) == {data.TENANT_A}


def test_admin_sees_every_v1_dataframe(keystone):
    response = keystone.get('/v1/storage/dataframes', params=WINDOW, headers=ADMIN)
    assert _tenants_of_v1_frames(response) == {data.TENANT_A, data.TENANT_B}


def test_reader_cannot_total_another_project(keystone):
    own = keystone.get('/v1/report/total', params=WINDOW, headers=READER_A)
    assert own.status == 200
    assert decimal.Decimal(own.json) == data.expected_total(data.TENANT_A)
    other = keystone.get('/v1/report/total',
                         params={**WINDOW, 'tenant_id': data.TENANT_B}, headers=READER_A)
    assert other.status == 403
    assert other.json == {'faultcode': 'Client', 'debuginfo': None,
                          'faultstring': "Policy doesn't allow report:get_total to be "
                                         'performed.'}
    everyone = keystone.get('/v1/report/summary',
                            params={**WINDOW, 'all_tenants': 'true'}, headers=READER_A)
    assert everyone.status == 403


def test_admin_totals_every_project(keystone):
    response = keystone.get('/v1/report/total', params={**WINDOW, 'all_tenants': 'true'},
                            headers=ADMIN)
    assert decimal.Decimal(response.json) == data.expected_total()


def test_reader_v2_summary_and_dataframes_are_forced_to_own_project(keystone):
    summary = keystone.get('/v2/summary', headers=READER_A, params={
        **WINDOW, 'groupby': 'project_id',
        'filters': 'project_id:%s' % data.TENANT_B})
    assert summary.status == 200
    projects = {row[summary.json['columns'].index('project_id')]
                for row in summary.json['results']}
    assert projects == {data.TENANT_A}
    frames = keystone.get('/v2/dataframes', headers=READER_A, params={
        **WINDOW, 'filters': 'project_id:%s' % data.TENANT_B})
    assert frames.status == 200
    assert {point['groupby']['project_id'] for frame in frames.json['dataframes']
            for points in frame['usage'].values() for point in points} == {data.TENANT_A}


def test_caller_without_project_gets_nothing(keystone):
    headers = keystone_headers('', roles='reader')
    del headers['X-Project-Id']
    summary = keystone.get('/v2/summary', headers=headers, params=WINDOW)
    assert summary.json == {'total': 0, 'columns': [], 'results': []}
    frames = keystone.get('/v2/dataframes', headers=headers, params=WINDOW)
    assert frames.json == {'total': 0, 'dataframes': []}
    v1_frames = keystone.get('/v1/storage/dataframes', headers=headers, params=WINDOW)
    assert v1_frames.json == {'dataframes': []}


@pytest.mark.parametrize('method, path', [
    ('get', '/v1/rating/modules'),
    ('get', '/v1/collector/mappings'),
    ('get', '/v1/report/tenants'),
    ('get', '/v2/scope'),
    ('get', '/v2/task/reprocesses'),
    ('get', '/v2/rating/modules/noop'),
    ('post', '/v2/dataframes'),
])
def test_admin_only_routes_refuse_readers(keystone, method, path):
    response = getattr(keystone, method)(path, headers=READER_A)
    assert response.status == 403
    if path.startswith('/v2'):
        assert response.json == {'message': 'You are not authorized to perform this '
                                            'action'}
    else:
        assert response.json['faultcode'] == 'Client'


def test_admin_only_routes_accept_admins(keystone):
    assert keystone.get('/v1/rating/modules', headers=ADMIN).status == 200
    assert keystone.get('/v2/task/reprocesses', headers=ADMIN).status == 200


def test_v2_module_list_is_not_enforced(keystone):
    assert keystone.get('/v2/rating/modules', headers=READER_A).status == 200


def test_module_config_denial_has_pecan_shape(keystone):
    response = keystone.get('/v1/rating/module_config/hashmap/services',
                            headers=READER_A)
    assert response.status == 403
    assert response.json == {
        'code': 403, 'title': 'Forbidden',
        'description': "Policy doesn't allow rating:module_config to be performed."}
    assert keystone.get('/v1/rating/module_config/hashmap/services',
                        headers=ADMIN).status == 200
    assert keystone.get('/v1/rating/reload_modules', headers=READER_A).status == 403


def test_info_and_quote_are_open_to_any_authenticated_user(keystone):
    assert keystone.get('/v1/info/metrics', headers=READER_A).status == 200
    quote = keystone.post('/v1/rating/quote', headers=READER_A,
                          json={'resources': [{'service': 'cpu', 'volume': 1}]})
    assert quote.status == 200


def test_public_routes_through_authtoken(sqlite_db):
    """The real paste pipeline: only /, /v1 and /v2 answer without a token."""
    from keystonemiddleware import opts as authtoken_opts

    from cloudkitty.api import app as api_app
    from tests.fixtures.api import ApiClient, api_conf
    conf = api_conf(sqlite_db, auth_strategy='keystone')
    for group, options in authtoken_opts.list_auth_token_opts():
        conf.register_opts(options, group=group)
    conf.set_override('www_authenticate_uri', 'http://127.0.0.1:9/identity',
                      group='keystone_authtoken')
    client = ApiClient(api_app.load_app(conf), conf, sqlite_db)
    assert client.get('/').status == 200
    assert client.get('/v1/').status == 405
    assert client.get('/v2').status == 404
    assert client.get('/v1/rating/modules').status == 401
    # Forged identity headers do not help without a token.
    assert client.get('/v1/rating/modules', headers=ADMIN | {'X-Auth-Token': ''}
                      ).status == 401


def test_identity_headers_without_a_confirmed_token_are_ignored(keystone):
    forged = dict(ADMIN, **{'X-Identity-Status': 'Invalid'})
    assert keystone.get('/v1/rating/modules', headers=forged).status == 403
    del forged['X-Identity-Status']
    assert keystone.get('/v2/scope', headers=forged).status == 403

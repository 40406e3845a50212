"""``/v1/report`` and ``/v1/storage`` on v2 SQL storage (contract §1.6, §1.7)."""
from __future__ import annotations

import decimal

import pytest

from tests.functional.api import storage_data as data

WINDOW = {'begin': '2015-01-01', 'end': '2015-02-01'}


@pytest.fixture
def loaded(client):
    data.push_sample_data(client)
    return client


def test_total_all_tenants(loaded):
    response = loaded.get('/v1/report/total', params={**WINDOW, 'all_tenants': 'true'})
    assert response.status == 200
    assert decimal.Decimal(response.json) == data.expected_total()


@pytest.mark.parametrize('tenant', [data.TENANT_A, data.TENANT_B])
def test_total_per_tenant(loaded, tenant):
    response = loaded.get('/v1/report/total', params={**WINDOW, 'tenant_id': tenant})
    assert decimal.Decimal(response.json) == data.expected_total(tenant)


def test_total_per_service_and_tenant(loaded):
    response = loaded.get('/v1/report/total', params={
        **WINDOW, 'tenant_id': data.TENANT_B, 'service': 'cpu'})
    assert decimal.Decimal(response.json) == data.expected_total(data.TENANT_B, 'cpu')


def test_total_is_a_json_string_and_zero_without_data(loaded):
    response = loaded.get('/v1/report/total', params={'begin': '2015-02-01',
                                                      'end': '2015-01-01',
                                                      'all_tenants': 'True'})
    assert response.json == '0'
    empty = loaded.get('/v1/report/total',
                       params={'begin': '2010-01-01', 'end': '2010-02-01',
                               'all_tenants': '1'})
    assert decimal.Decimal(empty.json) == 0


def test_space_separated_datetimes_with_offset(loaded):
    response = loaded.get('/v1/report/total', params={
        'begin': '2015-01-01 00:00:00+00:00', 'end': '2015-02-01 00:00:00',
        'all_tenants': 'true'})
    assert decimal.Decimal(response.json) == data.expected_total()


def test_garbage_datetime_is_400(loaded):
    response = loaded.get('/v1/report/total', params={'begin': 'garbage'})
    assert response.status == 400
    assert response.json['faultstring'] == (
        "Invalid input for field/attribute begin. Value: 'garbage'. unable to convert "
        'to datetime. Error: Unknown string format: garbage')


def test_garbage_boolean_is_400(loaded):
    response = loaded.get('/v1/report/total', params={'all_tenants': 'maybe'})
    assert response.status == 400


def test_summary_without_groupby(loaded):
    response = loaded.get('/v1/report/summary', params={**WINDOW, 'all_tenants': 'true'})
    assert response.status == 200
    [row] = response.json['summary']
    assert row['begin'] == '2015-01-01T00:00:00'
    assert row['end'] == '2015-02-01T00:00:00'
    assert (row['tenant_id'], row['res_type']) == ('ALL', 'ALL')
    assert decimal.Decimal(row['rate']) == data.expected_total()


def test_summary_grouped_by_tenant_and_type(loaded):
    response = loaded.get('/v1/report/summary', params={
        **WINDOW, 'all_tenants': 'true', 'groupby': 'res_type,tenant_id'})
    rows = response.json['summary']
    assert len(rows) == 4
    for row in rows:
        assert decimal.Decimal(row['rate']) == data.expected_total(row['tenant_id'],
                                                                   row['res_type'])


def test_summary_filtered_tenant_shows_all(loaded):
    response = loaded.get('/v1/report/summary', params={**WINDOW,
                                                        'tenant_id': data.TENANT_B})
    [row] = response.json['summary']
    assert row['tenant_id'] == 'ALL'
    assert decimal.Decimal(row['rate']) == data.expected_total(data.TENANT_B)


def test_tenants_lists_scopes_of_the_state_table(loaded):
    loaded.post('/v2/scope', json={'scope_id': 'scope-1',
                                   'last_processed_timestamp': '2019-01-01T00:00:00'})
    response = loaded.get('/v1/report/tenants', params=WINDOW)
    assert response.status == 200
    assert response.json == ['scope-1']


def test_dataframes_per_period_and_type(loaded):
    response = loaded.get('/v1/storage/dataframes', params={
        'begin': '2015-01-04T13:00:00', 'end': '2015-01-04T14:00:00',
        'tenant_id': data.TENANT_B})
    assert response.status == 200
    frames = response.json['dataframes']
    assert len(frames) == 2
    cpu = [frame for frame in frames if frame['resources'][0]['service'] == 'cpu'][0]
    assert cpu['begin'] == '2015-01-04T13:00:00'
    assert cpu['end'] == '2015-01-04T14:00:00'
    assert cpu['tenant_id'] == data.TENANT_B
    resource = cpu['resources'][0]
    assert decimal.Decimal(resource['volume']) == 1
    assert decimal.Decimal(resource['rating']) == decimal.Decimal('1.337')
    assert isinstance(resource['rating'], str)
    assert resource['desc'] == {'dummy': True, 'fake_meta': 1.0,
                                'project_id': data.TENANT_B}


def test_dataframes_filters(loaded):
    all_frames = loaded.get('/v1/storage/dataframes', params=WINDOW).json['dataframes']
    # v2 storage: one item per (period, type), holding every tenant's points.
    assert len(all_frames) == 2 * max(data.PERIODS.values())
    assert sorted(len(frame['resources']) for frame in all_frames) == [2] * 4 + [4] * 4
    images = loaded.get('/v1/storage/dataframes', params={
        **WINDOW, 'resource_type': 'image.size'}).json['dataframes']
    assert {frame['resources'][0]['service'] for frame in images} == {'image.size'}
    assert loaded.get('/v1/storage/dataframes', params={
        **WINDOW, 'resource_type': 'unknown'}).json == {'dataframes': []}
    assert loaded.get('/v1/storage/dataframes', params={
        'begin': '2015-02-01', 'end': '2015-01-01'}).json == {'dataframes': []}

"""v1 report/storage routes on the deprecated v1 SQL storage (contract §1.6, §1.7)."""
from __future__ import annotations

import decimal

import pytest

from tests.functional.api import storage_data as data

WINDOW = {'begin': '2015-01-01', 'end': '2015-02-01'}


@pytest.fixture
def v1_client(sqlite_db, make_api_client, processors):
    client = make_api_client(sqlite_db, rpc=processors, storage={'version': 1})
    data.push_sample_data(client)
    return client


def test_dataframes_are_one_item_per_stored_point(v1_client):
    response = v1_client.get('/v1/storage/dataframes', params={
        'begin': '2015-01-04T13:00:00', 'end': '2015-01-04T14:00:00',
        'tenant_id': data.TENANT_B})
    assert response.status == 200
    frames = response.json['dataframes']
    assert len(frames) == 4
    for frame in frames:
        [resource] = frame['resources']
        assert frame['tenant_id'] == data.TENANT_B
        assert resource['desc']['tenant_id'] == data.TENANT_B
        assert decimal.Decimal(resource['rating']) == data.PRICES[resource['service']]


def test_tenants_in_window(v1_client):
    tenants = v1_client.get('/v1/report/tenants', params=WINDOW).json
    assert sorted(tenants) == sorted(data.PERIODS)
    assert v1_client.get('/v1/report/tenants', params={
        'begin': '2016-01-01', 'end': '2016-02-01'}).json == []


def test_totals_and_summary(v1_client):
    total = v1_client.get('/v1/report/total', params={**WINDOW, 'all_tenants': 'true'})
    assert decimal.Decimal(total.json) == data.expected_total()
    rows = v1_client.get('/v1/report/summary', params={
        **WINDOW, 'all_tenants': 'true', 'groupby': 'tenant_id'}).json['summary']
    assert sorted((row['tenant_id'], decimal.Decimal(row['rate'])) for row in rows) == \
        sorted((tenant, data.expected_total(tenant)) for tenant in data.PERIODS)

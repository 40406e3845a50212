"""``/v2/summary`` and ``/v2/dataframes`` served from a real InfluxDB (§2.2, §7.3)."""
from __future__ import annotations

import pytest

from tests.fixtures.api import build_client
from tests.functional.api import storage_data as data

WINDOW = {'begin': '2015-01-01T00:00:00', 'end': '2015-02-01T00:00:00'}


@pytest.fixture
def loaded(sqlite_db, influxdb_server, influxdb_database):
    client = build_client(sqlite_db, storage={'backend': 'influxdb'}, storage_influxdb={
        'host': influxdb_server.host, 'port': influxdb_server.port,
        'database': influxdb_database})
    data.push_sample_data(client)
    return client


def test_summary_groupby_type_and_project(loaded):
    body = loaded.get('/v2/summary', params={**WINDOW, 'groupby': 'type,project_id'}).json

    assert body['columns'] == ['begin', 'end', 'qty', 'rate', 'type', 'project_id']
    assert [(row[4], row[5], row[3]) for row in body['results']] == [
        (metric_type, tenant, float(data.expected_total(tenant, metric_type)))
        for metric_type in ('cpu', 'image.size') for tenant in (data.TENANT_B, data.TENANT_A)]


def test_summary_custom_fields_name_the_columns(loaded):
    body = loaded.get('/v2/summary', params={
        **WINDOW, 'groupby': 'project_id',
        'custom_fields': 'SUM(price) AS cost, COUNT(qty) AS points'}).json

    assert body['columns'] == ['begin', 'end', 'cost', 'points', 'project_id']
    assert [row[2:] for row in body['results']] == [
        [float(data.expected_total(data.TENANT_B)), 8, data.TENANT_B],
        [float(data.expected_total(data.TENANT_A)), 16, data.TENANT_A]]


@pytest.mark.parametrize('custom_fields, message', [
    ('SUM(qty) AS qty; DROP DATABASE cloudkitty',
     "custom_fields must be a select list; 'SUM(qty) AS qty; DROP DATABASE cloudkitty' "
     'contains the forbidden keyword drop.'),
    ('qty', "Invalid custom_fields item 'qty': expected FUNCTION(field) AS alias, "
            'for example SUM(qty) AS qty.'),
])
def test_summary_rejects_custom_fields_that_are_not_a_select_list(loaded, custom_fields,
                                                                   message):
    response = loaded.get('/v2/summary', params={**WINDOW, 'custom_fields': custom_fields})

    assert response.status == 400
    assert response.json['message'] == message


def test_dataframes_come_back_from_influxdb(loaded):
    body = loaded.get('/v2/dataframes', params={
        **WINDOW, 'filters': 'project_id:%s' % data.TENANT_B, 'limit': 3}).json

    assert body['total'] == 8
    [frame] = body['dataframes']
    assert frame['period'] == {'begin': '2015-01-04T13:00:00+00:00',
                               'end': '2015-01-04T14:00:00+00:00'}
    assert [(metric_type, point['rating']['price'], point['groupby'])
            for metric_type, points in frame['usage'].items() for point in points] == [
        ('cpu', 1.337, {'fake_meta': 1.0, 'project_id': data.TENANT_B}),
        ('cpu', 1.337, {'fake_meta': 1.0, 'project_id': data.TENANT_B}),
        ('image.size', 0.121, {'fake_meta': 1.0, 'project_id': data.TENANT_B})]

"""SQL and InfluxQL injection attempts through every user-controlled text of the API.

Each payload goes where a caller controls text that reaches a query: filter
keys and values, groupby keys, ``custom_fields``, ordering, scope ids, tenant
ids, resource types and hashmap ids or descriptions. On SQLite, PostgreSQL and
MariaDB (and InfluxDB for the rated data) the answer is a 4xx or the payload is
taken as plain data: it matches nothing, or only what the same literal text
would, and afterwards every table and every stored point is still there.
"""
from __future__ import annotations

import re
import urllib.parse

import pytest
import sqlalchemy as sa

from tests.fixtures.api import build_client
from tests.functional.api import storage_data as data
from tests.functional.api.conftest import FakeProcessors

WINDOW = {'begin': '2015-01-01T00:00:00', 'end': '2015-02-01T00:00:00'}
HASHMAP = '/v1/rating/module_config/hashmap'

#: Classic payloads: quote breaking, comments, stacked statements, tautologies,
#: LIKE wildcards, InfluxQL regex and identifier breaking, JSON path breaking.
PAYLOADS = [
    "' OR '1'='1",
    "x' OR 1=1 --",
    "'; DROP TABLE storage_rated_points; --",
    "'); DELETE FROM hashmap_services; --",
    '" OR ""="',
    '"; DROP MEASUREMENT dataframes; --',
    "\\'; DROP TABLE cloudkitty_storage_states; --",
    "1 UNION SELECT name, sql FROM sqlite_master --",
    "%",
    "_",
    "%' OR '%'='",
    "/.*/",
    "a\" OR \"a\"=\"a",
    '$.project_id',
    'project_id") OR ("1"="1',
]

#: Tables the payloads try to drop or empty, and their rows before the attack.
WATCHED_TABLES = ('storage_rated_points', 'hashmap_services', 'hashmap_mappings',
                  'cloudkitty_storage_states', 'pyscripts_scripts')


def _row_counts(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table: connection.execute(
            sa.text('SELECT COUNT(*) FROM %s' % table)).scalar_one()
            for table in WATCHED_TABLES}


@pytest.fixture
def target(db):
    """An API with rated data, hashmap rules, a script and scope states."""
    client = build_client(db, rpc=FakeProcessors())
    data.push_sample_data(client)
    service = client.post(HASHMAP + '/services', json={'name': 'cpu'}).json
    field = client.post(HASHMAP + '/fields', json={'name': 'flavor',
                                                   'service_id': service['service_id']}).json
    created = client.post(HASHMAP + '/mappings', json={
        'field_id': field['field_id'], 'value': 'm1.tiny', 'cost': '1',
        'description': 'tiny flavor'})
    assert created.status == 201, created.text
    script = client.post('/v1/rating/module_config/pyscripts/scripts',
                         json={'name': 'p1', 'data': 'a = 1'})
    assert script.status == 201, script.text
    for tenant in (data.TENANT_A, data.TENANT_B):
        response = client.post('/v2/scope', json={
            'scope_id': tenant, 'last_processed_timestamp': '2015-01-05T00:00:00'})
        assert response.status == 200, response.text
    client.service_id = service['service_id']
    before = _row_counts(db)
    yield client
    after = _row_counts(db)
    assert all(after[table] >= count for table, count in before.items()), (before, after)


def _keys(payload: str) -> list[str]:
    """The groupby keys a payload gives (multi-valued parameters split on commas)."""
    return [key.strip() for key in payload.split(',') if key.strip()]


def _ok_or_client_error(response) -> None:
    assert response.status < 500, response.text
    assert 'Traceback' not in response.text


def _summary_total(client, **params) -> int:
    response = client.get('/v2/summary', params={**WINDOW, **params})
    _ok_or_client_error(response)
    return response.json['total'] if response.status == 200 else 0


def _dataframes_total(client, params) -> int:
    response = client.get('/v2/dataframes', params=[*WINDOW.items(), *params])
    _ok_or_client_error(response)
    return response.json['total'] if response.status == 200 else 0


def test_v2_rated_data_payloads_match_nothing(target):
    for payload in PAYLOADS:
        assert _summary_total(target, filters='project_id:' + payload) == 0
        assert _summary_total(target, filters='type:' + payload) == 0
        assert _summary_total(target, filters='%s:x' % payload) == 0
        assert _dataframes_total(target, [('filters', 'project_id:' + payload)]) == 0
        assert _dataframes_total(target, [('filters', 'fake_meta:' + payload)]) == 0
        assert _dataframes_total(target, [('filters', payload + ':1.0')]) == 0


def test_v2_payload_groupby_is_an_absent_attribute(target):
    """Grouping by an attribute no point has gives one group, ``""``."""
    for payload in PAYLOADS:
        response = target.get('/v2/summary', params={**WINDOW, 'groupby': payload,
                                                     'response_format': 'object'})

        assert response.status == 200, (payload, response.text)
        [row] = response.json['results']
        assert {key: row[key] for key in _keys(payload)} == dict.fromkeys(_keys(payload), '')
        assert row['rate'] == pytest.approx(float(data.expected_total()))


def test_crafted_filters_do_not_widen_the_result(target):
    """A payload appended to a real value matches what the real value alone does."""
    for payload in PAYLOADS:
        plain = target.get('/v2/summary', params={
            **WINDOW, 'filters': 'project_id:%s' % data.TENANT_B, 'groupby': 'project_id'})
        crafted = target.get('/v2/summary', params=[
            *WINDOW.items(), ('groupby', 'project_id'),
            ('filters', 'project_id:%s' % data.TENANT_B),
            ('filters', 'project_id:%s%s' % (data.TENANT_B, payload))])
        points = _dataframes_total(target, [('filters', 'project_id:%s%s'
                                             % (data.TENANT_B, payload))])

        assert plain.json['total'] == 1
        _ok_or_client_error(crafted)
        if crafted.status == 200:
            assert crafted.json['results'] == plain.json['results']
        assert points == 0


def test_custom_fields_payload_is_ignored_by_sql_storage(target):
    for payload in PAYLOADS:
        response = target.get('/v2/summary', params={**WINDOW, 'custom_fields': payload})

        _ok_or_client_error(response)
        assert response.json['total'] == 1


def test_scope_and_task_payloads_match_nothing(target):
    for payload in PAYLOADS:
        for key in ('scope_id', 'scope_key', 'fetcher', 'collector'):
            response = target.get('/v2/scope', params={key: payload})
            assert response.status == 404, response.text
        tasks = target.get('/v2/task/reprocesses', params={'scope_ids': payload})
        assert (tasks.status, tasks.json) == (200, {'results': []})
        ordered = target.get('/v2/task/reprocesses', params={'order': payload})
        assert ordered.status == 400
        assert ordered.json['message'] == (
            "The order [%s] is not valid. Accepted values are ['asc', 'desc']."
            % payload.lower())
        patched = target.patch('/v2/scope', json={'scope_id': payload, 'active': False})
        assert patched.status == 404, patched.text
        reset = target.put('/v2/scope', json={'scope_id': payload,
                                              'last_processed_timestamp': '2015-01-01'})
        assert reset.status == 404, reset.text


def test_v1_report_and_storage_payloads_match_nothing(target):
    for payload in PAYLOADS:
        for params in ({'tenant_id': payload}, {'all_tenants': 'true', 'service': payload}):
            total = target.get('/v1/report/total', params={**WINDOW, **params})
            assert (total.status, total.json) == (200, '0')
        summary = target.get('/v1/report/summary', params={
            **WINDOW, 'all_tenants': 'true', 'groupby': payload + ',tenant_id',
            'service': payload})
        assert (summary.status, summary.json) == (200, {'summary': []})
        frames = target.get('/v1/storage/dataframes', params={
            **WINDOW, 'tenant_id': payload})
        assert (frames.status, frames.json) == (200, {'dataframes': []})
        frames = target.get('/v1/storage/dataframes', params={
            **WINDOW, 'resource_type': payload})
        assert (frames.status, frames.json) == (200, {'dataframes': []})


def test_hashmap_payloads_are_ids_that_do_not_exist(target):
    for payload in PAYLOADS:
        for resource in ('services', 'fields', 'groups', 'mappings', 'thresholds'):
            response = target.get('%s/%s/%s' % (HASHMAP, resource,
                                                urllib.parse.quote(payload, safe='')))
            assert response.status == 404, (resource, response.text)
        mappings = target.get(HASHMAP + '/mappings', params={'service_id': payload})
        assert (mappings.status, mappings.json) == (200, {'mappings': []})
        fields = target.get(HASHMAP + '/fields', params={'service_id': payload})
        assert (fields.status, fields.json) == (200, {'fields': []})
        thresholds = target.get(HASHMAP + '/thresholds', params={'group_id': payload})
        assert (thresholds.status, thresholds.json) == (200, {'thresholds': []})
        deleted = target.delete(HASHMAP + '/services', json={'service_id': payload})
        assert deleted.status == 404, deleted.text


def test_hashmap_description_filter_is_a_literal_substring(target):
    for payload in PAYLOADS:
        response = target.get(HASHMAP + '/mappings', params={'description': payload})

        assert (response.status, response.json) == (200, {'mappings': []})
        scripts = target.get('/v1/rating/module_config/pyscripts/scripts',
                             params={'description': payload, 'created_by': payload})
        assert (scripts.status, scripts.json) == (200, {'scripts': []})


def test_payloads_are_stored_and_read_back_as_plain_text(target):
    for payload in PAYLOADS:
        created = target.post(HASHMAP + '/groups', json={'name': payload})
        assert created.status == 201, created.text
        group = target.get(HASHMAP + '/groups/' + created.json['group_id']).json
        assert group['name'] == payload
        mapping = target.post(HASHMAP + '/mappings', json={
            'service_id': target.service_id, 'cost': '1', 'tenant_id': payload,
            'description': payload})
        assert mapping.status == 201, mapping.text
        listed = target.get(HASHMAP + '/mappings', params={
            'filter_tenant': 'true', 'tenant_id': payload}).json['mappings']
        assert [(item['tenant_id'], item['description']) for item in listed] == [
            (payload, payload)]
        found = target.get(HASHMAP + '/mappings', params={'description': payload}).json
        assert [item['mapping_id'] for item in found['mappings']] == [
            mapping.json['mapping_id']]
        target.delete(HASHMAP + '/mappings/' + mapping.json['mapping_id'])
    groups = target.get(HASHMAP + '/groups').json['groups']
    assert sorted(group['name'] for group in groups) == sorted(PAYLOADS)


def test_rated_data_is_intact_after_the_attacks(target):
    for payload in PAYLOADS:
        target.get('/v2/summary', params={**WINDOW, 'filters': 'project_id:' + payload,
                                          'groupby': payload})
        target.get('/v2/dataframes', params={**WINDOW, 'filters': payload + ':x'})
        target.get('/v1/report/summary', params={**WINDOW, 'tenant_id': payload})

    body = target.get('/v2/summary', params={**WINDOW, 'groupby': 'project_id',
                                             'response_format': 'object'}).json
    assert {row['project_id']: row['rate'] for row in body['results']} == {
        tenant: pytest.approx(float(data.expected_total(tenant)))
        for tenant in (data.TENANT_A, data.TENANT_B)}
    assert target.get('/v2/dataframes', params={**WINDOW, 'limit': 1}).json['total'] == 24


# --- InfluxDB ----------------------------------------------------------------

@pytest.fixture
def influx_target(sqlite_db, influxdb_server, influxdb_database):
    client = build_client(sqlite_db, storage={'backend': 'influxdb'}, storage_influxdb={
        'host': influxdb_server.host, 'port': influxdb_server.port,
        'database': influxdb_database})
    data.push_sample_data(client)
    yield client
    measurements = influxdb_server.query('SHOW MEASUREMENTS', influxdb_database)
    assert measurements['results'][0]['series'][0]['values'] == [['dataframes']]
    counted = influxdb_server.query('SELECT COUNT("qty") FROM "dataframes"',
                                    influxdb_database)
    assert counted['results'][0]['series'][0]['values'][0][1] == 24


def test_influxdb_payloads_match_nothing(influx_target):
    for payload in PAYLOADS:
        assert _summary_total(influx_target, filters='project_id:' + payload) == 0
        assert _summary_total(influx_target, filters='%s:x' % payload) == 0
        assert _summary_total(influx_target, filters='type:' + payload) == 0
        assert _dataframes_total(influx_target, [('filters', 'project_id:' + payload)]) == 0
        assert _dataframes_total(influx_target, [('filters', payload + ':1.0')]) == 0
        crafted = influx_target.get('/v2/summary', params=[
            *WINDOW.items(), ('groupby', 'project_id'),
            ('filters', 'project_id:%s' % data.TENANT_B),
            ('filters', 'project_id:%s%s' % (data.TENANT_B, payload))])
        _ok_or_client_error(crafted)
        if crafted.status == 200:
            assert [row[-1] for row in crafted.json['results']] == [data.TENANT_B]


def test_influxdb_groupby_and_custom_fields_payloads(influx_target):
    for payload in PAYLOADS:
        grouped = influx_target.get('/v2/summary', params={**WINDOW, 'groupby': payload,
                                                           'response_format': 'object'})
        assert grouped.status == 200, grouped.text
        [row] = grouped.json['results']
        assert {key: row[key] for key in _keys(payload)} == dict.fromkeys(_keys(payload), '')
        # Only a plain identifier (``_``) is a field name or an alias.
        expected = 200 if re.fullmatch(r'[A-Za-z_]\w*', payload) else 400
        for custom_fields in ('SUM(qty) AS qty, SUM(price) AS %s' % payload,
                              'SUM(%s) AS qty' % payload):
            custom = influx_target.get('/v2/summary', params={
                **WINDOW, 'custom_fields': custom_fields})
            assert custom.status == expected, (payload, custom.text)

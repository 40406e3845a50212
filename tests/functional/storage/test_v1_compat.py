"""What the v1 report/storage routes read (§1.6, §1.7), on v1 and v2 storage.

Expectations are those of the upstream gabbi suites on the upstream fixture.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cloudkitty.db import scope_state
from cloudkitty.storage import v1_compat
from tests.functional.storage import data
from tests.functional.storage.data import GABBI_WINDOW, TENANT_1, TENANT_2


@pytest.fixture
def fixture_storage(storage):
    data.push_gabbi_fixture(storage.storage)
    return storage


def test_tenants_in_a_window(fixture_storage):
    tenants = v1_compat.list_tenants(fixture_storage.storage, fixture_storage.db,
                                     *GABBI_WINDOW)
    later = v1_compat.list_tenants(fixture_storage.storage, fixture_storage.db,
                                   datetime.datetime(2016, 1, 1),
                                   datetime.datetime(2016, 2, 1))
    if fixture_storage.is_v1:
        assert tenants == [TENANT_2, TENANT_1]
        assert later == []
    else:
        # v2: the state table, whatever the window (§12.14); none yet.
        assert tenants == later == []


def test_v2_tenants_are_the_state_table_identifiers(v2_storage):
    with v2_storage.db.session() as session:
        for scope_id in ('bbbb', 'aaaa'):
            scope_state.create_state(
                session, scope_state.ScopeKey(scope_id, 'project_id', 'gnocchi', 'keystone'),
                datetime.datetime(2019, 1, 1))

    assert v1_compat.list_tenants(v2_storage.storage, v2_storage.db,
                                  *GABBI_WINDOW) == ['aaaa', 'bbbb']
    assert v2_storage.storage.get_tenants() == ['aaaa', 'bbbb']


@pytest.mark.parametrize('tenant_id, service, expected', [
    (None, None, '244.944'),
    (TENANT_1, None, '163.296'),
    (TENANT_2, None, '81.648'),
    (None, 'cpu', '224.616'),
    (None, 'image.size', '20.328'),
    (TENANT_2, 'cpu', '74.872'),
    ('unknown', None, '0'),
])
def test_total(fixture_storage, tenant_id, service, expected):
    assert v1_compat.total(fixture_storage.storage, *GABBI_WINDOW, tenant_id,
                           service) == Decimal(expected)


def test_total_of_a_reversed_window_is_zero(fixture_storage):
    assert v1_compat.total(fixture_storage.storage, GABBI_WINDOW[1],
                           GABBI_WINDOW[0]) == 0


def _summary(storage, **kwargs) -> list[tuple]:
    return [(row['tenant_id'], row['res_type'], row['rate'])
            for row in v1_compat.summary(storage, *GABBI_WINDOW, **kwargs)]


def test_summary_without_groupby_shows_all(fixture_storage):
    storage = fixture_storage.storage

    assert _summary(storage) == [('ALL', 'ALL', Decimal('244.944'))]
    assert _summary(storage, tenant_id=TENANT_1) == [('ALL', 'ALL', Decimal('163.296'))]
    assert _summary(storage, tenant_id='unknown') == [('ALL', 'ALL', 0)]
    [row] = v1_compat.summary(storage, *GABBI_WINDOW)
    assert (row['begin'], row['end']) == GABBI_WINDOW


def test_summary_grouped_by_tenant(fixture_storage):
    assert _summary(fixture_storage.storage, groupby=['tenant_id']) == [
        (TENANT_2, 'ALL', Decimal('81.648')), (TENANT_1, 'ALL', Decimal('163.296'))]


def test_summary_grouped_by_type_and_tenant(fixture_storage):
    rows = _summary(fixture_storage.storage, groupby=['res_type', 'tenant_id'])
    if fixture_storage.is_v1:
        # v1 SQL orders by sum.
        assert rows == [(TENANT_2, 'image.size', Decimal('6.776')),
                        (TENANT_1, 'image.size', Decimal('13.552')),
                        (TENANT_2, 'cpu', Decimal('74.872')),
                        (TENANT_1, 'cpu', Decimal('149.744'))]
    else:
        # v2 backends order by the grouped values.
        assert rows == [(TENANT_2, 'cpu', Decimal('74.872')),
                        (TENANT_1, 'cpu', Decimal('149.744')),
                        (TENANT_2, 'image.size', Decimal('6.776')),
                        (TENANT_1, 'image.size', Decimal('13.552'))]


def test_summary_grouped_by_type_for_one_service(fixture_storage):
    assert _summary(fixture_storage.storage, groupby=['res_type'], service='cpu') == [
        ('ALL', 'cpu', Decimal('224.616'))]


def test_dataframes(fixture_storage):
    storage = fixture_storage.storage
    items = v1_compat.dataframes(storage, *GABBI_WINDOW)
    first_hour = [item for item in items if item['begin'] == data.GABBI_START]

    if fixture_storage.is_v1:
        # One item per stored row, desc with tenant_id injected.
        assert len(items) == (56 + 28) * 4
        assert len(first_hour) == 8
        assert {len(item['resources']) for item in items} == {1}
        resource = first_hour[0]['resources'][0]
        assert resource['desc'] == {'dummy': True, 'fake_meta': 1.0,
                                    'project_id': first_hour[0]['tenant_id'],
                                    'tenant_id': first_hour[0]['tenant_id']}
        assert {item['tenant_id'] for item in first_hour} == {TENANT_1, TENANT_2}
    else:
        # One item per (period, type) holding the points of every tenant; the
        # item's tenant is its first point's.
        assert len(items) == 56 * 2
        assert len(first_hour) == 2
        assert sorted(len(item['resources']) for item in items) == [2] * 56 + [4] * 56
        resource = first_hour[0]['resources'][0]
        assert resource['desc'] == {'dummy': True, 'fake_meta': 1.0,
                                    'project_id': TENANT_1}
        assert {item['tenant_id'] for item in first_hour} == {TENANT_1}
    assert first_hour[0]['end'] == data.GABBI_START + data.HOUR
    assert (resource['service'], resource['volume'], resource['rating']) == (
        'cpu', Decimal(1), Decimal('1.337'))
    assert str(resource['rating']) == '1.337' and str(resource['volume']) == '1'


def test_dataframes_filters(fixture_storage):
    storage = fixture_storage.storage
    tenant_2 = v1_compat.dataframes(storage, *GABBI_WINDOW, tenant_id=TENANT_2)
    cpu = v1_compat.dataframes(storage, *GABBI_WINDOW, resource_type='cpu')

    assert {item['tenant_id'] for item in tenant_2} == {TENANT_2}
    assert sum(len(item['resources']) for item in tenant_2) == 28 * 4
    assert sum(len(item['resources']) for item in cpu) == 84 * 2
    assert len(cpu) == (84 * 2 if fixture_storage.is_v1 else 56)
    assert v1_compat.dataframes(storage, *GABBI_WINDOW, resource_type='nope') == []
    assert v1_compat.dataframes(storage, GABBI_WINDOW[1], GABBI_WINDOW[0]) == []


def test_v2_dataframe_without_scope_is_undefined(v2_storage):
    frame = data.frame(data.P1, {'cpu': [data.DataPoint.create('u', 1, 1, {}, {})]})
    v2_storage.storage.push([frame])

    [item] = v1_compat.dataframes(v2_storage.storage, *data.MARCH)

    assert item['tenant_id'] == '__UNDEF__'

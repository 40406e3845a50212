"""Specifics of the v2 ``sqlalchemy`` backend beyond the shared contract."""
from __future__ import annotations

import datetime
from decimal import Decimal

import sqlalchemy as sa

from cloudkitty.dataframe import DataPoint
from tests.functional.storage import data
from tests.functional.storage.data import MARCH, P1


def test_non_json_values_are_stored_as_strings(sql_storage):
    point = DataPoint.create('u', 1, 1, {'project_id': 'p1', 'size': Decimal('1.50')},
                             {'ratio': Decimal('0.25')})
    sql_storage.storage.push([data.frame(P1, {'cpu': [point]})], 'p1')

    [frame] = sql_storage.storage.retrieve(*MARCH)['dataframes']

    stored = frame.points('cpu')[0]
    assert (stored.groupby['size'], stored.metadata['ratio']) == ('1.50', '0.25')
    assert sql_storage.storage.retrieve(*MARCH, filters={'size': '1.50'})['total'] == 1


def test_documents_json_cannot_hold_natively_are_stored_whole(sql_storage):
    # Integers beyond 64 bits, non-string keys, datetimes: the fast encoder
    # refuses or converts them; what is stored is what the standard encoder
    # writes.
    point = DataPoint.create('u', 1, 1, {'project_id': 'p1', 'serial': 2 ** 70, 7: 'seven'},
                             {'seen': datetime.datetime(2024, 3, 1, 12, 30)})
    sql_storage.storage.push([data.frame(P1, {'cpu': [point]})], 'p1')

    [frame] = sql_storage.storage.retrieve(*MARCH)['dataframes']

    stored = frame.points('cpu')[0]
    assert stored.groupby == {'project_id': 'p1', 'serial': 2 ** 70, '7': 'seven'}
    assert stored.metadata == {'seen': '2024-03-01 12:30:00'}
    assert sql_storage.storage.retrieve(*MARCH, filters={'7': 'seven'})['total'] == 1


def test_scope_column_falls_back_to_metadata_then_pushed_scope(sql_storage):
    points = [DataPoint.create('u', 1, 1, {'project_id': 'in-groupby'}, {}),
              DataPoint.create('u', 1, 2, {}, {'project_id': 'in-metadata'}),
              DataPoint.create('u', 1, 4, {}, {})]
    sql_storage.storage.push([data.frame(P1, {'cpu': points})], 'pushed')

    rows = sql_storage.storage.total(['project_id'], *MARCH)['results']

    assert [(row['project_id'], row['rate']) for row in rows] == [
        ('in-groupby', 1), ('in-metadata', 2), ('pushed', 4)]


def test_month_queries_have_indexes(sql_storage):
    indexes = sa.inspect(sql_storage.db.engine).get_indexes('storage_rated_points')

    assert {tuple(index['column_names']) for index in indexes} >= {
        ('scope', 'begin'), ('begin',)}


def test_a_large_push_is_stored_whole(sql_storage):
    # Larger than one COPY chunk on PostgreSQL (64k characters).
    points = [DataPoint.create('u', 1, Decimal('0.001'),
                               {'project_id': 'p1', 'id': 'resource-%04d' % index}, {})
              for index in range(2000)]
    sql_storage.storage.push([data.frame(P1, {'cpu': points})], 'p1')

    [row] = sql_storage.storage.total(['project_id'], *MARCH)['results']
    page = sql_storage.storage.retrieve(*MARCH, offset=1999, limit=10)

    assert (row['qty'], row['rate']) == (2000, 2)
    assert [p.groupby['id'] for p in page['dataframes'][0].points('cpu')] == [
        'resource-1999']

"""The v2 ``sqlalchemy`` summary rollups agree exactly with the points.

Every summary the rollups can answer is computed both ways (``use_rollups``
on and off) after pushes, deletes and a reprocessing (delete then push).
"""
from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
import sqlalchemy as sa

from cloudkitty.dataframe import DataPoint
from cloudkitty.storage.v2.sqlalchemy import rollup
from tests.functional.storage import data
from tests.functional.storage.data import MARCH, P1, P2

SUMMARIES = [
    {'groupby': None},
    {'groupby': ['project_id']},
    {'groupby': ['type']},
    {'groupby': ['project_id', 'type']},
    {'groupby': ['time']},
    {'groupby': ['time-d', 'project_id']},
    {'groupby': ['time-w', 'time-m', 'time-y']},
    {'groupby': ['type'], 'filters': {'project_id': 'p1'}},
    {'groupby': ['project_id'], 'filters': {'project_id': ['p1', 'p2']},
     'metric_types': 'cpu'},
    {'groupby': ['type'], 'filters': {'type': 'volume'}},
    {'groupby': ['project_id'], 'offset': 1, 'limit': 1},
]


def _both_ways(storage, summary: dict) -> tuple[dict, dict]:
    storage.use_rollups = True
    from_rollups = storage.total(begin=MARCH[0], end=MARCH[1], **summary)
    storage.use_rollups = False
    from_points = storage.total(begin=MARCH[0], end=MARCH[1], **summary)
    storage.use_rollups = True
    return from_rollups, from_points


def _assert_rollups_exact(storage) -> None:
    for summary in SUMMARIES:
        from_rollups, from_points = _both_ways(storage, summary)
        assert from_rollups == from_points, summary


def _rollup_rows(sql_storage) -> int:
    with sql_storage.db.engine.connect() as connection:
        return connection.scalar(sa.text('SELECT COUNT(*) FROM storage_rated_rollups'))


def _awkward_prices(start, project: str) -> list[DataPoint]:
    """Prices with 28 fractional digits, whose sums exceed 28 significant digits."""
    return [DataPoint.create('u', Decimal('1234.000000000000000001'),
                             Decimal('98765.4321098765432109876543210987'),
                             {'project_id': project, 'id': 'r%d' % index,
                              **data.time_keys(start)}, {})
            for index in range(3)]


@pytest.fixture
def loaded(sql_storage):
    data.push_by_scope(sql_storage.storage, data.small_cloud())
    sql_storage.storage.push([data.frame(P2, {'cpu': _awkward_prices(P2, 'p2')})], 'p2')
    return sql_storage


def test_rollups_equal_points_after_pushes(loaded):
    _assert_rollups_exact(loaded.storage)
    [row] = loaded.storage.total(['type'], *MARCH, filters={'project_id': 'p2'},
                                 metric_types='cpu')['results']
    with localcontext(prec=60):
        assert row['rate'] == Decimal('1.25') + 3 * Decimal(
            '98765.4321098765432109876543210987')


@pytest.mark.parametrize('query', [
    {}, {'filters': {'project_id': 'p1'}}, {'metric_types': 'cpu'},
    {'filters': {'project_id': ['p1', 'p2'], 'type': 'volume'}}])
def test_retrieve_pages_located_by_the_rollups_are_the_points_pages(loaded, query):
    storage = loaded.storage
    pages = [{'offset': offset, 'limit': limit}
             for offset, limit in ((0, 1), (0, 3), (1, 2), (2, 10), (4, 1), (5, 2), (9, 3))]
    for page in [*pages, {'paginate': False}]:
        answers = []
        for use_rollups in (True, False):
            storage.use_rollups = use_rollups
            result = storage.retrieve(*MARCH, **query, **page)
            answers.append((result['total'], [frame.as_dict() for frame in result['dataframes']]))
        storage.use_rollups = True
        assert answers[0] == answers[1], page
    assert answers[0][0] > 0


def test_rollups_follow_a_scope_window_delete(loaded):
    loaded.storage.delete(P2, MARCH[1], {'project_id': 'p2'})

    _assert_rollups_exact(loaded.storage)
    assert loaded.storage.total(['project_id'], *MARCH)['results'][1]['rate'] == Decimal(
        '1.25')


def test_rollups_follow_a_delete_by_another_attribute(loaded):
    # Removes part of a bucket: the bucket keeps the rest, exactly.
    loaded.storage.delete(*MARCH, {'id': ['r0', 'v1']})

    _assert_rollups_exact(loaded.storage)
    assert loaded.storage.retrieve(*MARCH, filters={'id': 'r0'})['total'] == 0


def test_emptied_buckets_are_dropped(loaded):
    loaded.storage.delete()

    assert _rollup_rows(loaded) == 0
    assert loaded.storage.total(begin=MARCH[0], end=MARCH[1])['results'] == []


def test_reprocessing_leaves_exact_rollups(loaded):
    # Reprocessing a scope's period: delete what was stored, push the new rating.
    loaded.storage.delete(P2, P2 + data.HOUR, {'project_id': 'p2'})
    repriced = [DataPoint.create('u', 2, Decimal('0.3333333333333333333333333333'),
                                 {'project_id': 'p2', 'id': 'v2', **data.time_keys(P2)}, {})]
    loaded.storage.push([data.frame(P2, {'volume': repriced})], 'p2')
    loaded.storage.push([data.frame(P1, {'volume': repriced})], 'p2')

    _assert_rollups_exact(loaded.storage)
    [row] = loaded.storage.total(['project_id'], *MARCH,
                                 filters={'project_id': 'p2'})['results']
    with localcontext(prec=60):
        assert row['rate'] == Decimal('1.25') + 2 * Decimal('0.3333333333333333333333333333')


def test_commit_period_updates_the_rollups(sql_storage):
    sql_storage.storage.commit_period('p1', P1, P1 + data.HOUR, data.small_cloud()[:1],
                                      lambda session: None)

    _assert_rollups_exact(sql_storage.storage)
    assert _rollup_rows(sql_storage) == 3


def test_calendar_values_of_any_json_type_are_bucketed_as_the_points(sql_storage):
    # A number and its text group together in SQL (JSON text extraction);
    # a list is grouped by its JSON text.
    calendar = {**data.time_keys(P1), 'week_of_the_year': [8]}
    points = [DataPoint.create('u', qty, 1, {'project_id': 'p1', **calendar,
                                             'day_of_the_year': day}, {})
              for qty, day in ((1, 61), (2, '61'), (4, 61.5))]
    sql_storage.storage.push([data.frame(P1, {'cpu': points})], 'p1')

    _assert_rollups_exact(sql_storage.storage)
    assert [(row['day_of_the_year'], row['qty']) for row in sql_storage.storage.total(
        ['time-d'], *MARCH)['results']] == [('61', 3), ('61.5', 4)]
    assert _rollup_rows(sql_storage) == 2


def test_empty_scope_filter_reads_the_points(sql_storage):
    # A point without scope is grouped under "" but never matches a "" filter.
    point = DataPoint.create('u', 1, 1, {}, {})
    sql_storage.storage.push([data.frame(P1, {'cpu': [point]})])

    assert sql_storage.storage.total(['project_id'], *MARCH)['results'][0][
        'project_id'] == ''
    assert sql_storage.storage.total(['type'], *MARCH,
                                     filters={'project_id': ''})['results'] == []


def test_rebuild_recomputes_every_bucket(loaded):
    loaded.storage.delete(*MARCH, {'id': 'i2'})
    with loaded.db.engine.begin() as connection:
        connection.execute(sa.text('DELETE FROM storage_rated_rollups'))
        rollup.rebuild(connection)

    _assert_rollups_exact(loaded.storage)

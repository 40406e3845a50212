"""The storage contract (§7.2, §2.2, §2.3), run against every backend.

``storage`` covers every backend, the v1 adapter included; its differences
are asserted explicitly (``is_v1``). ``v2_storage`` tests what only the v2
backends can express (JSON attributes, time groupbys, delete).
"""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from tests.functional.storage import data
from tests.functional.storage.data import MARCH, P1, P2, P3


def _flat(result: dict) -> list[tuple]:
    """(begin, type, project, qty, price) of every retrieved point, in order."""
    return [(f.start, metric_type, p.groupby['project_id'], p.qty, p.price)
            for f in result['dataframes'] for metric_type, p in f.iterpoints()]


def _sums(rows: list[dict], *keys: str) -> list[tuple]:
    return [(*(row[key] for key in keys), row['qty'], row['rate']) for row in rows]


# --- push / retrieve -----------------------------------------------------------

def test_round_trip_keeps_points_exact(storage):
    frames = data.small_cloud()
    storage.storage.push(frames, 'p1')

    result = storage.storage.retrieve(*MARCH)

    assert result['total'] == 5
    assert [(f.start, f.end) for f in result['dataframes']] == [
        (P1, P1 + data.HOUR), (P2, P2 + data.HOUR)]
    first = result['dataframes'][0]
    assert first.metric_types == ['cpu', 'volume']
    stored = first.points('cpu')[1]
    original = frames[0].points('cpu')[1]
    assert (stored.unit, stored.qty, stored.price) == ('unit', Decimal(2), Decimal('1.25'))
    assert isinstance(stored.price, Decimal)
    if storage.is_v1:
        # v1 keeps one merged desc, returned as groupby.
        assert stored.groupby == original.desc and stored.metadata == {}
    else:
        assert stored == original


def test_round_trip_of_awkward_text(storage):
    awkward = 'tab\there "quoted" \'single\' 100%s %% %(x)s\nnew line back\\slash \u00e9\u4e2d'
    point = DataPoint.create('unit\\with\ttab', 1, 1, {'project_id': 'p1', 'name': awkward},
                             {'note': awkward, 'nested': {'list': [1, awkward]}},
                             description=awkward)
    storage.storage.push([data.frame(P1, {'metric\ttype': [point]})], 'p1')

    [frame] = storage.storage.retrieve(*MARCH)['dataframes']
    [(metric_type, stored)] = list(frame.iterpoints())

    assert metric_type == 'metric\ttype'
    assert stored.unit == 'unit\\with\ttab'
    assert stored.desc == point.desc
    if not storage.is_v1:
        assert stored == point
        assert storage.storage.retrieve(*MARCH, filters={'name': awkward})['total'] == 1


def test_prices_with_28_fractional_digits_are_summed_exactly(storage):
    price = Decimal('0.1234567890123456789012345678')
    frame = data.frame(P1, {'cpu': [DataPoint.create('u', '0.000000000000000001', price,
                                                     {'project_id': 'p1'}, {})
                                    for _ in range(3)]})
    storage.storage.push([frame], 'p1')

    [row] = storage.storage.total(begin=MARCH[0], end=MARCH[1])['results']
    [stored] = storage.storage.retrieve(*MARCH)['dataframes']

    # Exact on the SQL backends; to float precision on InfluxDB (§3.5).
    amount = storage.amount
    assert amount(row['rate']) == amount(Decimal('0.3703703670370370367037037034'))
    assert amount(row['qty']) == amount(Decimal('0.000000000000000003'))
    assert amount(stored.points('cpu')[0].price) == amount(price)


def test_retrieve_defaults_to_the_current_month(storage):
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    storage.storage.push([data.frame(start, {'cpu': [data.point(start, 'p1', 'i1', '1',
                                                                '2')]})], 'p1')
    storage.storage.push(data.small_cloud(), 'p1')

    assert storage.storage.retrieve()['total'] == 1
    assert storage.storage.total()['results'][0]['rate'] == 2


def test_retrieve_filters_by_scope_and_type(storage):
    data.push_by_scope(storage.storage, data.small_cloud())
    retrieve = storage.storage.retrieve

    assert [p[1:3] for p in _flat(retrieve(*MARCH, filters={'project_id': 'p2'}))] == [
        ('cpu', 'p2'), ('volume', 'p2')]
    assert retrieve(*MARCH, metric_types='volume')['total'] == 2
    assert retrieve(*MARCH, metric_types=['volume', 'cpu'])['total'] == 5
    assert retrieve(*MARCH, filters={'type': 'cpu', 'project_id': 'p1'})['total'] == 2
    assert retrieve(*MARCH, filters={'project_id': 'nobody'}) == {
        'total': 0, 'dataframes': []}


def test_filter_lists_are_ored(v2_storage):
    data.push_by_scope(v2_storage.storage, data.small_cloud())
    retrieve = v2_storage.storage.retrieve

    assert retrieve(*MARCH, filters={'project_id': ['p1', 'p2']})['total'] == 5
    assert retrieve(*MARCH, filters={'id': ['i2', 'v2']})['total'] == 2
    assert retrieve(*MARCH, filters={'type': ['cpu', 'nothing']})['total'] == 3


def test_v1_filters_only_one_scope_and_types(v1_storage):
    with pytest.raises(exception.Invalid, match='v1 storage can only filter'):
        v1_storage.storage.retrieve(*MARCH, filters={'id': 'i1'})
    with pytest.raises(exception.Invalid, match='v1 storage can only filter'):
        v1_storage.storage.total(filters={'project_id': ['p1', 'p2']})


def test_filters_match_groupby_or_metadata(v2_storage):
    data.push_by_scope(v2_storage.storage, data.small_cloud())
    retrieve = v2_storage.storage.retrieve

    large = retrieve(*MARCH, filters={'flavor': 'large'})
    assert [p[1:3] for p in _flat(large)] == [('cpu', 'p2')]
    assert retrieve(*MARCH, filters={'flavor': 'small', 'id': 'i1'})['total'] == 2
    assert v2_storage.storage.total(begin=MARCH[0], end=MARCH[1], groupby=['type'],
                                    filters={'volume_type': 'ssd'})['results'][0][
        'type'] == 'volume'


def test_retrieve_paginates_over_points(storage):
    data.push_by_scope(storage.storage, data.small_cloud())
    everything = _flat(storage.storage.retrieve(*MARCH))

    pages = [storage.storage.retrieve(*MARCH, offset=offset, limit=2)
             for offset in (0, 2, 4, 6)]

    assert [page['total'] for page in pages] == [5, 5, 5, 5]
    assert [_flat(page) for page in pages] == [everything[0:2], everything[2:4],
                                               everything[4:], []]
    assert [p[:2] for p in everything] == [(P1, 'cpu'), (P1, 'cpu'), (P1, 'volume'),
                                           (P2, 'cpu'), (P2, 'volume')]
    assert _flat(storage.storage.retrieve(*MARCH, limit=1, paginate=False)) == everything


# --- total ---------------------------------------------------------------------

def test_total_without_groupby_covers_the_window(storage):
    data.push_by_scope(storage.storage, data.small_cloud())

    result = storage.storage.total(begin=MARCH[0], end=MARCH[1])

    assert result == {'total': 1, 'results': [
        {'begin': MARCH[0], 'end': MARCH[1], 'qty': Decimal(19), 'rate': Decimal('2.4')}]}


def test_total_of_an_empty_window_has_no_row(storage):
    data.push_by_scope(storage.storage, data.small_cloud())

    empty = storage.storage.total(begin=datetime.datetime(2020, 1, 1),
                                  end=datetime.datetime(2020, 2, 1), groupby=['type'])

    assert empty == {'total': 0, 'results': []}
    assert storage.storage.total(begin=datetime.datetime(2020, 1, 1),
                                 end=datetime.datetime(2020, 2, 1)) == empty


@pytest.mark.parametrize('groupby, keys, expected', [
    (['type'], ('type',), [('cpu', 4, Decimal('2.25')), ('volume', 15, Decimal('0.15'))]),
    (['project_id'], ('project_id',), [('p1', 12, Decimal('1.1')),
                                       ('p2', 7, Decimal('1.3'))]),
    (['type', 'project_id'], ('type', 'project_id'), [
        ('cpu', 'p1', 2, Decimal('1')), ('cpu', 'p2', 2, Decimal('1.25')),
        ('volume', 'p1', 10, Decimal('0.1')), ('volume', 'p2', 5, Decimal('0.05'))]),
    (['project_id', 'type'], ('project_id', 'type'), [
        ('p1', 'cpu', 2, Decimal('1')), ('p1', 'volume', 10, Decimal('0.1')),
        ('p2', 'cpu', 2, Decimal('1.25')), ('p2', 'volume', 5, Decimal('0.05'))]),
])
def test_total_groups_by_type_and_scope(storage, groupby, keys, expected):
    data.push_by_scope(storage.storage, data.small_cloud())

    result = storage.storage.total(groupby=groupby, begin=MARCH[0], end=MARCH[1])

    assert result['total'] == len(expected)
    assert _sums(result['results'], *keys) == expected
    row = result['results'][0]
    assert list(row) == ['begin', 'end', 'qty', 'rate', *keys]
    assert (row['begin'], row['end']) == MARCH


@pytest.mark.parametrize('groupby, keys, expected', [
    (['time-d'], ('day_of_the_year',), [('61', 13, Decimal('1.85')),
                                        ('62', 6, Decimal('0.55'))]),
    (['time-w'], ('week_of_the_year',), [('08', 19, Decimal('2.4'))]),
    (['time-m', 'time-y'], ('month', 'year'), [('3', '2024', 19, Decimal('2.4'))]),
    (['time-y', 'project_id'], ('year', 'project_id'), [
        ('2024', 'p1', 12, Decimal('1.1')), ('2024', 'p2', 7, Decimal('1.3'))]),
    (['volume_type'], ('volume_type',), [('', 4, Decimal('2.25')),
                                         ('ssd', 15, Decimal('0.15'))]),
    (['id', 'type'], ('id', 'type'), [('i1', 'cpu', 2, Decimal('1')),
                                      ('i2', 'cpu', 2, Decimal('1.25')),
                                      ('v1', 'volume', 10, Decimal('0.1')),
                                      ('v2', 'volume', 5, Decimal('0.05'))]),
])
def test_total_groups_by_attributes_and_calendar(v2_storage, groupby, keys, expected):
    data.push_by_scope(v2_storage.storage, data.small_cloud())

    result = v2_storage.storage.total(groupby=groupby, begin=MARCH[0], end=MARCH[1])

    assert _sums(result['results'], *keys) == expected
    assert list(result['results'][0]) == ['begin', 'end', 'qty', 'rate', *keys]


def test_total_groups_by_period(v2_storage):
    data.push_by_scope(v2_storage.storage, data.small_cloud())
    total = v2_storage.storage.total

    by_time = total(groupby=['time'], begin=MARCH[0], end=MARCH[1])['results']
    by_time_type = total(groupby=['time', 'type'], begin=MARCH[0], end=MARCH[1],
                         filters={'project_id': 'p1'})['results']

    assert _sums(by_time, 'begin', 'end') == [
        (P1, P1 + data.HOUR, 13, Decimal('1.85')), (P2, P2 + data.HOUR, 6, Decimal('0.55'))]
    assert list(by_time[0]) == ['begin', 'end', 'qty', 'rate']
    assert _sums(by_time_type, 'begin', 'type') == [
        (P1, 'cpu', 1, Decimal('0.5')), (P1, 'volume', 10, Decimal('0.1')),
        (P2, 'cpu', 1, Decimal('0.5'))]


def test_unknown_time_groupby_is_invalid(storage):
    with pytest.raises(exception.Invalid) as error:
        storage.storage.total(groupby=['time-x'])
    assert str(error.value) == ('Invalid groupby time option. There is no groupby '
                                'processing for [time-x].')


def test_v1_cannot_group_by_other_attributes(storage):
    if storage.is_v1:
        with pytest.raises(exception.Invalid, match='v1 storage cannot group by time'):
            storage.storage.total(groupby=['time'])
    else:
        assert storage.storage.total(groupby=['time']) == {'total': 0, 'results': []}


def test_total_paginates_rows_and_counts_them_all(storage):
    data.push_by_scope(storage.storage, data.small_cloud())
    total = storage.storage.total
    groupby = ['type', 'project_id']

    pages = [total(groupby=groupby, begin=MARCH[0], end=MARCH[1], offset=offset, limit=3)
             for offset in (0, 3, 10)]

    assert [page['total'] for page in pages] == [4, 4, 4]
    assert [len(page['results']) for page in pages] == [3, 1, 0]
    assert pages[1]['results'][0]['project_id'] == 'p2'
    assert len(total(groupby=groupby, begin=MARCH[0], end=MARCH[1], limit=1,
                     paginate=False)['results']) == 4


def test_total_filters_and_metric_types(storage):
    data.push_by_scope(storage.storage, data.small_cloud())

    result = storage.storage.total(groupby=['type'], begin=MARCH[0], end=MARCH[1],
                                   metric_types=['cpu'], filters={'project_id': 'p2'})

    assert _sums(result['results'], 'type') == [('cpu', 2, Decimal('1.25'))]


# --- delete --------------------------------------------------------------------

def test_delete_a_window_for_one_scope(v2_storage):
    data.push_by_scope(v2_storage.storage, data.small_cloud())

    v2_storage.storage.delete(P2, MARCH[1], {'project_id': 'p2'})

    remaining = _flat(v2_storage.storage.retrieve(P1, P3 + data.HOUR))
    assert [p[:3] for p in remaining] == [
        (P1, 'cpu', 'p1'), (P1, 'cpu', 'p2'), (P1, 'volume', 'p1'), (P2, 'cpu', 'p1'),
        (P3, 'cpu', 'p1')]


def test_delete_with_open_bounds(v2_storage):
    data.push_by_scope(v2_storage.storage, data.small_cloud())
    everything = (datetime.datetime(2000, 1, 1), datetime.datetime(2100, 1, 1))

    v2_storage.storage.delete(end=P2)
    assert v2_storage.storage.retrieve(*everything)['total'] == 3
    v2_storage.storage.delete(begin=P3)
    assert [p[0] for p in _flat(v2_storage.storage.retrieve(*everything))] == [P2, P2]
    v2_storage.storage.delete()
    assert v2_storage.storage.retrieve(*everything)['total'] == 0


def test_v1_delete_keeps_data(storage):
    data.push_by_scope(storage.storage, data.small_cloud())

    storage.storage.delete(MARCH[0], MARCH[1])

    assert storage.storage.retrieve(*MARCH)['total'] == (5 if storage.is_v1 else 0)


# --- commit_period -------------------------------------------------------------

class _AdvanceFailed(Exception):
    pass


def _scope_frames(project: str) -> list[DataFrame]:
    return [data.frame(P1, {'cpu': [data.point(P1, project, 'i1', '1', '3')]})]


def test_commit_period_stores_and_advances_together(storage):
    sessions = []

    storage.storage.commit_period('p1', P1, P1 + data.HOUR, _scope_frames('p1'),
                                  sessions.append)

    assert len(sessions) == 1
    assert (sessions[0] is not None) == storage.is_transactional
    assert storage.storage.retrieve(*MARCH)['total'] == 1


def test_commit_period_stores_nothing_when_the_advance_fails(storage):
    def advance(session):
        raise _AdvanceFailed()

    with pytest.raises(_AdvanceFailed):
        storage.storage.commit_period('p1', P1, P1 + data.HOUR, _scope_frames('p1'),
                                      advance)

    assert storage.storage.retrieve(*MARCH)['total'] == 0


def test_commit_period_without_data_stores_no_visible_point(storage):
    advanced = []

    storage.storage.commit_period('p1', P1, P1 + data.HOUR, [], advanced.append)

    assert len(advanced) == 1
    assert storage.storage.retrieve(*MARCH) == {'total': 0, 'dataframes': []}
    assert storage.storage.total(begin=MARCH[0], end=MARCH[1]) == {'total': 0,
                                                                   'results': []}


# --- the upstream fixture ------------------------------------------------------

def test_upstream_fixture_totals(storage):
    data.push_gabbi_fixture(storage.storage)
    total = storage.storage.total

    by_project = total(groupby=['project_id'], begin=data.GABBI_WINDOW[0],
                       end=data.GABBI_WINDOW[1])['results']
    overall = total(begin=data.GABBI_WINDOW[0], end=data.GABBI_WINDOW[1])['results']
    by_type_project = total(groupby=['type', 'project_id'], begin=data.GABBI_WINDOW[0],
                            end=data.GABBI_WINDOW[1])['results']

    assert _sums(by_project, 'project_id') == [
        (data.TENANT_2, 112, Decimal('81.648')), (data.TENANT_1, 224, Decimal('163.296'))]
    assert overall[0]['rate'] == Decimal('244.944')
    assert [(row['type'], row['rate']) for row in by_type_project] == [
        ('cpu', Decimal('74.872')), ('cpu', Decimal('149.744')),
        ('image.size', Decimal('6.776')), ('image.size', Decimal('13.552'))]
    assert storage.storage.retrieve(*data.GABBI_WINDOW)['total'] == 336

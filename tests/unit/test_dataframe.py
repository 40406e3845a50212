import datetime
import decimal

import pytest

from cloudkitty.dataframe import DataFrame, DataPoint, parse_datetime, to_decimal

START = datetime.datetime(2026, 11, 1)
END = datetime.datetime(2026, 11, 1, 1)


def test_float_quantities_are_converted_without_binary_noise():
    point = DataPoint.create('GiB', 0.1, 0.2)
    assert point.qty == decimal.Decimal('0.1')
    assert point.price == decimal.Decimal('0.2')


def test_empty_unit_becomes_undefined():
    assert DataPoint.create('', 1).unit == 'undefined'


@pytest.mark.parametrize('bad', ['abc', 'NaN', 'inf', None, True, [1]])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(ValueError):
        to_decimal(bad)


def test_desc_merges_metadata_and_groupby_with_groupby_winning():
    point = DataPoint.create('u', 1, groupby={'a': 'g', 'b': 'g'},
                             metadata={'b': 'm', 'c': 'm'})
    assert point.desc == {'a': 'g', 'b': 'g', 'c': 'm'}


def test_with_price_keeps_everything_else():
    point = DataPoint.create('u', 2, 0, {'id': 'x'}, {'flavor': 'm1'}, 'd')
    priced = point.with_price(decimal.Decimal('1.5'))
    assert priced.price == decimal.Decimal('1.5')
    assert priced[:2] == point[:2] and priced[3:] == point[3:]


def test_point_dict_round_trip_and_legacy_form():
    point = DataPoint.create('u', '3', '1.25', {'id': 'x'}, {'f': 1})
    assert DataPoint.from_dict(point.as_dict()) == point
    legacy = point.as_dict(legacy=True)
    assert legacy['desc'] == {'id': 'x', 'f': 1}
    assert 'groupby' not in legacy


def test_rating_is_optional_when_parsing_a_point():
    point = DataPoint.from_dict({'vol': {'unit': 'u', 'qty': '2'}, 'groupby': {},
                                 'metadata': {}})
    assert point.price == 0


@pytest.mark.parametrize('bad', [
    {'vol': {'unit': 'u'}, 'groupby': {}, 'metadata': {}},
    {'vol': {'unit': 'u', 'qty': 1}, 'metadata': {}},
    {'vol': {'unit': 'u', 'qty': 'x'}, 'groupby': {}, 'metadata': {}},
    'not an object',
])
def test_malformed_points_are_rejected(bad):
    with pytest.raises(ValueError):
        DataPoint.from_dict(bad)


def test_frame_keeps_types_sorted_and_iterates_points():
    frame = DataFrame(START, END)
    frame.add_point(DataPoint.create('u', 1), 'volume')
    frame.add_points([DataPoint.create('u', 2), DataPoint.create('u', 3)], 'cpu')
    assert frame.metric_types == ['cpu', 'volume']
    assert [(t, p.qty) for t, p in frame.iterpoints()] == [
        ('cpu', 2), ('cpu', 3), ('volume', 1)]
    assert len(frame) == 3


def test_frame_round_trip_through_the_wire_form():
    frame = DataFrame(START, END, {'b': [DataPoint.create('u', 1)],
                                   'a': [DataPoint.create('u', 2, 3)]})
    wire = frame.as_dict()
    wire['period'] = {'begin': '2026-11-01T00:00:00+00:00', 'end': '2026-11-01T01:00:00Z'}
    assert DataFrame.from_dict(wire) == frame


def test_datetimes_with_offsets_become_naive_utc():
    assert parse_datetime('2026-11-01T02:00:00+02:00') == START
    with pytest.raises(ValueError):
        parse_datetime('garbage')

"""Rated usage: DataPoint and DataFrame (contract §7.1).

Only the standard library is used here, so every layer can depend on it.
Quantities and prices are :class:`decimal.Decimal` from end to end; floats are
converted through ``str()`` so that no binary noise enters a price.

A DataPoint is a named tuple: it is immutable, cheap to build (the rating hot
path builds one per rated point) and its attributes are read at C speed. Its
``groupby`` and ``metadata`` dicts are shared between copies and must be treated
as read-only.
"""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

ZERO = decimal.Decimal(0)


def to_decimal(value: Any) -> decimal.Decimal:
    """Convert a number or numeric string to Decimal, floats via ``str()``.

    Raises ValueError for anything that is not a finite number.
    """
    if isinstance(value, decimal.Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError('a boolean is not a number: %r' % (value,))
    elif isinstance(value, int):
        return decimal.Decimal(value)
    elif isinstance(value, (float, str)):
        try:
            result = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError('not a number: %r' % (value,)) from None
    else:
        raise ValueError('not a number: %r' % (value,))
    if not result.is_finite():
        raise ValueError('not a finite number: %r' % (value,))
    return result


def parse_datetime(value: Any) -> datetime.datetime:
    """Parse an ISO-8601 string (or pass a datetime) into naive UTC."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(('Z', 'z')):
            text = text[:-1] + '+00:00'
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError('not a valid datetime: %r' % (value,)) from None
    else:
        raise ValueError('not a valid datetime: %r' % (value,))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed


class DataPoint(NamedTuple):
    """One rated measure of one resource in one period."""

    unit: str
    qty: decimal.Decimal
    price: decimal.Decimal
    groupby: dict[str, Any]
    metadata: dict[str, Any]
    description: str | None = None

    @classmethod
    def create(cls, unit: str | None, qty: Any, price: Any = ZERO,
               groupby: Mapping[str, Any] | None = None,
               metadata: Mapping[str, Any] | None = None,
               description: str | None = None) -> DataPoint:
        """Build a point from loosely typed values (the validating constructor)."""
        return cls(unit or 'undefined', to_decimal(qty), to_decimal(price),
                   dict(groupby or {}), dict(metadata or {}), description)

    def with_price(self, price: decimal.Decimal) -> DataPoint:
        """A copy with another price (no validation: the rating hot path)."""
        return tuple.__new__(DataPoint, (self[0], self[1], price, self[3],
                                         self[4], self[5]))

    @property
    def desc(self) -> dict[str, Any]:
        """Metadata merged with groupby; groupby wins on a clash."""
        return {**self.metadata, **self.groupby}

    def as_dict(self, legacy: bool = False) -> dict[str, Any]:
        """The v2 dict form, or the v1 form with a merged ``desc`` when legacy."""
        result: dict[str, Any] = {
            'vol': {'unit': self.unit, 'qty': self.qty},
            'rating': {'price': self.price},
        }
        if legacy:
            result['desc'] = self.desc
        else:
            result['groupby'] = dict(self.groupby)
            result['metadata'] = dict(self.metadata)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], legacy: bool = False) -> DataPoint:
        """Parse the dict form; raises ValueError naming what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError('a point must be an object')
        vol = data.get('vol')
        if not isinstance(vol, Mapping) or 'unit' not in vol or 'qty' not in vol:
            raise ValueError("a point needs 'vol' with 'unit' and 'qty'")
        rating = data.get('rating') or {}
        if not isinstance(rating, Mapping):
            raise ValueError("'rating' must be an object")
        if legacy:
            desc = data.get('desc') or {}
            groupby, metadata = desc, {}
        else:
            groupby, metadata = data.get('groupby'), data.get('metadata')
        if not isinstance(groupby, Mapping) or not isinstance(metadata, Mapping):
            raise ValueError("a point needs 'groupby' and 'metadata' objects")
        if not isinstance(vol['unit'], str):
            raise ValueError("'vol.unit' must be a string")
        return cls.create(vol['unit'], vol['qty'], rating.get('price', ZERO),
                          groupby, metadata, data.get('description'))


class DataFrame:
    """The points of one period, keyed by metric type (types kept sorted)."""

    __slots__ = ('start', 'end', '_usage')

    def __init__(self, start: datetime.datetime, end: datetime.datetime,
                 usage: Mapping[str, Iterable[DataPoint]] | None = None):
        if not isinstance(start, datetime.datetime) or not isinstance(
                end, datetime.datetime):
            raise TypeError('start and end must be datetimes')
        self.start = start
        self.end = end
        self._usage: dict[str, list[DataPoint]] = {
            metric_type: list(points)
            for metric_type, points in sorted((usage or {}).items())}

    def __repr__(self) -> str:
        return 'DataFrame(%s, %s, %d types, %d points)' % (
            self.start.isoformat(), self.end.isoformat(), len(self._usage),
            len(self))

    def __len__(self) -> int:
        return sum(len(points) for points in self._usage.values())

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DataFrame) and self.start == other.start
                and self.end == other.end and self._usage == other._usage)

    @property
    def metric_types(self) -> list[str]:
        return list(self._usage)

    def add_point(self, point: DataPoint, metric_type: str) -> None:
        self.add_points((point,), metric_type)

    def add_points(self, points: Iterable[DataPoint], metric_type: str) -> None:
        if metric_type not in self._usage:
            self._usage[metric_type] = []
            if list(self._usage) != sorted(self._usage):
                self._usage = dict(sorted(self._usage.items()))
        self._usage[metric_type].extend(points)

    def points(self, metric_type: str) -> list[DataPoint]:
        return self._usage.get(metric_type, [])

    def iterpoints(self) -> Iterator[tuple[str, DataPoint]]:
        for metric_type, points in self._usage.items():
            for point in points:
                yield metric_type, point

    def itertypes(self) -> Iterator[tuple[str, list[DataPoint]]]:
        yield from self._usage.items()

    def replace_usage(self, usage: Mapping[str, list[DataPoint]]) -> DataFrame:
        """A frame of the same period with other points (types re-sorted)."""
        return DataFrame(self.start, self.end, usage)

    def as_dict(self, legacy: bool = False) -> dict[str, Any]:
        return {
            'period': {'begin': self.start, 'end': self.end},
            'usage': {metric_type: [point.as_dict(legacy) for point in points]
                      for metric_type, points in self._usage.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], legacy: bool = False) -> DataFrame:
        """Parse the wire form; raises ValueError naming what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError('a dataframe must be an object')
        period = data.get('period')
        if not isinstance(period, Mapping):
            raise ValueError("a dataframe needs a 'period' object")
        try:
            start, end = period['begin'], period['end']
        except KeyError as missing:
            raise ValueError('period is missing %s' % missing) from None
        usage = data.get('usage')
        if not isinstance(usage, Mapping):
            raise ValueError("a dataframe needs a 'usage' object")
        parsed: dict[str, list[DataPoint]] = {}
        for metric_type, points in usage.items():
            if not isinstance(points, list):
                raise ValueError('usage of %s must be a list' % metric_type)
            parsed[metric_type] = [DataPoint.from_dict(p, legacy) for p in points]
        return cls(parse_datetime(start), parse_datetime(end), parsed)

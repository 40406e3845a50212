"""Summary rollups: exact sums of the rated points per bucket.

A bucket is (scope, type, begin, end, calendar groupby keys): every summary
grouped by a subset of those and filtered by scope and type can be answered
from ``storage_rated_rollups`` instead of the points, which holds one row
per bucket (one per scope, type and period in practice) instead of one per
resource.

Exactness: every write of points changes the rollups in the same
transaction. A push adds the pushed amounts (summed here, with the values
written to the points table); a delete subtracts exactly the rows it removed
(``DELETE … RETURNING``), and drops the buckets left without a point. Adds
and subtracts are upserts on the bucket key, so concurrent writers to the same
bucket commute. Reprocessing (delete then push) therefore leaves exactly the
sums of the points stored.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql, postgresql, sqlite

from cloudkitty.storage import sqltypes
from cloudkitty.storage.v2.sqlalchemy import bulk
from cloudkitty.storage.v2.sqlalchemy.models import (
    CALENDAR_KEYS,
    json_text,
    rated_points,
    rated_rollups,
)

#: (scope, type, begin, end, *calendar key texts)
BucketKey = tuple[Any, ...]

KEY_COLUMNS = ('scope', 'type', 'begin', 'end', *CALENDAR_KEYS)

_ROLLUPS = rated_rollups.c
_POINTS = rated_points.c
_ADD = sqltypes.EXACT_CONTEXT.add
_NEGATE = sqltypes.EXACT_CONTEXT.minus
#: Buckets per statement when dropping emptied buckets.
_IN_CHUNK = 1000
_ROW_COLUMNS = ('bucket', *KEY_COLUMNS, 'qty', 'price', 'points')
_NUMBER_COLUMNS = frozenset(('qty', 'price', 'points'))
_UNNEST_UPSERT = sa.text(
    'INSERT INTO storage_rated_rollups (%s) SELECT * FROM unnest(%s) '
    'ON CONFLICT (bucket) DO UPDATE SET qty = storage_rated_rollups.qty + excluded.qty, '
    'price = storage_rated_rollups.price + excluded.price, '
    'points = storage_rated_rollups.points + excluded.points' % (
        ', '.join('"%s"' % column for column in _ROW_COLUMNS),
        ', '.join('CAST(:%s AS %s[])' % (column, {
            'begin': 'timestamp', 'end': 'timestamp', 'qty': 'numeric',
            'price': 'numeric', 'points': 'bigint'}.get(column, 'varchar'))
            for column in _ROW_COLUMNS)))

def attribute_text(value: Any) -> str:
    """A groupby value as the SQL JSON text extraction reads it ('' if absent)."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, list, dict)):
        return bulk.to_json(value)
    # Stored as its string by the documents' encoder.
    return str(value)


def _digests(keys: Iterable[BucketKey]) -> list[str]:
    """SHA-1 of each bucket key's fields joined by \\x1f (the ``bucket`` column).

    The keys of a push share few periods: each one is formatted once, which
    halves the client time of a push's rollups.
    """
    periods: dict[tuple[Any, Any], str] = {}
    digests = []
    for scope, metric_type, begin, end, *calendar in keys:
        period = periods.get((begin, end))
        if period is None:
            period = periods[(begin, end)] = '%s\x1f%s' % (begin, end)
        text = '\x1f'.join((str(scope), str(metric_type), period, *map(str, calendar)))
        digests.append(hashlib.sha1(text.encode('utf-8')).hexdigest())
    return digests


class Deltas:
    """Changes of (qty, price, point count) per bucket within one transaction."""

    def __init__(self) -> None:
        self._buckets: dict[BucketKey, list] = {}

    def __bool__(self) -> bool:
        return bool(self._buckets)

    def add(self, key: BucketKey, qty: Decimal, price: Decimal, points: int = 1) -> None:
        entry = self._buckets.get(key)
        if entry is None:
            self._buckets[key] = [qty, price, points]
        else:
            entry[0] = _ADD(entry[0], qty)
            entry[1] = _ADD(entry[1], price)
            entry[2] += points

    def track(self, records: Iterable[bulk.PointRecord]) -> Iterator[bulk.PointRecord]:
        """Pass ``records`` through, adding each one to its bucket.

        The amounts must already be on the stored scale (``Amount.to_scale``)
        for the sums to equal the stored points'.
        """
        calendar: tuple[str, ...] = ()
        calendar_of: dict | None = None
        for record in records:
            begin, end, scope, metric_type, _, qty, price, _, groupby, _ = record
            if groupby is not calendar_of:
                calendar_of = groupby
                calendar = tuple(attribute_text(groupby.get(key)) for key in CALENDAR_KEYS)
            self.add((scope or '', metric_type, begin, end, *calendar), qty, price)
            yield record

    def columns(self, sign: int) -> dict[str, list]:
        """The bucket rows column by column (``_ROW_COLUMNS`` order)."""
        # Negated in the exact context: ``-amount`` would round to 28 digits.
        signed = (lambda amount: amount) if sign > 0 else _NEGATE
        keys = list(self._buckets)
        sums = list(self._buckets.values())
        columns = {'bucket': _digests(keys)}
        columns.update(zip(KEY_COLUMNS, map(list, zip(*keys, strict=True)), strict=True))
        columns['qty'] = [signed(qty) for qty, _, _ in sums]
        columns['price'] = [signed(price) for _, price, _ in sums]
        columns['points'] = [points * sign for _, _, points in sums]
        return columns

    def rows(self, sign: int) -> list[dict[str, Any]]:
        columns = self.columns(sign)
        return [dict(zip(columns, values, strict=True))
                for values in zip(*columns.values(), strict=True)]

    @property
    def points(self) -> int:
        """The net number of points these deltas count."""
        return sum(points for _, _, points in self._buckets.values())

    def digests(self) -> list[str]:
        return _digests(self._buckets)


def _array_literal(values: list, quoted: bool) -> str:
    """A PostgreSQL array literal of ``values`` (as text; psycopg2 adapts a
    list element by element, several times slower).

    ``quoted`` elements are written as quoted strings (needed for '' and any
    text with separators); the escapes are looked for once per column.
    """
    if quoted:
        # Few distinct periods per push: each timestamp is formatted once.
        texts = list(map({value: str(value) for value in set(values)}.__getitem__, values))
    else:
        texts = list(map(str, values))
    if not quoted:
        return '{%s}' % ','.join(texts)
    joined = ''.join(texts)
    if '\\' in joined or '"' in joined:
        texts = [text.replace('\\', '\\\\').replace('"', '\\"') for text in texts]
    return '{"%s"}' % '","'.join(texts)


def _upsert(dialect: str) -> sa.Insert:
    """INSERT of bucket rows that adds to the bucket when it already exists."""
    if dialect == 'mysql':
        statement = mysql.insert(rated_rollups)
        new = statement.inserted
    else:
        statement = (postgresql if dialect == 'postgresql' else sqlite).insert(rated_rollups)
        new = statement.excluded
    changes = {
        'qty': sqltypes.amount_add(_ROLLUPS.qty, new.qty, sqltypes.rollup_qty_type(),
                                   dialect),
        'price': sqltypes.amount_add(_ROLLUPS.price, new.price,
                                     sqltypes.rollup_price_type(), dialect),
        'points': _ROLLUPS.points + new.points,
    }
    if dialect == 'mysql':
        return statement.on_duplicate_key_update(**changes)
    return statement.on_conflict_do_update(index_elements=['bucket'], set_=changes)


def apply(session: orm.Session, deltas: Deltas, sign: int = 1) -> None:
    """Add (``sign`` 1) or subtract (-1) ``deltas`` in the session's transaction."""
    if not deltas:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    sqltypes.prepare_connection(connection)
    if dialect == 'postgresql':
        # psycopg2 runs an executemany as one statement per row, and SQLAlchemy
        # compiles a multi-row VALUES anew each time: one array per column
        # instead, in one fixed statement.
        session.execute(_UNNEST_UPSERT, {
            column: _array_literal(values, quoted=column not in _NUMBER_COLUMNS)
            for column, values in deltas.columns(sign).items()})
    else:
        session.execute(_upsert(dialect), deltas.rows(sign))
    if sign < 0:
        digests = deltas.digests()
        for start in range(0, len(digests), _IN_CHUNK):
            session.execute(sa.delete(rated_rollups).where(
                _ROLLUPS.bucket.in_(digests[start:start + _IN_CHUNK]),
                _ROLLUPS.points <= 0))


def _bucket_columns(dialect: str) -> list[sa.ColumnElement]:
    """The bucket key of a point, computed in SQL like :meth:`Deltas.track` does."""
    return [sa.func.coalesce(_POINTS.scope, ''), _POINTS.type, _POINTS.begin, _POINTS.end,
            *[sa.func.coalesce(json_text(_POINTS.groupby, key, dialect), '')
              for key in CALENDAR_KEYS]]


def delete_points(session: orm.Session, conditions: list[sa.ColumnElement[bool]]) -> int:
    """Delete the matching points and subtract them from the rollups.

    Returns the number of points deleted.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    sqltypes.prepare_connection(connection)
    key_columns = [column.label('k%d' % index)
                   for index, column in enumerate(_bucket_columns(dialect))]
    deleted = (sa.delete(rated_points).where(*conditions)
               .returning(*key_columns, _POINTS.qty, _POINTS.price))
    deltas = Deltas()
    if dialect == 'postgresql':
        # A data-modifying CTE: the server sums the deleted rows per bucket.
        gone = deleted.cte('gone')
        keys = [gone.c['k%d' % index] for index in range(len(key_columns))]
        rows = session.execute(
            sa.select(*keys,
                      sa.func.sum(gone.c.qty, type_=sqltypes.rollup_qty_type()),
                      sa.func.sum(gone.c.price, type_=sqltypes.rollup_price_type()),
                      sa.func.count())
            .group_by(*keys))
        for *key, qty, price, points in rows:
            deltas.add(tuple(key), qty, price, points)
    else:
        if not connection.dialect.delete_returning:
            # MySQL proper: lock the rows (and the gaps between them), read, delete.
            read = (sa.select(*key_columns, _POINTS.qty, _POINTS.price)
                    .where(*conditions).with_for_update())
            rows = session.execute(read).all()
            session.execute(sa.delete(rated_points).where(*conditions))
        else:
            rows = session.execute(deleted)
        for *key, qty, price in rows:
            deltas.add(tuple(key), qty, price)
    apply(session, deltas, sign=-1)
    return deltas.points


def rebuild(connection: sa.Connection) -> None:
    """Recompute every bucket from the points (used by the migration)."""
    dialect = connection.dialect.name
    sqltypes.prepare_connection(connection)
    key_columns = _bucket_columns(dialect)
    grouped = sa.select(
        *key_columns,
        sqltypes.amount_sum(_POINTS.qty, sqltypes.rollup_qty_type(), dialect),
        sqltypes.amount_sum(_POINTS.price, sqltypes.rollup_price_type(), dialect),
        sa.func.count()).group_by(*key_columns)
    connection.execute(sa.delete(rated_rollups))
    deltas = Deltas()
    for *key, qty, price, points in connection.execute(grouped):
        deltas.add(tuple(key), qty, price, points)
    if deltas:
        connection.execute(sa.insert(rated_rollups), deltas.rows(1))


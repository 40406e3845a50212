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

import datetime
import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import mysql, postgresql, sqlite

from cloudkitty.storage import sqltypes
from cloudkitty.storage.v2.sqlalchemy.documents import attribute_text
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
_DAY, _WEEK, _MONTH, _YEAR = CALENDAR_KEYS
_EPOCH = datetime.datetime(1970, 1, 1)
_SECOND = datetime.timedelta(seconds=1)
_TIME_MASK = (1 << 48) - 1
#: Buckets per statement when dropping emptied buckets.
_IN_CHUNK = 1000
_ROW_COLUMNS = ('bucket', *KEY_COLUMNS, 'qty', 'price', 'points')
#: The key columns every bucket of one period shares.
_PERIOD_COLUMNS = ('begin', 'end', *CALENDAR_KEYS)
_NUMBER_COLUMNS = frozenset(('qty', 'price', 'points', 'period'))
#: PostgreSQL element type of each array parameter of ``_UNNEST_UPSERT``.
_ARRAY_TYPES = {
    'bucket': 'uuid', 'scope': 'varchar', 'type': 'varchar', 'qty': 'numeric',
    'price': 'numeric', 'points': 'bigint', 'period': 'integer',
    'begin': 'timestamp', 'end': 'timestamp', **dict.fromkeys(CALENDAR_KEYS, 'varchar')}
_BUCKET_ARRAYS = ('bucket', 'scope', 'type', 'qty', 'price', 'points', 'period')


def _unnest(columns: Iterable[str]) -> str:
    return 'unnest(%s)' % ', '.join('CAST(:%s AS %s[])' % (column, _ARRAY_TYPES[column])
                                    for column in columns)


def _quoted(columns: Iterable[str]) -> str:
    return ', '.join('"%s"' % column for column in columns)


#: One statement for any number of buckets: one array per column, the
#: period columns once per period (a push is usually one period) and joined
#: back by the period's position; parsing fewer array elements makes it about
#: 10% cheaper for the server than one array per key column.
_UNNEST_UPSERT = sa.text(
    'INSERT INTO storage_rated_rollups (%s) SELECT %s FROM %s AS buckets(%s) '
    'JOIN %s WITH ORDINALITY AS periods(%s, period) USING (period) '
    'ON CONFLICT (bucket) DO UPDATE SET qty = storage_rated_rollups.qty + excluded.qty, '
    'price = storage_rated_rollups.price + excluded.price, '
    'points = storage_rated_rollups.points + excluded.points' % (
        _quoted(_ROW_COLUMNS), _quoted(_ROW_COLUMNS), _unnest(_BUCKET_ARRAYS),
        _quoted(_BUCKET_ARRAYS), _unnest(_PERIOD_COLUMNS), _quoted(_PERIOD_COLUMNS)))


def _bucket_ids(keys: Iterable[BucketKey]) -> list[str]:
    """The ``bucket`` column of each key: a UUID (as 32 hex digits) of the
    period's begin (first 48 bits, seconds since the epoch) and the SHA-1 of
    the key's fields joined by \\x1f (the other 80 bits).

    Leading with the time keeps a push's new buckets together at the end of
    the primary key index, instead of scattered over all of it; the digest
    covers the whole key, begin included. The keys of a push share few
    periods: each one is formatted once.
    """
    periods: dict[tuple[Any, Any], tuple[str, str]] = {}
    ids = []
    for scope, metric_type, begin, end, *calendar in keys:
        period = periods.get((begin, end))
        if period is None:
            seconds = (begin - _EPOCH) // _SECOND
            period = periods[(begin, end)] = ('%012x' % (seconds & _TIME_MASK),
                                              '%s\x1f%s' % (begin, end))
        text = '\x1f'.join((scope, metric_type, period[1], *calendar))
        ids.append(period[0] + hashlib.sha1(text.encode('utf-8')).hexdigest()[:20])
    return ids


class Deltas:
    """Changes of (qty, price, point count) per bucket within one transaction."""

    def __init__(self) -> None:
        self._buckets: dict[BucketKey, list] = {}
        #: (begin, end, type, sums by (scope, raw calendar values)) of each
        #: :meth:`tracker`, folded into ``_buckets`` when they are read.
        self._tracked: list[tuple[datetime.datetime, datetime.datetime, str, dict]] = []

    def _fold(self) -> dict[BucketKey, list]:
        """``_buckets`` with every tracked point in."""
        for begin, end, metric_type, sums in self._tracked:
            for (scope, *calendar), (qty, price, points) in sums.items():
                self.add((scope or '', metric_type, begin, end,
                          *map(attribute_text, calendar)), qty, price, points)
        self._tracked.clear()
        return self._buckets

    def __bool__(self) -> bool:
        return bool(self._fold())

    def add(self, key: BucketKey, qty: Decimal, price: Decimal, points: int = 1) -> None:
        entry = self._buckets.get(key)
        if entry is None:
            self._buckets[key] = [qty, price, points]
        else:
            entry[0] = _ADD(entry[0], qty)
            entry[1] = _ADD(entry[1], price)
            entry[2] += points

    def tracker(self, begin: datetime.datetime, end: datetime.datetime, metric_type: str
                ) -> Callable[[str | None, dict, Decimal, Decimal], None]:
        """A function adding one ``metric_type`` point of [begin, end): called
        with its scope, groupby and amounts (those written: ``Amount.scaled``).

        It sums by the raw groupby values, converted to the key's text once
        per bucket when the deltas are read: a million-point push pays one
        short tuple and one dict look-up per point.
        """
        sums: dict[tuple, list] = {}
        self._tracked.append((begin, end, metric_type, sums))

        def track(scope: str | None, groupby: dict, qty: Decimal, price: Decimal) -> None:
            get = groupby.get
            key = (scope, get(_DAY), get(_WEEK), get(_MONTH), get(_YEAR))
            try:
                entry = sums.get(key)
            except TypeError:
                # A list or dict among the calendar values: keyed by its text.
                key = (scope, *map(attribute_text, key[1:]))
                entry = sums.get(key)
            if entry is None:
                sums[key] = [qty, price, 1]
            else:
                entry[0] = _ADD(entry[0], qty)
                entry[1] = _ADD(entry[1], price)
                entry[2] += 1

        return track

    def _signed_sums(self, sign: int) -> tuple[list, list, list]:
        """(qty, price, point count) of each bucket, negated when ``sign`` < 0."""
        # Negated in the exact context: ``-amount`` would round to 28 digits.
        signed = (lambda amount: amount) if sign > 0 else _NEGATE
        sums = self._fold().values()
        return ([signed(qty) for qty, _, _ in sums], [signed(price) for _, price, _ in sums],
                [points * sign for _, _, points in sums])

    def rows(self, sign: int) -> list[dict[str, Any]]:
        """One dict per bucket, keyed by ``_ROW_COLUMNS``."""
        return [{'bucket': bucket, **dict(zip(KEY_COLUMNS, key, strict=True)),
                 'qty': qty, 'price': price, 'points': points}
                for bucket, key, qty, price, points in zip(
                    _bucket_ids(self._fold()), self._buckets, *self._signed_sums(sign),
                    strict=True)]

    def arrays(self, sign: int) -> dict[str, list]:
        """The buckets column by column, the period columns once per period.

        Each bucket's ``period`` is the 1-based position of its period in
        the period columns.
        """
        keys = list(self._fold())
        positions: dict[tuple, int] = {}
        columns: dict[str, list] = {
            'bucket': _bucket_ids(keys),
            'scope': [key[0] for key in keys],
            'type': [key[1] for key in keys],
            'period': [positions.setdefault(key[2:], len(positions) + 1) for key in keys]}
        columns.update(zip(('qty', 'price', 'points'), self._signed_sums(sign), strict=True))
        columns.update(zip(_PERIOD_COLUMNS, map(list, zip(*positions, strict=True)),
                           strict=True))
        return columns

    @property
    def points(self) -> int:
        """The net number of points these deltas count."""
        return sum(points for _, _, points in self._fold().values())

    def bucket_ids(self) -> list[str]:
        return _bucket_ids(self._fold())


def _array_literal(values: list, quoted: bool) -> str:
    """A PostgreSQL array literal of ``values`` (as text; psycopg2 adapts a
    list element by element, several times slower).

    ``quoted`` elements are written as quoted strings (needed for '' and any
    text with separators); the escapes are looked for once per column.
    """
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


def _upsert_many(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """:func:`_upsert` of ``rows`` as one driver-level executemany.

    Compiled once, each value converted by its column type's own processor:
    SQLAlchemy's per-row parameter handling otherwise costs more than the
    upsert itself (SQLite: 9 µs a bucket).
    """
    dialect = connection.dialect
    compiled = _upsert(dialect.name).compile(dialect=dialect)
    processors = [(name, process) for name in _ROW_COLUMNS
                  if (process := _ROLLUPS[name].type.dialect_impl(dialect).bind_processor(
                      dialect)) is not None]
    for row in rows:
        for name, process in processors:
            row[name] = process(row[name])
    connection.exec_driver_sql(compiled.string, [
        tuple(map(row.__getitem__, compiled.positiontup)) for row in rows]
        if compiled.positional else rows)


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
            for column, values in deltas.arrays(sign).items()})
    else:
        _upsert_many(connection, deltas.rows(sign))
    if sign < 0:
        buckets = deltas.bucket_ids()
        for start in range(0, len(buckets), _IN_CHUNK):
            session.execute(sa.delete(rated_rollups).where(
                _ROLLUPS.bucket.in_(buckets[start:start + _IN_CHUNK]),
                _ROLLUPS.points <= 0))


def _bucket_columns(dialect: str) -> list[sa.ColumnElement]:
    """The bucket key of a point, computed in SQL as :meth:`Deltas.tracker` does."""
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


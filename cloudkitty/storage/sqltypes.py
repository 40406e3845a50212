"""Exact amounts for the SQL storage backends (v2 ``sqlalchemy`` and v1).

Precision choice:

* ``qty`` is NUMERIC(40, 18): 22 integer digits hold any byte counter, and 18
  fractional digits any unit conversion we apply.
* ``price`` is NUMERIC(40, 28): hashmap costs have 28 fractional digits
  (contract §3.5), so a price is kept to the same 1e-28 step; the 12 integer
  digits allow up to a trillion per point. A price with more fractional digits
  (qty × cost) is rounded half-even at the 28th digit, once, on write, the
  same way on every database, never truncated.

SQLite has no exact numeric type: its NUMERIC goes through a binary float. The
amounts are therefore stored there as decimal text, and summed by the exact
aggregate ``ck_decimal_sum`` that :func:`prepare_connection` registers on the
connection (SQLite's own ``SUM`` would convert the text to floats), and
added by ``ck_decimal_add`` (the summary rollups' upserts).

The rollup sums (``rollup_qty_type``/``rollup_price_type``) keep the same
scales with 20 more integer digits, so that no sum of points can overflow.
"""
from __future__ import annotations

import decimal

import sqlalchemy as sa
from sqlalchemy import types

QTY_PRECISION, QTY_SCALE = 40, 18
PRICE_PRECISION, PRICE_SCALE = 40, 28
#: Integer digits added to the sums kept by the summary rollups.
_SUM_EXTRA_DIGITS = 20

# Sums of many 28-digit prices need more than the default 28 significant digits.
EXACT_CONTEXT = decimal.Context(prec=120)
_ONE = decimal.Decimal(1)


def tidy(value: decimal.Decimal) -> decimal.Decimal:
    """The same number without the trailing zeros NUMERIC(p, s) pads it with."""
    if value == value.to_integral_value():
        return value.quantize(_ONE, context=EXACT_CONTEXT)
    return value.normalize(context=EXACT_CONTEXT)


class Amount(types.TypeDecorator):
    """NUMERIC(precision, scale) read back as a tidy Decimal; text on SQLite."""

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self._scale = scale
        self._quantum = _ONE.scaleb(-scale)

    def load_dialect_impl(self, dialect):
        if dialect.name == 'sqlite':
            return dialect.type_descriptor(sa.Text())
        return dialect.type_descriptor(self.impl)

    def to_scale(self, value) -> decimal.Decimal:
        """``value`` as a Decimal with at most ``scale`` fractional digits."""
        return self.scaled(value)[0]

    def scaled(self, value) -> tuple[decimal.Decimal, str]:
        """(``value`` with at most ``scale`` fractional digits, its text).

        Rounded here (half-even) rather than by the database, so that every
        database and every write path (bulk COPY included) stores the same.
        The text is what gets written: the bulk paths need both, and the
        digits are counted on it (three times cheaper than ``as_tuple()``;
        this runs twice per stored point).
        """
        if type(value) is not decimal.Decimal:
            value = decimal.Decimal(str(value))
        text = str(value)
        point = text.find('.')
        if 'E' in text or (point >= 0 and len(text) - point - 1 > self._scale):
            value = value.quantize(self._quantum, context=EXACT_CONTEXT)
            text = str(value)
        return value, text

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = self.to_scale(value)
        return str(value) if dialect.name == 'sqlite' else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return tidy(decimal.Decimal(value))


class _DecimalSum:
    """SQLite aggregate: exact sum of decimal text, NULL when no value."""

    def __init__(self):
        self.total: decimal.Decimal | None = None

    def step(self, value) -> None:
        if value is None:
            return
        amount = decimal.Decimal(value if isinstance(value, str) else str(value))
        self.total = amount if self.total is None else EXACT_CONTEXT.add(self.total, amount)

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def _decimal_add(left, right) -> str | None:
    """SQLite scalar: exact ``left + right`` of decimal text (NULL counts as 0)."""
    terms = [decimal.Decimal(str(term)) for term in (left, right) if term is not None]
    return str(EXACT_CONTEXT.add(*terms)) if len(terms) == 2 else (
        str(terms[0]) if terms else None)


def prepare_connection(connection: sa.Connection) -> None:
    """Make :func:`amount_sum`/:func:`amount_add` usable here (SQLite only).

    Registering is cheap and idempotent, so it is done on the connection that
    runs the query rather than through a pool event, which would miss the
    connections opened before the backend was built.
    """
    if connection.dialect.name == 'sqlite':
        raw = connection.connection.driver_connection
        raw.create_aggregate('ck_decimal_sum', 1, _DecimalSum)
        raw.create_function('ck_decimal_add', 2, _decimal_add, deterministic=True)


def amount_sum(column: sa.ColumnElement, amount_type: Amount,
               dialect: str) -> sa.ColumnElement:
    """SUM(column), exact on every dialect (see :func:`prepare_connection`)."""
    function = sa.func.ck_decimal_sum if dialect == 'sqlite' else sa.func.sum
    return function(column, type_=amount_type)


def amount_add(left: sa.ColumnElement, right: sa.ColumnElement, amount_type: Amount,
               dialect: str) -> sa.ColumnElement:
    """``left + right``, exact on every dialect (see :func:`prepare_connection`)."""
    if dialect == 'sqlite':
        return sa.func.ck_decimal_add(left, right, type_=amount_type)
    return left + right


def qty_type() -> Amount:
    return Amount(QTY_PRECISION, QTY_SCALE)


def price_type() -> Amount:
    return Amount(PRICE_PRECISION, PRICE_SCALE)


def rollup_qty_type() -> Amount:
    return Amount(QTY_PRECISION + _SUM_EXTRA_DIGITS, QTY_SCALE)


def rollup_price_type() -> Amount:
    return Amount(PRICE_PRECISION + _SUM_EXTRA_DIGITS, PRICE_SCALE)

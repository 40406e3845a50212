"""Column types that keep decimals exact on every supported database."""
import decimal

import sqlalchemy as sa
from sqlalchemy import types

from cloudkitty.common import exception


class ExactDecimal(types.TypeDecorator):
    """NUMERIC(precision, scale), stored as text on SQLite.

    SQLite has no exact numeric type: a NUMERIC column goes through a binary
    float (``0.1`` reads back as ``0.1000000000000000055511151231``). Storing
    the quantized decimal as text keeps costs exact there too, and every
    database returns a Decimal with exactly ``scale`` fractional digits.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self._quantum = decimal.Decimal(1).scaleb(-scale)
        self._context = decimal.Context(prec=precision)

    def checked(self, name: str, value) -> decimal.Decimal:
        """``value`` as stored, or Invalid (a 400) when it has too many integer digits."""
        try:
            return decimal.Decimal(value).quantize(self._quantum, context=self._context)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise exception.Invalid(
                'Invalid %s %s: at most %d digits are stored before the decimal point.'
                % (name, value, self.impl.precision - self.impl.scale)) from None

    def load_dialect_impl(self, dialect):
        if dialect.name == 'sqlite':
            return dialect.type_descriptor(sa.String(self.impl.precision + 2))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        quantized = decimal.Decimal(value).quantize(self._quantum,
                                                    context=self._context)
        return str(quantized) if dialect.name == 'sqlite' else quantized

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decimal.Decimal(value).quantize(self._quantum, context=self._context)

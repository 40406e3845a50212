"""Time helpers. Everything stored is naive UTC; everything computed is UTC."""
import calendar
import datetime

UTC = datetime.UTC


def utcnow() -> datetime.datetime:
    """Now as a naive UTC datetime (the storage convention)."""
    return datetime.datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(value: datetime.datetime) -> datetime.datetime:
    """Convert an aware datetime to naive UTC; naive values are taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_aware_utc(value: datetime.datetime) -> datetime.datetime:
    """Attach UTC to a naive value (v2 output uses isoformat with an offset)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def month_start(value: datetime.datetime | None = None) -> datetime.datetime:
    """First instant of the month of ``value`` (default now), naive UTC."""
    value = value or utcnow()
    return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(value: datetime.datetime | None = None) -> datetime.datetime:
    """First instant of the month after the month of ``value``, naive UTC."""
    start = month_start(value)
    days = calendar.monthrange(start.year, start.month)[1]
    return start + datetime.timedelta(days=days)


def to_epoch(value: datetime.datetime) -> int:
    """Whole seconds since the epoch of a naive-UTC or aware datetime."""
    return calendar.timegm(to_naive_utc(value).timetuple())


def from_epoch(seconds: float) -> datetime.datetime:
    """Naive UTC datetime from epoch seconds."""
    return datetime.datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)

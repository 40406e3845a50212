"""Datetimes accepted from API callers."""
from __future__ import annotations

import datetime

from cloudkitty.common import tz

#: Rated data lives between these years; anything else is a client mistake
#: that would overflow epoch or timezone arithmetic further down.
MIN_YEAR = 1970
MAX_YEAR = 9000


def in_supported_range(value: datetime.datetime) -> datetime.datetime:
    """``value`` as naive UTC; ValueError outside [MIN_YEAR, MAX_YEAR]."""
    try:
        naive = tz.to_naive_utc(value)
    except OverflowError:
        raise ValueError('datetime out of range') from None
    if not MIN_YEAR <= naive.year <= MAX_YEAR:
        raise ValueError('datetime out of range: years %d to %d are accepted'
                         % (MIN_YEAR, MAX_YEAR))
    return naive

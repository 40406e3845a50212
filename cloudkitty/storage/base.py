"""The v2 storage driver interface (contract §7.2).

Every backend (plugins of ``cloudkitty.storage.v2.backends``, and the v1 SQL
backend through its adapter) implements this ABC, and one shared test suite
runs against each of them.
"""
from __future__ import annotations

import abc
import datetime
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cloudkitty.common import exception, tz
from cloudkitty.dataframe import DataFrame

if TYPE_CHECKING:
    from cloudkitty.db.engine import Database

#: Called with the backend's open SQL session (or None) to advance the scope
#: state in the same unit of work as the stored period.
AdvanceState = Callable[[Any], None]

#: ``time-<x>`` groupby aliases -> the calendar groupby keys every collected
#: point carries (contract §2.2, §6.2).
TIME_GROUPBY_ALIASES = {
    'time-d': 'day_of_the_year',
    'time-w': 'week_of_the_year',
    'time-m': 'month',
    'time-y': 'year',
}

#: The ``time`` groupby: one row per stored period, no extra column.
TIME_GROUPBY = 'time'


def translate_groupby(groupby: Iterable[str] | None) -> list[str]:
    """Resolve the ``time-<x>`` aliases and drop repeated keys (order kept).

    Raises :class:`exception.Invalid` for an unknown ``time-<x>`` alias.
    """
    result: list[str] = []
    for key in groupby or ():
        if key.startswith('time-'):
            if key not in TIME_GROUPBY_ALIASES:
                raise exception.Invalid(
                    'Invalid groupby time option. There is no groupby processing '
                    'for [%s].' % key)
            key = TIME_GROUPBY_ALIASES[key]
        if key not in result:
            result.append(key)
    return result


def default_window(begin: datetime.datetime | None, end: datetime.datetime | None
                   ) -> tuple[datetime.datetime, datetime.datetime]:
    """The query window, each missing bound taken from the current month."""
    return begin or tz.month_start(), end or tz.next_month_start()


def metric_type_list(metric_types: str | Iterable[str] | None) -> list[str]:
    """``metric_types`` as a list (a single string is one type)."""
    if metric_types is None:
        return []
    if isinstance(metric_types, str):
        return [metric_types]
    return list(metric_types)


def filter_values(value: Any) -> list[Any]:
    """A filter value as the list of values it accepts (a list means OR)."""
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


class BaseStorage(abc.ABC):
    """Rated data storage. ``begin``/``end`` are naive UTC datetimes.

    Backends are built as ``Backend(conf, db=db)`` by
    :func:`cloudkitty.storage.get_storage`; ``db`` is the shared SQL database
    (``[database] connection``), used by the SQL backends and ignored by the
    others.
    """

    def __init__(self, conf, db: Database | None = None):
        self.conf = conf

    @abc.abstractmethod
    def init(self) -> None:
        """Create the schema, index or database, or check that it exists."""

    @abc.abstractmethod
    def push(self, dataframes: Iterable[DataFrame], scope_id: str | None = None) -> None:
        """Store every point of every frame, in as few round trips as possible."""

    @abc.abstractmethod
    def retrieve(self, begin: datetime.datetime | None = None,
                 end: datetime.datetime | None = None,
                 filters: dict[str, Any] | None = None,
                 metric_types: str | list[str] | None = None,
                 offset: int = 0, limit: int = 1000,
                 paginate: bool = True) -> dict[str, Any]:
        """``{"total": matching point count, "dataframes": [DataFrame, ...]}``.

        Filters are groupby/metadata attributes; a list value means OR. Points
        are regrouped into frames by (start, end), sorted by start; offset and
        limit count points.
        """

    @abc.abstractmethod
    def total(self, groupby: list[str] | None = None,
              begin: datetime.datetime | None = None,
              end: datetime.datetime | None = None,
              metric_types: str | list[str] | None = None,
              filters: dict[str, Any] | None = None,
              custom_fields: str | None = None,
              offset: int = 0, limit: int = 1000,
              paginate: bool = True) -> dict[str, Any]:
        """``{"total": row count, "results": [row, ...]}`` aggregated in the backend.

        Each row has ``begin``, ``end``, ``qty`` (sum), ``rate`` (sum of prices)
        and one key per groupby attribute (``type`` is the metric type, ``time``
        one row per period, ``time-d|w|m|y`` the calendar groupby keys).
        """

    @abc.abstractmethod
    def delete(self, begin: datetime.datetime | None = None,
               end: datetime.datetime | None = None,
               filters: dict[str, Any] | None = None) -> None:
        """Delete the points of [begin, end) matching filters (None: unbounded)."""

    def commit_period(self, scope_id: str, begin: datetime.datetime,
                      end: datetime.datetime, dataframes: list[DataFrame],
                      advance: AdvanceState) -> None:
        """Store one scope's period and advance its state as one unit.

        The default (for backends without transactions) deletes whatever an
        interrupted earlier attempt stored for that period, pushes, then
        advances: a crash at any point is repaired by the retry. SQL backends
        override it to do all three in one transaction.
        """
        self.delete(begin, end, {self.conf.collect.scope_key: scope_id})
        if dataframes:
            self.push(dataframes, scope_id)
        advance(None)

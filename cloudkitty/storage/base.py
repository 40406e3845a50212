"""The v2 storage driver interface (contract §7.2).

Every backend (plugins of ``cloudkitty.storage.v2.backends``, and the v1 SQL
backend through its adapter) implements this ABC, and one shared test suite
runs against each of them.
"""
from __future__ import annotations

import abc
import datetime
from collections.abc import Callable, Iterable
from typing import Any

from cloudkitty.dataframe import DataFrame

#: Called with the backend's open SQL session (or None) to advance the scope
#: state in the same unit of work as the stored period.
AdvanceState = Callable[[Any], None]


class BaseStorage(abc.ABC):
    """Rated data storage. ``begin``/``end`` are naive UTC datetimes."""

    def __init__(self, conf):
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

"""The v2 storage interface on top of the v1 SQL backend (contract §7.3).

What v1 can express, mapped from the v2 vocabulary:

* filters: ``[collect] scope_key`` -> the tenant, ``type`` -> res_type;
* groupby: ``type`` -> res_type, ``scope_key`` -> tenant_id;
* windows keep the v1 meaning: a row's begin *and* end must fall inside.

Anything else (other filter or groupby attributes, ``time`` groupbys) raises
:class:`exception.Invalid`: v1 stored them merged in an opaque ``desc``.
``delete`` is a no-op that logs a warning, as upstream.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db.engine import Database
from cloudkitty.storage import base
from cloudkitty.storage.v1.sqlalchemy import (
    GROUPBY_TENANT,
    GROUPBY_TYPE,
    SQLAlchemyV1Storage,
)

LOG = logging.getLogger(__name__)


class V1StorageAdapter(base.BaseStorage):
    """A :class:`SQLAlchemyV1Storage` seen through :class:`base.BaseStorage`."""

    def __init__(self, conf, backend: SQLAlchemyV1Storage):
        super().__init__(conf, backend.db)
        self.backend = backend
        self.db: Database = backend.db
        self._scope_key = conf.collect.scope_key

    def init(self) -> None:
        self.backend.init()

    def push(self, dataframes: Iterable[DataFrame], scope_id: str | None = None) -> None:
        with self.db.session() as session:
            self.backend.insert_frames(session, dataframes, scope_id)

    def commit_period(self, scope_id: str, begin: datetime.datetime,
                      end: datetime.datetime, dataframes: list[DataFrame],
                      advance: base.AdvanceState) -> None:
        """Rows (or the ``_NO_DATA_`` placeholder) and state in one transaction."""
        with self.db.session() as session:
            if not self.backend.insert_frames(session, dataframes, scope_id):
                self.backend.insert_no_data(session, scope_id, begin, end)
            advance(session)

    def delete(self, begin: datetime.datetime | None = None,
               end: datetime.datetime | None = None,
               filters: dict[str, Any] | None = None) -> None:
        LOG.warning('The v1 storage cannot delete data; [%s, %s) matching %s is kept',
                    begin, end, filters)

    def _v1_filters(self, filters: dict[str, Any] | None,
                    metric_types: str | list[str] | None) -> tuple[str | None, list[str]]:
        """(tenant_id, res_types) for a v2 filter set, or Invalid."""
        tenant_id = None
        res_types = base.metric_type_list(metric_types)
        for key, value in (filters or {}).items():
            values = [str(item) for item in base.filter_values(value)]
            if key == 'type':
                # Both a type filter and metric_types: their intersection, and an
                # empty one must match nothing (no stored row has type '').
                res_types = [t for t in res_types if t in values] if res_types else values
                res_types = res_types or ['']
            elif key == self._scope_key and len(values) == 1:
                tenant_id = values[0]
            else:
                raise exception.Invalid(
                    'The v1 storage can only filter on one %s and on type, not on %s'
                    % (self._scope_key, key))
        return tenant_id, res_types

    def retrieve(self, begin: datetime.datetime | None = None,
                 end: datetime.datetime | None = None,
                 filters: dict[str, Any] | None = None,
                 metric_types: str | list[str] | None = None,
                 offset: int = 0, limit: int = 1000,
                 paginate: bool = True) -> dict[str, Any]:
        """Points come back with the v1 merged ``desc`` as groupby, no metadata."""
        begin, end = base.default_window(begin, end)
        tenant_id, res_types = self._v1_filters(filters, metric_types)
        total = self.backend.count_rows(begin, end, tenant_id, res_types)
        rows = self.backend.get_rows(begin, end, tenant_id, res_types,
                                     offset if paginate else 0,
                                     limit if paginate else None)
        frames: dict[tuple[datetime.datetime, datetime.datetime], DataFrame] = {}
        for row in rows:
            period = (row['begin'], row['end'])
            if period not in frames:
                frames[period] = DataFrame(*period)
            frames[period].add_point(
                DataPoint(row['unit'], row['qty'], row['rate'], row['desc'], {}),
                row['res_type'])
        return {'total': total, 'dataframes': list(frames.values())}

    def total(self, groupby: list[str] | None = None,
              begin: datetime.datetime | None = None,
              end: datetime.datetime | None = None,
              metric_types: str | list[str] | None = None,
              filters: dict[str, Any] | None = None,
              custom_fields: str | None = None,
              offset: int = 0, limit: int = 1000,
              paginate: bool = True) -> dict[str, Any]:
        """Sums by type and/or scope, sorted by groupby values like v2 backends."""
        v2_to_v1 = {'type': GROUPBY_TYPE, self._scope_key: GROUPBY_TENANT}
        keys = base.translate_groupby(groupby)
        unsupported = [key for key in keys if key not in v2_to_v1]
        if unsupported:
            raise exception.Invalid('The v1 storage cannot group by %s'
                                    % ', '.join(unsupported))
        begin, end = base.default_window(begin, end)
        tenant_id, res_types = self._v1_filters(filters, metric_types)
        rows = self.backend.get_total(begin, end, tenant_id, res_types,
                                      [v2_to_v1[key] for key in keys])
        results = []
        for row in rows:
            result = {'begin': begin, 'end': end, 'qty': row['qty'], 'rate': row['rate']}
            result.update((key, row[v2_to_v1[key]] or '') for key in keys)
            results.append(result)
        results.sort(key=lambda result: [result[key] for key in keys])
        page = results[offset:offset + limit] if paginate else results
        return {'total': len(results), 'results': page}

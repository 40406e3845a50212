"""The deprecated v1 ``sqlalchemy`` storage: one ``rated_data_frames`` row per point.

This is the v1 backend itself, with the v1 query vocabulary (tenant,
res_type, totals ordered by sum). The processor and the v2 interface reach it
through :class:`cloudkitty.storage.v1.adapter.V1StorageAdapter`; the v1 report
and storage routes through :mod:`cloudkitty.storage.v1_compat`.

Window semantics (v1): a row is in [begin, end] when its begin and its end
both fall within the window.
"""
from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from cloudkitty.dataframe import DataFrame
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from cloudkitty.storage import sqltypes
from cloudkitty.storage.v1.models import NO_DATA_TYPE, rated_data_frames

LOG = logging.getLogger(__name__)

_ROWS = rated_data_frames.c

#: The v1 groupby vocabulary.
GROUPBY_TENANT, GROUPBY_TYPE = 'tenant_id', 'res_type'


def _json_default(value: Any) -> Any:
    return str(value)


class SQLAlchemyV1Storage:
    """Rated data as ``rated_data_frames`` rows (contract §7.3)."""

    def __init__(self, conf, db: Database | None = None):
        self.conf = conf
        self.db = db or Database.from_conf(conf)

    def init(self) -> None:
        """Create or upgrade the table (idempotent)."""
        migration.upgrade(self.db, module='storage_sqlalchemy')

    # --- writing -----------------------------------------------------------

    def insert_frames(self, session: orm.Session, dataframes: Iterable[DataFrame],
                      tenant_id: str | None) -> int:
        """Insert one row per point (one executemany); returns the row count.

        ``tenant_id`` defaults to each point's ``[collect] scope_key`` value.
        The stored ``desc`` is the point's metadata merged with its groupby.
        """
        scope_key = self.conf.collect.scope_key
        rows = []
        for frame in dataframes:
            for metric_type, point in frame.iterpoints():
                desc = point.desc
                tenant = tenant_id if tenant_id is not None else desc.get(scope_key)
                rows.append({
                    'tenant_id': None if tenant is None else str(tenant),
                    'begin': frame.start, 'end': frame.end, 'unit': point.unit,
                    'qty': point.qty, 'res_type': metric_type, 'rate': point.price,
                    'desc': json.dumps(desc, default=_json_default),
                })
        if rows:
            session.execute(sa.insert(rated_data_frames), rows)
        return len(rows)

    @staticmethod
    def insert_no_data(session: orm.Session, tenant_id: str, begin: datetime.datetime,
                       end: datetime.datetime) -> None:
        """Record that [begin, end) was processed and had no data (never read)."""
        session.execute(sa.insert(rated_data_frames).values(
            tenant_id=tenant_id, begin=begin, end=end, res_type=NO_DATA_TYPE))

    # --- reading -----------------------------------------------------------

    @staticmethod
    def _conditions(begin: datetime.datetime, end: datetime.datetime,
                    tenant_id: str | None = None,
                    res_types: Sequence[str] = ()) -> list[sa.ColumnElement[bool]]:
        conditions = [_ROWS.begin >= begin, _ROWS.end <= end,
                      _ROWS.res_type != NO_DATA_TYPE]
        if tenant_id is not None:
            conditions.append(_ROWS.tenant_id == tenant_id)
        if res_types:
            conditions.append(_ROWS.res_type.in_(list(res_types)))
        return conditions

    def get_tenants(self, begin: datetime.datetime, end: datetime.datetime) -> list[str]:
        """Distinct tenants with a row inside the window, sorted."""
        query = (sa.select(_ROWS.tenant_id).distinct()
                 .where(*self._conditions(begin, end), _ROWS.tenant_id.is_not(None))
                 .order_by(_ROWS.tenant_id))
        with self.db.session() as session:
            return list(session.scalars(query))

    def get_total(self, begin: datetime.datetime, end: datetime.datetime,
                  tenant_id: str | None = None, res_types: Sequence[str] = (),
                  groupby: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Sums of qty and rate, grouped by ``tenant_id``/``res_type``.

        Rows are ``{"begin", "end", "qty", "rate", <grouped keys>}`` ordered by
        rate ascending; no row at all when nothing matches.
        """
        columns = {GROUPBY_TENANT: _ROWS.tenant_id, GROUPBY_TYPE: _ROWS.res_type}
        unknown = [key for key in groupby if key not in columns]
        if unknown:
            raise ValueError('v1 storage cannot group by %s' % ', '.join(unknown))
        group_columns = [columns[key].label(key) for key in groupby]
        dialect = self.db.dialect
        query = (sa.select(*group_columns,
                           sqltypes.amount_sum(_ROWS.qty, sqltypes.qty_type(),
                                               dialect).label('qty'),
                           sqltypes.amount_sum(_ROWS.rate, sqltypes.price_type(),
                                               dialect).label('rate'))
                 .where(*self._conditions(begin, end, tenant_id, res_types))
                 .group_by(*[columns[key] for key in groupby])
                 .having(sa.func.count() > 0))
        with self.db.session() as session:
            sqltypes.prepare_connection(session.connection())
            rows = session.execute(query).all()
        results = []
        for row in rows:
            result = {'begin': begin, 'end': end, 'qty': row.qty, 'rate': row.rate}
            result.update((key, getattr(row, key)) for key in groupby)
            results.append(result)
        # Sorted here, not in SQL: SQLite's exact sums are text.
        results.sort(key=lambda result: result['rate'])
        return results

    def count_rows(self, begin: datetime.datetime, end: datetime.datetime,
                   tenant_id: str | None = None, res_types: Sequence[str] = ()) -> int:
        query = (sa.select(sa.func.count()).select_from(rated_data_frames)
                 .where(*self._conditions(begin, end, tenant_id, res_types)))
        with self.db.session() as session:
            return session.scalar(query)

    def get_rows(self, begin: datetime.datetime, end: datetime.datetime,
                 tenant_id: str | None = None, res_types: Sequence[str] = (),
                 offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored rows in (begin, res_type, id) order, ``desc`` decoded.

        Each row is ``{"id", "tenant_id", "begin", "end", "unit", "qty",
        "res_type", "rate", "desc"}``.
        """
        query = (sa.select(rated_data_frames)
                 .where(*self._conditions(begin, end, tenant_id, res_types))
                 .order_by(_ROWS.begin, _ROWS.res_type, _ROWS.id)
                 .offset(offset).limit(limit))
        with self.db.session() as session:
            rows = session.execute(query).mappings().all()
        return [{**row, 'desc': json.loads(row['desc'] or '{}')} for row in rows]

"""What the v1 report and storage routes need, on v1 and on v2 storage (§1.6, §1.7).

Every function takes the storage returned by
:func:`cloudkitty.storage.get_storage` and answers with plain Python values
(naive-UTC datetimes, Decimals); the API only renders them. On v1 storage the
v1 SQL backend is queried directly, keeping its semantics (one dataframe per
row, totals ordered by sum, rows fully inside the window); on v2 storage the
generic ``retrieve``/``total`` of the backend is used.
"""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from cloudkitty.dataframe import ZERO
from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from cloudkitty.storage import base

#: v1 summary placeholder of a dimension that was not grouped.
ALL = 'ALL'
#: v1 dataframe tenant when the first point carries no scope.
UNDEFINED_TENANT = '__UNDEF__'
#: The v1 groupby tokens understood by ``/v1/report/summary``.
SUMMARY_GROUPBY = ('tenant_id', 'res_type')


def _v1_backend(storage: base.BaseStorage):
    """The v1 SQL backend behind ``storage``, or None on v2 storage."""
    from cloudkitty.storage.v1.adapter import V1StorageAdapter
    return storage.backend if isinstance(storage, V1StorageAdapter) else None


def scope_identifiers(db: Database) -> list[str]:
    """Every distinct identifier of the scope state table, sorted."""
    query = (sa.select(ScopeState.identifier).distinct()
             .order_by(ScopeState.identifier))
    with db.session() as session:
        return list(session.scalars(query))


def list_tenants(storage: base.BaseStorage, db: Database,
                 begin: datetime.datetime, end: datetime.datetime) -> list[str]:
    """``GET /v1/report/tenants``: tenants with data in the window (v1), or
    every scope of the state table whatever the window (v2, §12.14)."""
    backend = _v1_backend(storage)
    if backend is not None:
        return backend.get_tenants(begin, end)
    return scope_identifiers(db)


def _v2_filters(storage: base.BaseStorage, tenant_id: str | None) -> dict[str, Any]:
    return {storage.conf.collect.scope_key: tenant_id} if tenant_id is not None else {}


def summary(storage: base.BaseStorage, begin: datetime.datetime,
            end: datetime.datetime, tenant_id: str | None = None,
            service: str | None = None,
            groupby: Sequence[str] = ()) -> list[dict[str, Any]]:
    """``GET /v1/report/summary`` rows: ``{"begin", "end", "tenant_id",
    "res_type", "rate"}``.

    ``groupby`` holds tokens of :data:`SUMMARY_GROUPBY` in the requested order
    (others are ignored); an ungrouped dimension is :data:`ALL`. ``rate`` is the exact Decimal sum
    (the API rounds and renders it). Ordered by rate on v1, by the grouped
    values on v2. Without groupby there is exactly one row (rate 0 if empty).
    """
    keys = list(dict.fromkeys(key for key in groupby if key in SUMMARY_GROUPBY))
    backend = _v1_backend(storage)
    if backend is not None:
        rows = backend.get_total(begin, end, tenant_id, [service] if service else [],
                                 keys)
        results = [{'begin': begin, 'end': end,
                    'tenant_id': row.get('tenant_id', ALL),
                    'res_type': row.get('res_type', ALL), 'rate': row['rate']}
                   for row in rows]
    else:
        v2_keys = {'tenant_id': storage.conf.collect.scope_key, 'res_type': 'type'}
        totals = storage.total(groupby=[v2_keys[key] for key in keys], begin=begin,
                               end=end, metric_types=service,
                               filters=_v2_filters(storage, tenant_id), paginate=False)
        results = [{'begin': begin, 'end': end,
                    'tenant_id': row[v2_keys['tenant_id']] if 'tenant_id' in keys else ALL,
                    'res_type': row['type'] if 'res_type' in keys else ALL,
                    'rate': row['rate']}
                   for row in totals['results']]
    if not results and not keys:
        results = [{'begin': begin, 'end': end, 'tenant_id': ALL, 'res_type': ALL,
                    'rate': ZERO}]
    return results


def total(storage: base.BaseStorage, begin: datetime.datetime,
          end: datetime.datetime, tenant_id: str | None = None,
          service: str | None = None) -> decimal.Decimal:
    """``GET /v1/report/total``: the exact sum of prices (0 when no data)."""
    rows = summary(storage, begin, end, tenant_id, service)
    return rows[0]['rate']


def dataframes(storage: base.BaseStorage, begin: datetime.datetime,
               end: datetime.datetime, tenant_id: str | None = None,
               resource_type: str | None = None) -> list[dict[str, Any]]:
    """``GET /v1/storage/dataframes`` items.

    Each item is ``{"begin", "end", "tenant_id", "resources": [{"service",
    "volume", "rating", "desc"}]}`` (volume/rating Decimals). v1 storage: one
    item per stored row, ``desc`` with ``tenant_id`` injected. v2 storage: one
    item per (period, metric type) with all its points; the item's tenant is
    the first point's scope, or :data:`UNDEFINED_TENANT`.
    """
    if begin > end:
        return []
    backend = _v1_backend(storage)
    if backend is not None:
        rows = backend.get_rows(begin, end, tenant_id,
                                [resource_type] if resource_type else [])
        return [{'begin': row['begin'], 'end': row['end'], 'tenant_id': row['tenant_id'],
                 'resources': [{'service': row['res_type'], 'volume': row['qty'],
                                'rating': row['rate'],
                                'desc': {**row['desc'], 'tenant_id': row['tenant_id']}}]}
                for row in rows]
    scope_key = storage.conf.collect.scope_key
    retrieved = storage.retrieve(begin=begin, end=end,
                                 filters=_v2_filters(storage, tenant_id),
                                 metric_types=resource_type, paginate=False)
    items = []
    for frame in retrieved['dataframes']:
        for metric_type, points in frame.itertypes():
            first_desc = points[0].desc
            items.append({
                'begin': frame.start, 'end': frame.end,
                'tenant_id': first_desc.get(scope_key, UNDEFINED_TENANT),
                'resources': [{'service': metric_type, 'volume': point.qty,
                               'rating': point.price, 'desc': point.desc}
                              for point in points]})
    return items

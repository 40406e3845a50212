"""The v2 ``sqlalchemy`` storage backend: rated points in the SQL database.

The embedded default, also run on PostgreSQL and MariaDB. Every query is one
SQL statement: filters, grouping, sums, the row count and pagination are all
done by the database; Python only shapes the rows it gets back.

Attribute semantics (shared with the other v2 backends):

* a filter ``k: v`` matches a point whose ``groupby[k]`` equals ``v`` or, when
  ``k`` is absent from its groupby, whose ``metadata[k]`` does; a list value
  matches any of its values; values compare as text;
* a groupby key reads the point's ``groupby`` only; a point lacking it falls
  in the ``""`` group;
* ``type`` is the metric type and ``[collect] scope_key`` the scope column in
  both roles. The scope column holds ``groupby[scope_key]``, else
  ``metadata[scope_key]``, else the ``scope_id`` given to :meth:`push`.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from cloudkitty.storage import base, sqltypes, v1_compat
from cloudkitty.storage.v2.sqlalchemy import bulk, rollup
from cloudkitty.storage.v2.sqlalchemy.models import (
    CALENDAR_KEYS,
    json_text,
    rated_points,
    rated_rollups,
)

LOG = logging.getLogger(__name__)

_POINTS = rated_points.c
_ROLLUPS = rated_rollups.c


class SQLAlchemyStorage(base.BaseStorage):
    """Rated points in ``storage_rated_points`` (see the module docstring)."""

    def __init__(self, conf, db: Database | None = None):
        super().__init__(conf, db)
        self.db = db or Database.from_conf(conf)
        self._scope_key = conf.collect.scope_key
        #: Read the common summaries from the rollups; False reads every
        #: summary from the points (the two agree exactly: tests compare them).
        self.use_rollups = True

    def init(self) -> None:
        """Create or upgrade the table (idempotent)."""
        migration.upgrade(self.db, module='storage_sqlalchemy')

    # --- writing -----------------------------------------------------------

    def _insert(self, session: orm.Session, dataframes: Iterable[DataFrame],
                scope_id: str | None) -> None:
        deltas = rollup.Deltas()
        bulk.insert_points(session, rated_points,
                           bulk.rows(dataframes, self._scope_key, scope_id, deltas))
        rollup.apply(session, deltas)

    def push(self, dataframes: Iterable[DataFrame], scope_id: str | None = None) -> None:
        with self.db.session() as session:
            self._insert(session, dataframes, scope_id)

    def commit_period(self, scope_id: str, begin: datetime.datetime,
                      end: datetime.datetime, dataframes: list[DataFrame],
                      advance: base.AdvanceState) -> None:
        """Insert the period's points and advance the state in one transaction."""
        with self.db.session() as session:
            self._insert(session, dataframes, scope_id)
            advance(session)

    def delete(self, begin: datetime.datetime | None = None,
               end: datetime.datetime | None = None,
               filters: dict[str, Any] | None = None) -> None:
        conditions = self._filter_conditions(filters)
        if begin is not None:
            conditions.append(_POINTS.begin >= begin)
        if end is not None:
            conditions.append(_POINTS.begin < end)
        with self.db.session() as session:
            deleted = rollup.delete_points(session, conditions)
        LOG.debug('Deleted %d points in [%s, %s) matching %s', deleted, begin, end, filters)

    # --- reading -----------------------------------------------------------

    def _text(self, document: sa.ColumnElement, key: str) -> sa.ColumnElement:
        return json_text(document, key, self.db.dialect)

    def _attribute(self, key: str) -> sa.ColumnElement:
        """What a filter on ``key`` compares: groupby, else metadata."""
        if key == self._scope_key:
            return _POINTS.scope
        if key == 'type':
            return _POINTS.type
        return sa.func.coalesce(self._text(_POINTS.groupby, key),
                                self._text(_POINTS.metadata, key))

    def _group_key(self, key: str) -> sa.ColumnElement:
        """What a groupby on ``key`` groups by; ``""`` when absent."""
        if key == self._scope_key:
            column = _POINTS.scope
        elif key == 'type':
            return _POINTS.type
        else:
            column = self._text(_POINTS.groupby, key)
        return sa.func.coalesce(column, '')

    def _filter_conditions(self, filters: dict[str, Any] | None,
                           metric_types: str | list[str] | None = None
                           ) -> list[sa.ColumnElement[bool]]:
        conditions = []
        for key, value in (filters or {}).items():
            values = [str(item) for item in base.filter_values(value)]
            conditions.append(self._attribute(key).in_(values))
        types = base.metric_type_list(metric_types)
        if types:
            conditions.append(_POINTS.type.in_(types))
        return conditions

    def _window_conditions(self, begin: datetime.datetime, end: datetime.datetime,
                           filters: dict[str, Any] | None,
                           metric_types: str | list[str] | None
                           ) -> list[sa.ColumnElement[bool]]:
        return [_POINTS.begin >= begin, _POINTS.begin < end,
                *self._filter_conditions(filters, metric_types)]

    def retrieve(self, begin: datetime.datetime | None = None,
                 end: datetime.datetime | None = None,
                 filters: dict[str, Any] | None = None,
                 metric_types: str | list[str] | None = None,
                 offset: int = 0, limit: int = 1000,
                 paginate: bool = True) -> dict[str, Any]:
        begin, end = base.default_window(begin, end)
        conditions = self._window_conditions(begin, end, filters, metric_types)
        with self.db.session() as session:
            # PostgreSQL's begin index is a BRIN, which neither orders nor
            # counts the points; elsewhere the B-tree does both and beats
            # grouping the rollups.
            if (self.use_rollups and self.db.dialect == 'postgresql'
                    and self._rollups_answer([], filters)):
                total, page = self._page_periods(session, begin, end, filters, metric_types,
                                                 offset, limit if paginate else None)
            else:
                total = session.scalar(sa.select(sa.func.count()).select_from(rated_points)
                                       .where(*conditions))
                page = ([], offset) if total else None
            rows = []
            if page is not None:
                query = (sa.select(_POINTS.begin, _POINTS.end, _POINTS.type, _POINTS.unit,
                                   _POINTS.qty, _POINTS.price, _POINTS.groupby,
                                   _POINTS.metadata, _POINTS.description)
                         .where(*conditions, *page[0])
                         .order_by(_POINTS.begin, _POINTS.type, _POINTS.id))
                if paginate:
                    query = query.offset(page[1]).limit(limit)
                rows = session.execute(query).all()
        frames: dict[tuple[datetime.datetime, datetime.datetime], DataFrame] = {}
        for row in rows:
            frame = frames.get((row.begin, row.end))
            if frame is None:
                frame = frames[(row.begin, row.end)] = DataFrame(row.begin, row.end)
            frame.add_point(DataPoint(row.unit, row.qty, row.price, row.groupby,
                                      row.metadata, row.description), row.type)
        return {'total': total, 'dataframes': list(frames.values())}

    def _page_periods(self, session: orm.Session, begin: datetime.datetime,
                      end: datetime.datetime, filters: dict[str, Any] | None,
                      metric_types: str | list[str] | None, offset: int, limit: int | None
                      ) -> tuple[int, tuple[list[sa.ColumnElement[bool]], int] | None]:
        """(matching point count, (period conditions, offset within them) of the
        page, or None when it is empty); ``limit`` None: every point.

        The rollups count the matching points per period: the total is their
        sum, and the page (points ordered by period first) lies within the
        periods holding its first and last points. Reading only those keeps
        one page of a month of ten million points at milliseconds rather than
        a sort of the whole month. Both reads share a snapshot, so a
        concurrent push cannot shift the page between them.
        """
        session.connection(execution_options={'isolation_level': 'REPEATABLE READ'})
        counts = session.execute(
            sa.select(_ROLLUPS.begin, sa.func.sum(_ROLLUPS.points))
            .where(*self._rollup_conditions(begin, end, filters, metric_types))
            .group_by(_ROLLUPS.begin).order_by(_ROLLUPS.begin)).all()
        total = sum(int(count) for _, count in counts)
        if limit is None:
            return total, (([], 0) if total else None)
        seen, first, last, skipped = 0, None, None, 0
        for period, count in counts:
            seen += int(count)
            if first is None and seen > offset:
                first, skipped = period, seen - int(count)
            if first is not None and seen >= offset + limit:
                last = period
                break
        if first is None:
            return total, None
        periods = [_POINTS.begin >= first]
        if last is not None:
            periods.append(_POINTS.begin <= last)
        return total, (periods, offset - skipped)

    def total(self, groupby: list[str] | None = None,
              begin: datetime.datetime | None = None,
              end: datetime.datetime | None = None,
              metric_types: str | list[str] | None = None,
              filters: dict[str, Any] | None = None,
              custom_fields: str | None = None,
              offset: int = 0, limit: int = 1000,
              paginate: bool = True) -> dict[str, Any]:
        """Sums per group, in SQL; ``custom_fields`` (InfluxQL) is ignored."""
        keys = base.translate_groupby(groupby)
        begin, end = base.default_window(begin, end)
        if self.use_rollups and self._rollups_answer(keys, filters):
            group_columns, grouped = self._grouped_rollups(keys, begin, end, filters,
                                                           metric_types)
        else:
            group_columns, grouped = self._grouped_points(keys, begin, end, filters,
                                                          metric_types)
        # Ordered outside the windowed query: MariaDB 10.11 loses the ORDER BY
        # of a grouped query with a window function when an index gives the
        # grouping order.
        windowed = grouped.add_columns(
            sa.func.count().over().label('group_count')).subquery('groups')
        query = sa.select(windowed).order_by(
            *[windowed.c['g%d' % index] for index in range(len(group_columns))])
        if paginate:
            query = query.offset(offset).limit(limit)
        with self.db.session() as session:
            sqltypes.prepare_connection(session.connection())
            rows = session.execute(query).all()
            if rows:
                total = rows[0].group_count
            elif paginate and offset:
                total = session.scalar(sa.select(sa.func.count())
                                       .select_from(grouped.subquery()))
            else:
                total = 0
        return {'total': total, 'results': [self._result(row, keys, begin, end)
                                            for row in rows]}

    def _rollups_answer(self, keys: list[str], filters: dict[str, Any] | None) -> bool:
        """Whether the rollup buckets hold every distinction this summary makes."""
        groupable = {self._scope_key, 'type', base.TIME_GROUPBY, *CALENDAR_KEYS}
        if not groupable.issuperset(keys):
            return False
        for key, value in (filters or {}).items():
            if key == 'type':
                continue
            # The rollups fold a NULL scope into '', which a filter must not match.
            if key != self._scope_key or '' in map(str, base.filter_values(value)):
                return False
        return True

    def _grouped_points(self, keys: list[str], begin: datetime.datetime,
                        end: datetime.datetime, filters: dict[str, Any] | None,
                        metric_types: str | list[str] | None
                        ) -> tuple[list[sa.ColumnElement], sa.Select]:
        """(group columns, grouped sums) over the points themselves."""
        group_columns: list[sa.ColumnElement] = []
        for key in keys:
            if key == base.TIME_GROUPBY:
                group_columns += [_POINTS.begin, _POINTS.end]
            else:
                group_columns.append(self._group_key(key))
        conditions = self._window_conditions(begin, end, filters, metric_types)
        return group_columns, self._sums(group_columns, _POINTS.qty, _POINTS.price,
                                         conditions)

    def _grouped_rollups(self, keys: list[str], begin: datetime.datetime,
                         end: datetime.datetime, filters: dict[str, Any] | None,
                         metric_types: str | list[str] | None
                         ) -> tuple[list[sa.ColumnElement], sa.Select]:
        """(group columns, grouped sums) over the rollup buckets."""
        group_columns: list[sa.ColumnElement] = []
        for key in keys:
            if key == base.TIME_GROUPBY:
                group_columns += [_ROLLUPS.begin, _ROLLUPS.end]
            else:
                group_columns.append(_ROLLUPS.scope if key == self._scope_key
                                     else _ROLLUPS[key])
        return group_columns, self._sums(
            group_columns, _ROLLUPS.qty, _ROLLUPS.price,
            self._rollup_conditions(begin, end, filters, metric_types))

    @staticmethod
    def _rollup_conditions(begin: datetime.datetime, end: datetime.datetime,
                           filters: dict[str, Any] | None,
                           metric_types: str | list[str] | None
                           ) -> list[sa.ColumnElement[bool]]:
        """The window, scope/type filters and types, on the rollup buckets."""
        conditions = [_ROLLUPS.begin >= begin, _ROLLUPS.begin < end]
        for key, value in (filters or {}).items():
            column = _ROLLUPS.type if key == 'type' else _ROLLUPS.scope
            conditions.append(column.in_([str(item) for item in base.filter_values(value)]))
        types = base.metric_type_list(metric_types)
        if types:
            conditions.append(_ROLLUPS.type.in_(types))
        return conditions

    def _sums(self, group_columns: list[sa.ColumnElement], qty: sa.ColumnElement,
              price: sa.ColumnElement, conditions: list[sa.ColumnElement[bool]]
              ) -> sa.Select:
        dialect = self.db.dialect
        labelled = [column.label('g%d' % index) for index, column in enumerate(group_columns)]
        return (sa.select(*labelled,
                          sqltypes.amount_sum(qty, sqltypes.qty_type(), dialect).label('qty'),
                          sqltypes.amount_sum(price, sqltypes.price_type(),
                                              dialect).label('rate'))
                .where(*conditions)
                .group_by(*group_columns)
                # Without a groupby, no matching point means no row at all.
                .having(sa.func.count() > 0))

    @staticmethod
    def _result(row: sa.Row, keys: list[str], begin: datetime.datetime,
                end: datetime.datetime) -> dict[str, Any]:
        result: dict[str, Any] = {'begin': begin, 'end': end,
                                  'qty': row.qty, 'rate': row.rate}
        values = iter(row[:-3])
        for key in keys:
            if key == base.TIME_GROUPBY:
                result['begin'], result['end'] = next(values), next(values)
            else:
                value = next(values)
                result[key] = value if isinstance(value, str) else str(value)
        return result

    def get_tenants(self) -> list[str]:
        """Every scope identifier of the state table (the v1 tenants, §1.6)."""
        return v1_compat.scope_identifiers(self.db)

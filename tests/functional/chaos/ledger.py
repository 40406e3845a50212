"""What a rating run left in the database, read straight from the storage tables.

The storage's own read API merges and paginates; a check of "stored exactly
once" must see every row, so the points and their rollups are read here with
plain SELECTs and kept as exact Decimals.
"""
from __future__ import annotations

import collections
import dataclasses
import datetime
from decimal import Decimal

import sqlalchemy as sa

from cloudkitty.db.engine import Database
from cloudkitty.db.models import ScopeState
from cloudkitty.storage.v2.sqlalchemy.models import rated_points, rated_rollups

#: (scope, period start, metric type, resource id)
PointKey = tuple[str, datetime.datetime, str, str]
#: (scope, period start, metric type)
TotalKey = tuple[str, datetime.datetime, str]


@dataclasses.dataclass
class Ledger:
    points: dict[PointKey, list[tuple[Decimal, Decimal]]]
    """Every stored row, (qty, price), grouped by what must be unique."""
    rollups: dict[TotalKey, tuple[Decimal, Decimal, int]]
    """(qty, price, points) summed over the rollup buckets."""

    def duplicates(self) -> dict[PointKey, int]:
        return {key: len(rows) for key, rows in self.points.items() if len(rows) != 1}

    def unique_points(self) -> dict[PointKey, tuple[Decimal, Decimal]]:
        return {key: rows[0] for key, rows in self.points.items()}

    def point_totals(self) -> dict[TotalKey, tuple[Decimal, Decimal, int]]:
        """What the rollups must hold: the exact sums of the rows."""
        totals: dict[TotalKey, tuple[Decimal, Decimal, int]] = {}
        for (scope, begin, metric_type, _), rows in self.points.items():
            qty, price, count = totals.get((scope, begin, metric_type),
                                           (Decimal(0), Decimal(0), 0))
            for row_qty, row_price in rows:
                qty, price, count = qty + row_qty, price + row_price, count + 1
            totals[(scope, begin, metric_type)] = (qty, price, count)
        return totals


def read(db: Database) -> Ledger:
    points: dict[PointKey, list[tuple[Decimal, Decimal]]] = collections.defaultdict(list)
    rollups: dict[TotalKey, tuple[Decimal, Decimal, int]] = {}
    with db.session() as session:
        for scope, begin, metric_type, groupby, qty, price in session.execute(sa.select(
                rated_points.c.scope, rated_points.c.begin, rated_points.c.type,
                rated_points.c.groupby, rated_points.c.qty, rated_points.c.price)):
            points[(scope, begin, metric_type, groupby['id'])].append(
                (Decimal(qty), Decimal(price)))
        for scope, begin, metric_type, qty, price, count in session.execute(
                sa.select(rated_rollups.c.scope, rated_rollups.c.begin, rated_rollups.c.type,
                          sa.func.sum(rated_rollups.c.qty), sa.func.sum(rated_rollups.c.price),
                          sa.func.sum(rated_rollups.c.points))
                .group_by(rated_rollups.c.scope, rated_rollups.c.begin, rated_rollups.c.type)):
            rollups[(scope, begin, metric_type)] = (Decimal(qty), Decimal(price), int(count))
    return Ledger(dict(points), rollups)


def last_processed(db: Database) -> dict[str, datetime.datetime | None]:
    """Scope -> the start of its last rated period."""
    with db.session() as session:
        return dict(session.execute(sa.select(ScopeState.identifier,
                                              ScopeState.last_processed_timestamp)).all())

"""Table of the v2 ``sqlalchemy`` storage backend: one row per rated point.

Created by the ``storage_sqlalchemy`` alembic module. The scope (the value of
``[collect] scope_key``) and the metric type are real columns so that the two
common queries, "one scope over one month" and "every scope over one month by
type", are driven by the indexes below; every other attribute stays in the
``groupby``/``metadata`` JSON documents and is reached through JSON
extraction in SQL.

``storage_rated_rollups`` holds the exact sums of those points per bucket
(scope, type, period and the calendar groupby keys), kept in the same
transactions as the points; see :mod:`.rollup`.
"""
import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cloudkitty.storage import base, sqltypes

METADATA = sa.MetaData()

#: The documents' type as revision r0a1 created it: JSONB on PostgreSQL.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

#: The documents' type since revision r0a3: plain JSON everywhere. On
#: PostgreSQL, JSON is stored as the text written, where JSONB is parsed and
#: converted on every insert (about a fifth of the COPY time of a push); the
#: summaries read the rollups and the filters the scope column, so the
#: ``->>`` of the remaining queries may parse the text.
POINT_DOCUMENT = sa.JSON()

#: The rollups' bucket key since revision r0a4 (a SHA-1 hex string before).
BUCKET_ID = sa.Uuid(as_uuid=False)

#: BIGINT ids, except on SQLite where only INTEGER is an auto-increment rowid.
POINT_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

rated_points = sa.Table(
    'storage_rated_points', METADATA,
    sa.Column('id', POINT_ID, primary_key=True, autoincrement=True),
    sa.Column('begin', sa.DateTime, nullable=False),
    sa.Column('end', sa.DateTime, nullable=False),
    sa.Column('scope', sa.String(255)),
    sa.Column('type', sa.String(255), nullable=False),
    sa.Column('unit', sa.String(255), nullable=False),
    sa.Column('qty', sqltypes.qty_type(), nullable=False),
    sa.Column('price', sqltypes.price_type(), nullable=False),
    sa.Column('description', sa.Text),
    sa.Column('groupby', POINT_DOCUMENT, nullable=False),
    sa.Column('metadata', POINT_DOCUMENT, nullable=False),
    sa.Index('ix_storage_rated_points_scope_begin', 'scope', 'begin'),
    # BRIN on PostgreSQL: points arrive roughly in time order, and a BRIN
    # index costs next to nothing to maintain on the bulk insert path.
    sa.Index('ix_storage_rated_points_begin', 'begin', postgresql_using='brin'),
)

#: The groupby attributes a rollup bucket keeps: the calendar keys behind
#: the ``time-d|w|m|y`` groupbys (contract §6.2).
CALENDAR_KEYS = tuple(base.TIME_GROUPBY_ALIASES.values())

rated_rollups = sa.Table(
    'storage_rated_rollups', METADATA,
    # The period's begin then a digest of the bucket's key columns
    # (``rollup.Deltas.bucket_ids``): one short unique key for the upserts,
    # where a unique index on the eight key columns would exceed MySQL's
    # limit. A native 16-byte uuid on PostgreSQL, 32 hex digits elsewhere.
    sa.Column('bucket', BUCKET_ID, primary_key=True),
    # The scope column's NULL is folded into '' here, as the groupby does.
    sa.Column('scope', sa.String(255), nullable=False),
    sa.Column('type', sa.String(255), nullable=False),
    sa.Column('begin', sa.DateTime, nullable=False),
    sa.Column('end', sa.DateTime, nullable=False),
    *[sa.Column(key, sa.String(255), nullable=False) for key in CALENDAR_KEYS],
    sa.Column('qty', sqltypes.rollup_qty_type(), nullable=False),
    sa.Column('price', sqltypes.rollup_price_type(), nullable=False),
    sa.Column('points', sa.BigInteger, nullable=False),
    sa.Index('ix_storage_rated_rollups_scope_begin', 'scope', 'begin'),
    # BRIN on PostgreSQL, as for the points: one index entry per bucket
    # upsert is what a push pays for its rollups.
    sa.Index('ix_storage_rated_rollups_begin', 'begin', postgresql_using='brin'),
)


def json_text(document: sa.ColumnElement, key: str, dialect: str) -> sa.ColumnElement:
    """``document[key]`` as text, NULL when absent.

    SQLite and MySQL read ``key`` inside a double-quoted JSON path member
    (``$."key"``): MySQL takes JSON string escapes there, so the key is
    escaped; SQLite takes none, so a key holding a double quote cannot be
    reached at all and reads as absent (rather than a broken path, an error).
    """
    if dialect == 'mysql':
        key = json.dumps(key, ensure_ascii=False)[1:-1]
    elif dialect == 'sqlite' and '"' in key:
        return sa.cast(sa.null(), sa.Text)
    value = document[key].as_string()
    if dialect == 'sqlite':
        # SQLite's JSON_EXTRACT returns numbers as numbers.
        value = sa.cast(value, sa.Text)
    return value

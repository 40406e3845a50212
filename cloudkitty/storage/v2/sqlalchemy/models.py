"""Table of the v2 ``sqlalchemy`` storage backend: one row per rated point.

Created by the ``storage_sqlalchemy`` alembic module. The scope (the value of
``[collect] scope_key``) and the metric type are real columns so that the two
common queries, "one scope over one month" and "every scope over one month by
type", are driven by the indexes below; every other attribute stays in the
``groupby``/``metadata`` JSON documents (JSONB on PostgreSQL) and is reached
through JSON extraction in SQL.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cloudkitty.storage import sqltypes

METADATA = sa.MetaData()

#: JSON everywhere; JSONB on PostgreSQL, whose ``->>`` then needs no parsing.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

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
    sa.Column('groupby', JSON_DOCUMENT, nullable=False),
    sa.Column('metadata', JSON_DOCUMENT, nullable=False),
    sa.Index('ix_storage_rated_points_scope_begin', 'scope', 'begin'),
    # BRIN on PostgreSQL: points arrive roughly in time order, and a BRIN
    # index costs next to nothing to maintain on the bulk insert path.
    sa.Index('ix_storage_rated_points_begin', 'begin', postgresql_using='brin'),
)

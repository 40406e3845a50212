"""Summary rollups of the v2 rated points (exact sums per bucket).

Revision ID: r0a2_rollups
Revises: r0a1_initial
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

from cloudkitty.storage import sqltypes
from cloudkitty.storage.v2.sqlalchemy import rollup
from cloudkitty.storage.v2.sqlalchemy.models import CALENDAR_KEYS

revision = 'r0a2_rollups'
down_revision = 'r0a1_initial'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'storage_rated_rollups',
        sa.Column('bucket', sa.String(40), primary_key=True),
        sa.Column('scope', sa.String(255), nullable=False),
        sa.Column('type', sa.String(255), nullable=False),
        sa.Column('begin', sa.DateTime, nullable=False),
        sa.Column('end', sa.DateTime, nullable=False),
        *[sa.Column(key, sa.String(255), nullable=False) for key in CALENDAR_KEYS],
        sa.Column('qty', sqltypes.rollup_qty_type(), nullable=False),
        sa.Column('price', sqltypes.rollup_price_type(), nullable=False),
        sa.Column('points', sa.BigInteger, nullable=False))
    op.create_index('ix_storage_rated_rollups_scope_begin', 'storage_rated_rollups',
                    ['scope', 'begin'])
    op.create_index('ix_storage_rated_rollups_begin', 'storage_rated_rollups', ['begin'],
                    postgresql_using='brin')
    # Points stored before this revision get their buckets now.
    rollup.rebuild(op.get_bind())


def downgrade():
    op.drop_table('storage_rated_rollups')

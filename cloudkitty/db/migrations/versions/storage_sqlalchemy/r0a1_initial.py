"""SQL storage tables: v2 rated points and the v1 rated_data_frames.

Revision ID: r0a1_initial
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from cloudkitty.storage import sqltypes
from cloudkitty.storage.v2.sqlalchemy.models import JSON_DOCUMENT, POINT_ID

revision = 'r0a1_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'storage_rated_points',
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
        sa.Column('metadata', JSON_DOCUMENT, nullable=False))
    op.create_index('ix_storage_rated_points_scope_begin', 'storage_rated_points',
                    ['scope', 'begin'])
    op.create_index('ix_storage_rated_points_begin', 'storage_rated_points', ['begin'],
                    postgresql_using='brin')
    op.create_table(
        'rated_data_frames',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('tenant_id', sa.String(255)),
        sa.Column('begin', sa.DateTime, nullable=False),
        sa.Column('end', sa.DateTime, nullable=False),
        sa.Column('unit', sa.String(255)),
        sa.Column('qty', sqltypes.qty_type()),
        sa.Column('res_type', sa.String(255), nullable=False),
        sa.Column('rate', sqltypes.price_type()),
        sa.Column('desc', sa.Text))
    op.create_index('ix_rated_data_frames_tenant_begin', 'rated_data_frames',
                    ['tenant_id', 'begin'])
    op.create_index('ix_rated_data_frames_begin', 'rated_data_frames', ['begin'])


def downgrade():
    op.drop_table('rated_data_frames')
    op.drop_table('storage_rated_points')

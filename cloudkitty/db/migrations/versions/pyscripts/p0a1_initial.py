"""PyScripts scripts table.

Revision ID: p0a1_initial
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = 'p0a1_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pyscripts_scripts',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('script_id', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, index=True),
        sa.Column('data', sa.LargeBinary, nullable=False),
        sa.Column('checksum', sa.String(128), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('start', sa.DateTime, nullable=False),
        sa.Column('end', sa.DateTime),
        sa.Column('description', sa.String(256)),
        sa.Column('deleted', sa.DateTime),
        sa.Column('created_by', sa.String(32), nullable=False),
        sa.Column('updated_by', sa.String(32)),
        sa.Column('deleted_by', sa.String(32)))


def downgrade():
    op.drop_table('pyscripts_scripts')

"""Core tables: legacy states, rating module states, collector mappings.

Revision ID: c0a1_initial
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'states',
        sa.Column('name', sa.String(255), primary_key=True),
        sa.Column('state', sa.BigInteger),
        sa.Column('s_metadata', sa.Text))
    op.create_table(
        'modules_state',
        sa.Column('name', sa.String(255), primary_key=True),
        sa.Column('state', sa.Boolean, nullable=False),
        sa.Column('priority', sa.Integer))
    op.create_table(
        'service_to_collector_mappings',
        sa.Column('service', sa.String(255), primary_key=True),
        sa.Column('collector', sa.String(255), nullable=False))


def downgrade():
    op.drop_table('service_to_collector_mappings')
    op.drop_table('modules_state')
    op.drop_table('states')

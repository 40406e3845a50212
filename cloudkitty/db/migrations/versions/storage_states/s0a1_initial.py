"""Scope processing states and the reprocessing schedule.

Revision ID: s0a1_initial
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = 's0a1_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cloudkitty_storage_states',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('identifier', sa.String(256), nullable=False, index=True),
        sa.Column('scope_key', sa.String(40)),
        sa.Column('fetcher', sa.String(40)),
        sa.Column('collector', sa.String(40)),
        sa.Column('last_processed_timestamp', sa.DateTime, nullable=False),
        sa.Column('active', sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column('scope_activation_toggle_date', sa.DateTime, nullable=False),
        sa.UniqueConstraint('identifier', 'scope_key', 'collector', 'fetcher',
                            name='uq_storage_states_scope'))
    op.create_table(
        'storage_scope_reprocessing_schedule',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('identifier', sa.String(256), nullable=False, index=True),
        sa.Column('reason', sa.Text, nullable=False),
        sa.Column('start_reprocess_time', sa.DateTime, nullable=False),
        sa.Column('end_reprocess_time', sa.DateTime, nullable=False),
        sa.Column('current_reprocess_time', sa.DateTime))


def downgrade():
    op.drop_table('storage_scope_reprocessing_schedule')
    op.drop_table('cloudkitty_storage_states')

"""Rules version: a counter bumped by every write that can change rating.

The processor compares it between periods and reuses the rules it compiled
while it is unchanged (see ``cloudkitty.db.rules_version``).

Revision ID: c0a2_rules_version
Revises: c0a1_initial
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a2_rules_version'
down_revision = 'c0a1_initial'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'rating_rules_version',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),
        sa.Column('version', sa.BigInteger, nullable=False))
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('rating_rules_version')

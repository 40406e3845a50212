"""Rated points' groupby/metadata as JSON rather than JSONB on PostgreSQL.

JSON keeps the text as written, so a bulk COPY of points skips the JSONB
conversion; see ``models.POINT_DOCUMENT``. Other databases already use JSON.

Revision ID: r0a3_json_documents
Revises: r0a2_rollups
Create Date: 2026-11-25
"""
from alembic import op

revision = 'r0a3_json_documents'
down_revision = 'r0a2_rollups'
branch_labels = None
depends_on = None

_DOCUMENTS = ('groupby', 'metadata')


def _convert(target_type: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    # One ALTER TABLE: the table is rewritten once for both columns.
    op.execute('ALTER TABLE storage_rated_points %s' % ', '.join(
        'ALTER COLUMN "%s" TYPE %s USING "%s"::%s' % (column, target_type, column, target_type)
        for column in _DOCUMENTS))


def upgrade():
    _convert('json')


def downgrade():
    _convert('jsonb')

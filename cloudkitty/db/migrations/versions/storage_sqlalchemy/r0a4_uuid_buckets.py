"""Rollup buckets keyed by a time-led UUID instead of a SHA-1 hex string.

A 16-byte key compared bytewise, whose first bits are the period's begin: a
push's new buckets land together at the end of the primary key index. The
buckets are recomputed from the points (``rollup.rebuild``).

Revision ID: r0a4_uuid_buckets
Revises: r0a3_json_documents
Create Date: 2026-11-26
"""
import hashlib

import sqlalchemy as sa
from alembic import op

from cloudkitty.storage.v2.sqlalchemy import rollup
from cloudkitty.storage.v2.sqlalchemy.models import BUCKET_ID

revision = 'r0a4_uuid_buckets'
down_revision = 'r0a3_json_documents'
branch_labels = None
depends_on = None

_TABLE = 'storage_rated_rollups'
_SHA1_HEX = sa.String(40)


def _retype_bucket(old_type, new_type, cast: str) -> None:
    # Emptied first: no bucket value has to be converted.
    op.execute('DELETE FROM %s' % _TABLE)
    with op.batch_alter_table(_TABLE) as batch:
        batch.alter_column('bucket', type_=new_type, existing_type=old_type,
                           existing_nullable=False, postgresql_using='bucket::%s' % cast)


def upgrade():
    _retype_bucket(_SHA1_HEX, BUCKET_ID, 'uuid')
    rollup.rebuild(op.get_bind())


def downgrade():
    _retype_bucket(BUCKET_ID, _SHA1_HEX, 'varchar')
    connection = op.get_bind()
    rollup.rebuild(connection)
    # Back to the keys revision r0a3 computes: the SHA-1 of the key columns.
    table = sa.table(_TABLE, *[sa.column(name, sa.DateTime if name in ('begin', 'end') else None)
                               for name in ('bucket', *rollup.KEY_COLUMNS)])
    changes = []
    for bucket, scope, metric_type, begin, end, *calendar in connection.execute(
            sa.select(table.c.bucket, *[table.c[name] for name in rollup.KEY_COLUMNS])):
        text = '\x1f'.join((str(scope), str(metric_type), '%s\x1f%s' % (begin, end),
                            *map(str, calendar)))
        changes.append({'old': bucket,
                        'new': hashlib.sha1(text.encode('utf-8')).hexdigest()})
    if changes:
        connection.execute(table.update().where(table.c.bucket == sa.bindparam('old'))
                           .values(bucket=sa.bindparam('new')), changes)

"""The rollup bucket keys across the ``storage_sqlalchemy`` revisions.

Revision r0a4 keys the buckets by a time-led UUID instead of the SHA-1 hex
string of r0a2/r0a3: upgrading and downgrading recompute the rollups from the
points, in the key format each revision's code computes.
"""
from __future__ import annotations

import datetime
import hashlib

import pytest
import sqlalchemy as sa

from cloudkitty import service
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from cloudkitty.storage.v2.sqlalchemy import SQLAlchemyStorage
from cloudkitty.storage.v2.sqlalchemy.models import rated_rollups
from tests.fixtures.database import BACKENDS, ThrowawayDatabase
from tests.functional.storage import data
from tests.functional.storage.data import MARCH

_KEY_COLUMNS = ('scope', 'type', 'begin', 'end', 'day_of_the_year', 'week_of_the_year',
                'month', 'year')
#: The table as r0a3 has it: the bucket a 40-character string.
_R0A3_ROLLUPS = sa.table('storage_rated_rollups', *[
    sa.column(name, sa.DateTime if name in ('begin', 'end') else sa.String)
    for name in ('bucket', *_KEY_COLUMNS)])


@pytest.fixture(params=BACKENDS)
def fresh_db(request, tmp_path):
    throwaway = ThrowawayDatabase(request.param, str(tmp_path))
    db = Database(throwaway.url, max_retries=1)
    migration.upgrade(db)
    yield db
    db.dispose()
    throwaway.drop()


def _summaries(storage: SQLAlchemyStorage) -> tuple[dict, dict]:
    storage.use_rollups = True
    from_rollups = storage.total(['project_id', 'type'], *MARCH)
    storage.use_rollups = False
    return from_rollups, storage.total(['project_id', 'type'], *MARCH)


def _buckets(db: Database, table: sa.TableClause) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(*[table.c[name] for name in ('bucket', *_KEY_COLUMNS)]))]


def test_buckets_are_rekeyed_down_and_up(fresh_db):
    storage = SQLAlchemyStorage(service.prepare_service([], setup_logging=False), db=fresh_db)
    data.push_by_scope(storage, data.small_cloud())
    expected, from_points = _summaries(storage)
    assert expected == from_points and expected['total'] == 4

    migration.downgrade(fresh_db, 'r0a3_json_documents', module='storage_sqlalchemy')

    old_buckets = _buckets(fresh_db, _R0A3_ROLLUPS)
    assert len(old_buckets) == 6
    for bucket, scope, metric_type, begin, end, *calendar in old_buckets:
        text = '\x1f'.join((scope, metric_type, '%s\x1f%s' % (begin, end), *calendar))
        assert bucket == hashlib.sha1(text.encode('utf-8')).hexdigest()

    migration.upgrade(fresh_db)

    assert _summaries(storage) == (expected, expected)
    for bucket, _, _, begin, *_ in _buckets(fresh_db, rated_rollups):
        # The period's begin in seconds since the epoch leads the key.
        seconds = int((begin - datetime.datetime(1970, 1, 1)).total_seconds())
        assert bucket.replace('-', '')[:12] == '%012x' % seconds

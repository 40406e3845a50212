"""The databases of the chaos tests, in a PostgreSQL cluster of their own."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures.private_postgres import PrivatePostgres, running_private_postgres

#: The database of the fault-free reference run, next to ``cloudkitty``.
CLEAN_DATABASE = 'cloudkitty_clean'


@dataclasses.dataclass
class ChaosDatabases:
    cluster: PrivatePostgres
    """Crashed and restarted by the chaos driver: no other test uses it."""
    chaos: Database
    """Where the processors under fire store (the ``cloudkitty`` database)."""
    clean: Database
    """Where the single fault-free run stores, for comparison."""


@pytest.fixture(scope='module')
def chaos_databases(tmp_path_factory) -> Iterator[ChaosDatabases]:
    with running_private_postgres(str(tmp_path_factory.mktemp('chaos-pg'))) as cluster:
        url = sa.engine.make_url(cluster.url)
        admin = sa.create_engine(url.set(database='postgres'), isolation_level='AUTOCOMMIT')
        try:
            with admin.connect() as connection:
                connection.execute(sa.text('CREATE DATABASE %s' % CLEAN_DATABASE))
        finally:
            admin.dispose()
        chaos = Database(cluster.url)
        clean = Database(url.set(database=CLEAN_DATABASE).render_as_string(
            hide_password=False))
        try:
            for db in (chaos, clean):
                migration.upgrade(db)
            yield ChaosDatabases(cluster, chaos, clean)
        finally:
            chaos.dispose()
            clean.dispose()

"""Where a benchmark keeps rated data: a fresh store of each backend, created and dropped.

``sqlite`` and ``postgresql`` keep everything in one throwaway SQL database
(the tests' :class:`~tests.fixtures.database.ThrowawayDatabase`, on the
PostgreSQL server of ``CLOUDKITTY_TEST_POSTGRES_URL``). ``influxdb`` keeps the
rated points in a database of a private ``influxd`` (started by
:func:`influx_server`, as the tests start theirs) and the rest (rules, scope
states) in a throwaway PostgreSQL database, as a deployment on InfluxDB would.
"""
from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

from cloudkitty import service, storage
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures.database import ThrowawayDatabase
from tests.fixtures.influxdb import InfluxServer, start_influxd, stop_influxd

BACKENDS = ('sqlite', 'postgresql', 'influxdb')


@dataclasses.dataclass
class Store:
    """A migrated, empty store; ``sections`` configure a service to use it."""

    backend: str
    db: Database
    sections: dict[str, dict[str, Any]]
    """``{group: {option: value}}``: [database] and [storage] (and [storage_influxdb])."""

    def conf(self):
        """A ConfigOpts of this process pointing at the store."""
        conf = service.prepare_service([], config_files=[], setup_logging=False)
        for group, options in self.sections.items():
            for name, value in options.items():
                conf.set_override(name, value, group=group)
        return conf

    def driver(self) -> storage.BaseStorage:
        """The v2 storage driver on this store, initialised (tables or database exist)."""
        driver = storage.get_storage(self.conf(), self.db)
        driver.init()
        return driver


@contextlib.contextmanager
def influx_server() -> Iterator[InfluxServer]:
    """A private ``influxd`` on loopback, its data in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix='ck-bench-influxd-') as workdir:
        process, server = start_influxd(workdir)
        try:
            yield server
        finally:
            stop_influxd(process)


@contextlib.contextmanager
def influx_server_for(backends) -> Iterator[InfluxServer | None]:
    """A private ``influxd`` when ``backends`` include influxdb, else None."""
    if 'influxdb' not in backends:
        yield None
        return
    with influx_server() as server:
        yield server


@contextlib.contextmanager
def fresh_store(backend: str, workdir: str,
                influx: InfluxServer | None = None) -> Iterator[Store]:
    """A new empty store of ``backend`` (``influx`` is needed for influxdb), dropped after."""
    if backend not in BACKENDS:
        raise ValueError('unknown backend %r (choose from %s)' % (backend, ', '.join(BACKENDS)))
    throwaway = ThrowawayDatabase('postgresql' if backend == 'influxdb' else backend, workdir)
    db = Database(throwaway.url)
    sections: dict[str, dict[str, Any]] = {
        'database': {'connection': throwaway.url},
        'storage': {'version': 2, 'backend': 'sqlalchemy'}}
    influx_database = None
    try:
        migration.upgrade(db)
        if backend == 'influxdb':
            if influx is None:
                raise ValueError('the influxdb backend needs a running influxd')
            influx_database = 'ck_bench_%s' % uuid.uuid4().hex[:10]
            sections['storage']['backend'] = 'influxdb'
            sections['storage_influxdb'] = {'host': influx.host, 'port': influx.port,
                                            'database': influx_database}
        yield Store(backend, db, sections)
    finally:
        db.dispose()
        throwaway.drop()
        if influx_database is not None:
            influx.query('DROP DATABASE "%s"' % influx_database)


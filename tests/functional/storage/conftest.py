"""Storage backends under test: one fixture builds them all.

Each backend parameter is ``(backend name, database backend)``; for InfluxDB
the database is the SQL one holding the scope states, as in a deployment. The shared
contract tests in this directory take ``storage`` (every backend) or
``v2_storage`` (the backends with the full v2 semantics); a new backend (for
example InfluxDB) is added by one entry in :data:`BACKENDS` and one branch in
:func:`_build_storage`.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cloudkitty import service
from cloudkitty.db.engine import Database
from cloudkitty.storage import get_storage
from cloudkitty.storage.base import BaseStorage
from cloudkitty.storage.v2 import influx
from tests.fixtures.database import emptied_database

V2_BACKENDS = [('sqlalchemy', 'sqlite'), ('sqlalchemy', 'postgresql'),
               ('sqlalchemy', 'mysql'), ('influxdb', 'sqlite')]
V1_BACKENDS = [('v1-sqlalchemy', 'sqlite'), ('v1-sqlalchemy', 'postgresql'),
               ('v1-sqlalchemy', 'mysql')]
BACKENDS = V2_BACKENDS + V1_BACKENDS


def _param_id(param: tuple[str, str | None]) -> str:
    return '-'.join(part for part in param if part)


@dataclasses.dataclass
class StorageUnderTest:
    """A backend plus what the tests need to know about it."""

    storage: BaseStorage
    name: str
    db: Database | None
    conf: object
    significant_digits: int | None = None
    """None: amounts are exact Decimals; else floats read back to that many digits."""

    @property
    def is_v1(self) -> bool:
        """v1 semantics: merged desc, no delete, only scope/type filters."""
        return self.name.startswith('v1-')

    @property
    def is_transactional(self) -> bool:
        """Whether commit_period hands its open SQL session to ``advance``."""
        return self.name != 'influxdb'

    def amount(self, value: Decimal) -> Decimal:
        """``value`` as precise as the backend keeps amounts (itself when exact).

        Compare ``amount(stored) == amount(expected)`` where an amount has
        more significant digits than a float holds (§3.5).
        """
        if self.significant_digits is None:
            return value
        return Decimal(format(value, '.%de' % (self.significant_digits - 1)))


def _build_storage(request, name: str, database: str | None,
                   migrated_databases) -> StorageUnderTest:
    conf = service.prepare_service([], setup_logging=False)
    db = emptied_database(database, migrated_databases) if database else None
    significant_digits = None
    if db is not None:
        conf.set_override('connection', db.engine.url.render_as_string(
            hide_password=False), group='database')
    if name.startswith('v1-'):
        conf.set_override('version', 1, group='storage')
        conf.set_override('backend', name[len('v1-'):], group='storage')
    else:
        conf.set_override('backend', name, group='storage')
    if name == 'influxdb':
        server = request.getfixturevalue('influxdb_server')
        conf.set_override('host', server.host, group='storage_influxdb')
        conf.set_override('port', server.port, group='storage_influxdb')
        conf.set_override('database', request.getfixturevalue('influxdb_database'),
                          group='storage_influxdb')
        significant_digits = influx.SUM_DIGITS
    storage = get_storage(conf, db=db)
    storage.init()
    return StorageUnderTest(storage, name, db, conf, significant_digits)


@pytest.fixture(params=BACKENDS, ids=_param_id)
def storage(request, _migrated_databases) -> StorageUnderTest:
    """Every backend, v1 adapter included."""
    return _build_storage(request, *request.param, _migrated_databases)


@pytest.fixture(params=V2_BACKENDS, ids=_param_id)
def v2_storage(request, _migrated_databases) -> StorageUnderTest:
    """The backends with full v2 semantics (JSON attributes, delete, time groupby)."""
    return _build_storage(request, *request.param, _migrated_databases)


@pytest.fixture(params=V1_BACKENDS, ids=_param_id)
def v1_storage(request, _migrated_databases) -> StorageUnderTest:
    """The v1 backend through its adapter, for its documented differences."""
    return _build_storage(request, *request.param, _migrated_databases)


@pytest.fixture(params=[param for param in V2_BACKENDS if param[0] == 'sqlalchemy'],
                ids=_param_id)
def sql_storage(request, _migrated_databases) -> StorageUnderTest:
    """The v2 ``sqlalchemy`` backend on each SQL database, for its own specifics."""
    return _build_storage(request, *request.param, _migrated_databases)

"""The rules version: one counter that every write able to change a price bumps.

The processor compiles the hashmap rules, the scripts and the list of enabled
modules once and reuses them from period to period while this counter stays
the same (see ``cloudkitty.rating.pipeline``). That is safe because:

* every write to hashmap rules, scripts or module states bumps the counter in
  its own transaction, so the new rules and the new version become visible
  together, and a write that is rolled back leaves both alone;
* a reader reads the counter *before* the rules, so whatever it loads is at
  least as new as the version it files it under.

The row can go missing (deleted by hand; tests empty every table): ``current``
then answers None, which means "unknown, reload every time", and the next bump
creates the row again with a value no earlier counter can have reached.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_db import exception as db_exception
from sqlalchemy import orm

from cloudkitty.db.engine import Database
from cloudkitty.db.models import RulesVersion

_ROW_ID = 1
#: What a failing statement raises: the driver's error, or oslo.db's wrapper of it.
_DATABASE_ERRORS = (sa.exc.DBAPIError, db_exception.DBError)

_BUMP = (sa.update(RulesVersion.__table__)
         .where(RulesVersion.__table__.c.id == _ROW_ID)
         .values(version=RulesVersion.__table__.c.version + 1))
_CURRENT = sa.select(RulesVersion.version).where(RulesVersion.id == _ROW_ID)


def bump(session: orm.Session) -> None:
    """Record, in the caller's transaction, that rating rules changed."""
    if session.execute(_BUMP).rowcount:
        return
    # Microseconds since the epoch: far above any value a counter starting at
    # 1 reaches, so a reader holding an old version cannot mistake the new row.
    session.execute(sa.insert(RulesVersion.__table__).values(
        id=_ROW_ID, version=time.time_ns() // 1000))


@contextlib.contextmanager
def writing(db: Database) -> Iterator[orm.Session]:
    """A session for a write to rating rules: the version is bumped before commit."""
    with db.session() as session:
        yield session
        bump(session)


def current(session: orm.Session) -> int | None:
    """The current version, or None when unknown (the row is missing)."""
    return session.scalar(_CURRENT)


class Reader:
    """Reads the version before every period for the price of one round trip.

    A session would cost a pool checkout with its ping, the query and a
    commit: about ten times more, on PostgreSQL, than the query alone on a
    connection of its own in autocommit mode (no transaction is left open).
    If that connection fails, the read goes through a session, so errors
    (an unreachable database, say) surface as usual, and a new connection
    is held for the next read.
    """

    def __init__(self, db: Database):
        self._db = db
        self._connection: sa.Connection | None = None

    def read(self) -> int | None:
        if self._connection is not None:
            try:
                return self._connection.execute(_CURRENT).scalar()
            except _DATABASE_ERRORS:
                self.close()
        with self._db.session() as session:
            version = current(session)
        self._connect()
        return version

    def _connect(self) -> None:
        try:
            self._connection = self._db.engine.connect().execution_options(
                isolation_level='AUTOCOMMIT')
        except _DATABASE_ERRORS:
            self._connection = None

    def close(self) -> None:
        """Give the held connection back (a later read takes a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except _DATABASE_ERRORS:
                pass

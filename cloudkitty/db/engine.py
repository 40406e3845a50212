"""One engine and session factory per process, built from ``[database]``."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_db.sqlalchemy import engines
from sqlalchemy import event, orm

from cloudkitty.common import exception

# SQLite is the embedded default: the API and the processor are separate
# processes writing one file, so WAL and a generous busy timeout are needed.
_SQLITE_BUSY_TIMEOUT_MS = 30000


class Database:
    """An engine plus a session factory; sessions commit or roll back as a unit."""

    def __init__(self, url: str, **engine_kwargs):
        if not url:
            raise exception.ConfigurationError(
                reason='[database] connection is not set')
        try:
            if url.startswith('sqlite'):
                # oslo.db gives file databases a NullPool: every transaction
                # would reopen the file and checkpoint the WAL. A pooled
                # connection per thread is much cheaper and just as safe.
                self.engine = sa.create_engine(url)
            else:
                self.engine = engines.create_engine(url, **engine_kwargs)
        except Exception as error:
            raise exception.ConfigurationError(
                reason='[database] connection %r cannot be used: %s' % (
                    _hide_password(url), error)) from None
        if self.engine.dialect.name == 'sqlite':
            event.listen(self.engine, 'connect', _configure_sqlite)
        self._sessions = orm.sessionmaker(bind=self.engine, expire_on_commit=False)

    @classmethod
    def from_conf(cls, conf) -> Database:
        return cls(conf.database.connection,
                   max_pool_size=conf.database.max_pool_size,
                   max_overflow=conf.database.max_overflow,
                   pool_timeout=conf.database.pool_timeout,
                   max_retries=conf.database.max_retries,
                   retry_interval=conf.database.retry_interval,
                   connection_recycle_time=conf.database.connection_recycle_time)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[orm.Session]:
        """A session in one transaction: committed on exit, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA journal_mode=WAL')
    # With WAL, NORMAL stays crash-safe (a commit may be lost on power loss
    # but the file never corrupts) and saves an fsync per transaction.
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=%d' % _SQLITE_BUSY_TIMEOUT_MS)
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def _hide_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return '<unparsable URL>'

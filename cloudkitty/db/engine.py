"""One engine and session factory per process, built from ``[database]``.

A database server that goes away (stopped, restarting, unreachable) surfaces
as :class:`~cloudkitty.common.exception.DatabaseUnavailable` from any query,
never as a driver error: the API answers 503, the processor retries later.
The pool pings a connection before handing it out (oslo.db's
``pool_pre_ping``), so the first query after the server comes back works.
Building a :class:`Database` opens no connection; a service calls
:meth:`Database.wait_until_reachable` at start-up, which honours
``[database] max_retries`` and ``retry_interval`` for every driver.
"""
from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_db import exception as db_exception
from oslo_db.sqlalchemy import engines
from oslo_log import log as logging
from sqlalchemy import event, orm

from cloudkitty.common import exception

LOG = logging.getLogger(__name__)

# SQLite is the embedded default: the API and the processor are separate
# processes writing one file, so WAL and a generous busy timeout are needed.
_SQLITE_BUSY_TIMEOUT_MS = 30000


class Database:
    """An engine plus a session factory; sessions commit or roll back as a unit."""

    def __init__(self, url: str, max_retries: int = 0, retry_interval: float = 10,
                 **engine_kwargs):
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
                # oslo.db would test the connection here, retrying only the
                # errors it recognises (not libpq's "connection ... failed"):
                # wait_until_reachable does it for every driver instead.
                self.engine = engines.create_engine(url, max_retries=0, **engine_kwargs)
        except Exception as error:
            raise exception.ConfigurationError(
                reason='[database] connection %r cannot be used: %s' % (
                    _hide_password(url), error)) from None
        if self.engine.dialect.name == 'sqlite':
            event.listen(self.engine, 'connect', _configure_sqlite)
        self._sessions = orm.sessionmaker(bind=self.engine, expire_on_commit=False)
        self._max_retries = max_retries
        pool_timeout = getattr(self.engine.pool, 'timeout', None)
        self._pool_timeout = pool_timeout() if pool_timeout else None
        self._retry_interval = retry_interval

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
        """A session in one transaction: committed on exit, rolled back on error.

        Raises DatabaseUnavailable when the server cannot be reached.
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except sa.exc.TimeoutError:
            # The pool's checkout timeout (a server overloaded by slow
            # requests), not a failure of the request itself.
            LOG.warning('No database connection became free within %s s', self._pool_timeout)
            raise exception.DatabaseBusy(timeout=self._pool_timeout) from None
        except (sa.exc.DBAPIError, db_exception.DBConnectionError) as error:
            reason = _unavailable_reason(error)
            if reason is None:
                raise
            LOG.warning('Database unavailable (%s): %s', reason, _driver_message(error))
            raise exception.DatabaseUnavailable(reason=reason) from error

    def wait_until_reachable(self) -> None:
        """Open one connection, retrying while the server cannot be reached.

        ``max_retries`` more attempts, ``retry_interval`` seconds apart (-1:
        until it answers); then DatabaseUnavailable with the driver's message.
        """
        last = None if self._max_retries == -1 else self._max_retries + 1
        for attempt in itertools.count(1):
            try:
                with self.engine.connect():
                    return
            except (sa.exc.DBAPIError, db_exception.DBConnectionError) as error:
                reason = _unavailable_reason(error)
                if reason is None:
                    raise
                if attempt == last:
                    raise exception.DatabaseUnavailable(
                        reason='%s (%s)' % (reason, _driver_message(error))) from error
                LOG.warning('Database not reachable yet (%s), trying again in %s s',
                            _driver_message(error), self._retry_interval)
                time.sleep(self._retry_interval)

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


def _unavailable_reason(error: BaseException) -> str | None:
    """Why ``error`` means the server is unreachable, or None if it means something else.

    A statement that lost its connection, or a connection that could not be
    opened (SQLAlchemy wraps those with no statement), possibly translated
    by oslo.db into ``DBConnectionError``. A constraint, a lock timeout or a
    syntax error is not unavailability and keeps its own type.
    """
    connection_error = isinstance(error, db_exception.DBConnectionError)
    if connection_error:
        error = error.inner_exception or error
    if isinstance(error, sa.exc.DBAPIError):
        if error.connection_invalidated:
            return 'the connection to the database server was lost'
        if error.statement is None and isinstance(error, (sa.exc.OperationalError,
                                                          sa.exc.InterfaceError)):
            return 'no connection to the database server could be made'
    return 'the database server cannot be reached' if connection_error else None


def _driver_message(error: BaseException) -> str:
    """The first line of the driver's own error, for the log."""
    if isinstance(error, db_exception.DBConnectionError):
        error = error.inner_exception or error
    text = str(getattr(error, 'orig', None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _hide_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return '<unparsable URL>'

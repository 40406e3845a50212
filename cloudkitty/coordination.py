"""Distributed locks between processor workers, behind one small API (tooz).

Every worker process holds one :class:`Coordinator`. ``lock(name)`` tries a
non-blocking acquire and yields whether this worker owns the lock; a lock
held elsewhere, or a backend that cannot be reached, both mean "skip this
item now". The backend being down therefore pauses rating instead of
crashing workers, and a later pass reconnects.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator

from oslo_log import log as logging
from tooz import coordination

from cloudkitty.common import exception

LOG = logging.getLogger(__name__)


def scope_lock_name(scope_id: str, collector: str, fetcher: str, scope_key: str) -> str:
    """Lock of one scope (§5.2), shared with upstream processors."""
    return _digest('cloudkitty-%s-%s-%s-%s' % (scope_id, collector, fetcher, scope_key))


def reprocessing_lock_name(scope_id: str, start: datetime.datetime,
                           end: datetime.datetime) -> str:
    """Lock of one reprocessing schedule (§5.5)."""
    return _digest('ReprocessingWorker-id=%s-start=%s-end=%s' % (scope_id, start, end))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def ensure_file_backend_directory(url: str) -> None:
    """Create the lock directory of a ``file://`` URL, or explain why it can't be."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != 'file':
        return
    try:
        os.makedirs(parsed.path, exist_ok=True)
    except OSError as error:
        raise exception.ConfigurationError(
            reason='[orchestrator] coordination_url: cannot create the lock directory '
                   '%s: %s' % (parsed.path, error.strerror)) from None
    if not os.access(parsed.path, os.W_OK | os.X_OK):
        raise exception.ConfigurationError(
            reason='[orchestrator] coordination_url: the lock directory %s is not '
                   'writable' % parsed.path)


class Coordinator:
    """One tooz member; starts lazily and reconnects after backend failures."""

    def __init__(self, url: str, member_id: str | None = None,
                 reconnect_delay: float = 30.0, first_reconnect_delay: float = 1.0):
        self.url = url
        self.member_id = (member_id or 'cloudkitty-%s' % uuid.uuid4()).encode('utf-8')
        self.reconnect_delay = reconnect_delay
        self.first_reconnect_delay = first_reconnect_delay
        self._driver: coordination.CoordinationDriver | None = None
        self._next_attempt = 0.0
        self._delay = first_reconnect_delay
        # The orchestrator and RPC threads of a process share the member.
        self._connection_lock = threading.Lock()

    def start(self) -> bool:
        """Connect if not connected; False (logged) when the backend is unreachable.

        A failed connection is not retried at once: some drivers take a
        minute to give up, which must not be paid for every scope of a pass.
        The pause starts at ``first_reconnect_delay`` seconds, so that a
        backend that merely restarted is back in use within a second or two,
        and doubles with each failure up to ``reconnect_delay``.
        """
        with self._connection_lock:
            if self._driver is not None:
                return True
            if time.monotonic() < self._next_attempt:
                return False
            try:
                driver = coordination.get_coordinator(self.url, self.member_id)
                driver.start(start_heart=True)
            except Exception as error:
                # Not only ToozError: drivers let some errors of their client
                # library through (etcd3gw's ConnectionFailedError while it
                # discovers the API version of a server that is down).
                delay, self._delay = self._delay, min(self._delay * 2, self.reconnect_delay)
                self._next_attempt = time.monotonic() + delay
                LOG.error('Coordination backend unreachable, skipping work for %g s: '
                          '%s: %s', delay, type(error).__name__, error)
                return False
            self._driver = driver
            self._delay = self.first_reconnect_delay
            return True

    def stop(self) -> None:
        with self._connection_lock:
            driver, self._driver = self._driver, None
        if driver is None:
            return
        try:
            driver.stop()
        except Exception as error:  # a backend that is down must not stop the caller
            LOG.warning('Error while leaving the coordination backend: %s: %s',
                        type(error).__name__, error)

    @contextlib.contextmanager
    def lock(self, name: str, timeout: float | None = None) -> Iterator[bool]:
        """Yield True while holding ``name``, False if it cannot be had.

        Without ``timeout`` the acquire does not wait. The lock is always
        released on exit, including when the body raises.
        """
        if not self.start():
            yield False
            return
        driver = self._driver
        if driver is None:  # stopped by another thread meanwhile
            yield False
            return
        lock = driver.get_lock(name.encode('utf-8'))
        try:
            acquired = lock.acquire(blocking=timeout if timeout else False)
        except coordination.ToozError as error:
            LOG.error('Cannot acquire lock %s, skipping it for now: %s', name, error)
            self.stop()
            yield False
            return
        if not acquired:
            yield False
            return
        try:
            yield True
        finally:
            try:
                lock.release()
            except coordination.ToozError as error:
                # The lock expires on the backend side; reconnect next time.
                LOG.warning('Cannot release lock %s: %s', name, error)
                self.stop()


def from_conf(conf, member_id: str | None = None) -> Coordinator:
    """The coordinator of ``[orchestrator] coordination_url``."""
    url = conf.orchestrator.coordination_url
    ensure_file_backend_directory(url)
    return Coordinator(url, member_id)

"""Rated data storage: :func:`get_storage` builds the configured backend.

``[storage] version = 2`` loads ``[storage] backend`` from the entry points
``cloudkitty.storage.v2.backends``; version 1 loads it from
``cloudkitty.storage.v1.backends`` and wraps it in
:class:`cloudkitty.storage.v1.adapter.V1StorageAdapter`, so callers always get
a :class:`cloudkitty.storage.base.BaseStorage`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from oslo_log import log as logging
from stevedore import driver, extension
from stevedore import exception as stevedore_exception

from cloudkitty.common import exception
from cloudkitty.storage.base import BaseStorage

if TYPE_CHECKING:
    from cloudkitty.db.engine import Database

LOG = logging.getLogger(__name__)

NAMESPACES = {1: 'cloudkitty.storage.v1.backends', 2: 'cloudkitty.storage.v2.backends'}


def _backend_class(version: int, name: str) -> type:
    namespace = NAMESPACES[version]
    try:
        return driver.DriverManager(namespace, name, invoke_on_load=False).driver
    except stevedore_exception.NoMatches:
        names = sorted(extension.ExtensionManager(namespace).names())
        raise exception.ConfigurationError(
            reason='[storage] backend %r is not a version %d storage backend; '
                   'valid names: %s' % (name, version,
                                        ', '.join(names) or 'none installed')) from None


def get_storage(conf, db: Database | None = None) -> BaseStorage:
    """The storage configured by ``[storage] version`` and ``[storage] backend``.

    ``db`` is the shared SQL database; SQL backends build one from
    ``[database] connection`` when it is not given.
    """
    version, name = conf.storage.version, conf.storage.backend
    backend_class = _backend_class(version, name)
    if version == 1:
        from cloudkitty.storage.v1.adapter import V1StorageAdapter
        LOG.warning('Storage version 1 is deprecated; /v2 is disabled with it')
        return V1StorageAdapter(conf, backend_class(conf, db=db))
    return backend_class(conf, db=db)

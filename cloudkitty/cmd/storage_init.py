"""``cloudkitty-storage-init``: create the state tables and the storage backend schema."""
from __future__ import annotations

import sys

from oslo_log import log as logging

from cloudkitty import service, storage
from cloudkitty.cmd._common import run_cli
from cloudkitty.db import migration
from cloudkitty.db.engine import Database

LOG = logging.getLogger(__name__)

#: Migration modules the storage needs: scope states, then the SQL storage tables.
STORAGE_MODULES = ('storage_states', 'storage_sqlalchemy')


@run_cli
def main() -> int:
    conf = service.prepare_service(sys.argv[1:])
    db = Database.from_conf(conf)
    db.wait_until_reachable()
    for module in STORAGE_MODULES:
        migration.upgrade(db, module=module)
    backend = storage.get_storage(conf, db=db)
    backend.init()
    LOG.info('Storage v%d %s initialised', conf.storage.version, conf.storage.backend)
    return 0

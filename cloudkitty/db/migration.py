"""Schema migrations: one alembic history (and version table) per module.

``cloudkitty-dbsync upgrade`` upgrades every module in the order below;
``--module`` restricts a command to one of them.
"""
from __future__ import annotations

import os

from alembic import command, migration, script
from alembic import config as alembic_config

from cloudkitty.common import exception
from cloudkitty.db.engine import Database

_HERE = os.path.dirname(os.path.abspath(__file__))

#: module name -> alembic version table (contract §7.4), in upgrade order.
MODULES: dict[str, str] = {
    'cloudkitty': 'cloudkitty_alembic',
    'hashmap': 'hashmap_alembic',
    'pyscripts': 'pyscripts_alembic',
    'storage_states': 'storage_states_alembic',
    'storage_sqlalchemy': 'storage_sqlalchemy_alembic',
}


def _config(db: Database, module: str) -> alembic_config.Config:
    if module not in MODULES:
        raise exception.Invalid('Unknown migration module %r; choose from %s' % (
            module, ', '.join(MODULES)))
    cfg = alembic_config.Config()
    cfg.set_main_option('path_separator', 'os')
    cfg.set_main_option('script_location', os.path.join(_HERE, 'migrations'))
    cfg.set_main_option('version_locations',
                        os.path.join(_HERE, 'migrations', 'versions', module))
    cfg.attributes['engine'] = db.engine
    cfg.attributes['version_table'] = MODULES[module]
    return cfg


def _modules(module: str | None) -> list[str]:
    return [module] if module else list(MODULES)


def upgrade(db: Database, revision: str = 'head', module: str | None = None) -> None:
    for name in _modules(module):
        command.upgrade(_config(db, name), revision)


def downgrade(db: Database, revision: str = 'base', module: str | None = None) -> None:
    for name in reversed(_modules(module)):
        command.downgrade(_config(db, name), revision)


def stamp(db: Database, revision: str = 'head', module: str | None = None) -> None:
    for name in _modules(module):
        command.stamp(_config(db, name), revision)


def current_versions(db: Database, module: str | None = None) -> dict[str, str | None]:
    """The applied revision of each module (None when never migrated)."""
    result = {}
    with db.engine.connect() as connection:
        for name in _modules(module):
            context = migration.MigrationContext.configure(
                connection, opts={'version_table': MODULES[name]})
            result[name] = context.get_current_revision()
    return result


def head_versions(db: Database, module: str | None = None) -> dict[str, str | None]:
    """The newest revision shipped for each module."""
    return {name: script.ScriptDirectory.from_config(_config(db, name)).get_current_head()
            for name in _modules(module)}


def revision(db: Database, module: str, message: str,
             autogenerate: bool = False) -> None:
    command.revision(_config(db, module), message=message, autogenerate=autogenerate)

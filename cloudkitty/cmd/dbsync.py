"""``cloudkitty-dbsync``: create or upgrade the SQL schema (alembic)."""
from __future__ import annotations

import sys

from oslo_config import cfg

from cloudkitty import service
from cloudkitty.cmd._common import run_cli
from cloudkitty.db import migration
from cloudkitty.db.engine import Database


def _add_parsers(subparsers) -> None:
    for name, default in (('upgrade', 'head'), ('downgrade', 'base'),
                          ('stamp', 'head')):
        parser = subparsers.add_parser(name)
        parser.add_argument('--revision', default=default,
                            help='Target revision (default: %s).' % default)
        parser.add_argument('--module', choices=list(migration.MODULES),
                            help='Only this migration module.')
    parser = subparsers.add_parser('version')
    parser.add_argument('--module', choices=list(migration.MODULES))
    parser = subparsers.add_parser('revision')
    parser.add_argument('--module', choices=list(migration.MODULES), required=True)
    parser.add_argument('-m', '--message', required=True)
    parser.add_argument('--autogenerate', action='store_true')


_COMMAND = cfg.SubCommandOpt('command', title='Commands', handler=_add_parsers,
                             help='Schema command to run.')


@run_cli
def main() -> int:
    conf = service.prepare_service(sys.argv[1:], setup_logging=False,
                                   extra_cli_opts=[_COMMAND])
    db = Database.from_conf(conf)
    db.wait_until_reachable()
    action = conf.command
    module = getattr(action, 'module', None)
    if action.name == 'upgrade':
        migration.upgrade(db, action.revision, module)
    elif action.name == 'downgrade':
        migration.downgrade(db, action.revision, module)
    elif action.name == 'stamp':
        migration.stamp(db, action.revision, module)
    elif action.name == 'revision':
        migration.revision(db, module, action.message, action.autogenerate)
    else:
        for name, rev in migration.current_versions(db, module).items():
            print('%s: %s' % (name, rev or 'None'))
    return 0

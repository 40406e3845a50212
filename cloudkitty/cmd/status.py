"""``cloudkitty-status upgrade check``: is this deployment ready for new code?

Run it after installing a new release and before restarting the daemons. Each
check reads only the configuration and the database schema version tables, so
it works against a database still at the previous release.
"""
from __future__ import annotations

import json
import sys

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_upgradecheck import upgradecheck

from cloudkitty.cmd._common import run_cli
from cloudkitty.common import config, exception
from cloudkitty.db import migration
from cloudkitty.db.engine import Database

Code = upgradecheck.Code
Result = upgradecheck.Result


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``cloudkitty-status upgrade check``, in display order."""

    display_title = 'CloudKitty upgrade check results'

    def __init__(self, conf: cfg.ConfigOpts):
        self._conf = conf

    def _check_storage_version(self) -> Result:
        if self._conf.storage.version == 1:
            return Result(
                Code.WARNING,
                '[storage] version = 1 is deprecated: the v1 storage does not serve '
                'the /v2 API (summary, dataframes, scopes, reprocessing). Set '
                '[storage] version = 2 and backend = sqlalchemy, then run '
                'cloudkitty-storage-init.')
        return Result(Code.SUCCESS)

    def _check_policy_file_format(self) -> Result:
        policy_file = self._conf.find_file(self._conf.oslo_policy.policy_file)
        if policy_file and _is_json_file(policy_file):
            return Result(
                Code.WARNING,
                'The policy file %s is JSON, which oslo.policy deprecates. Convert it '
                'with oslopolicy-convert-json-to-yaml and point [oslo_policy] '
                'policy_file at the YAML file.' % policy_file)
        return Result(Code.SUCCESS)

    def _check_database_migrations(self) -> Result:
        try:
            db = Database(self._conf.database.connection, max_retries=1)
        except exception.ConfigurationError as error:
            return Result(Code.FAILURE, str(error))
        try:
            current = migration.current_versions(db)
            heads = migration.head_versions(db)
        except Exception as error:  # the driver's own error names the problem
            return Result(Code.FAILURE, 'Cannot read the schema version from [database] '
                          'connection: %s' % getattr(error, 'orig', error))
        finally:
            db.dispose()
        behind = ['%s (at %s, head is %s)' % (module, current[module] or 'nothing',
                                              heads[module])
                  for module in heads if current[module] != heads[module]]
        if behind:
            return Result(Code.FAILURE,
                          'Database migrations are not at head for: %s. Run '
                          'cloudkitty-dbsync upgrade.' % ', '.join(behind))
        return Result(Code.SUCCESS)

    _upgrade_checks = (
        ('Storage version', _check_storage_version),
        ('Policy file format', _check_policy_file_format),
        ('Database migrations', _check_database_migrations),
    )


def _is_json_file(path: str) -> bool:
    try:
        with open(path, encoding='utf-8') as policy:
            json.load(policy)
    except (OSError, ValueError):
        return False
    return True


def build_conf() -> cfg.ConfigOpts:
    """Options the checks read, registered but not yet parsed."""
    conf = cfg.ConfigOpts()
    config.register_opts(conf)
    policy_opts.set_defaults(conf)
    return conf


@run_cli
def main() -> int:
    conf = build_conf()
    return upgradecheck.main(conf, project='cloudkitty', upgrade_command=Checks(conf),
                             argv=sys.argv[1:])

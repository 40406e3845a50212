"""PyScripts rule management (contract §1.5).

Scripts are volatile rules like hashmap mappings (window, soft delete,
audit). Their source is stored compressed with a SHA-512 checksum; encoding
is the rating module's business (``cloudkitty.rating.pyscripts.codec``), so
this module stores and returns the encoded bytes and compares checksums.
"""
from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from cloudkitty.common import exception, tz
from cloudkitty.db import models, rules_version, volatile_rules
from cloudkitty.db.engine import Database

LOG = logging.getLogger(__name__)


class ScriptNotFound(exception.NotFound):
    _msg_fmt = 'No such script: None (UUID: %(uuid)s)'


class ScriptAlreadyExists(exception.Conflict):
    _msg_fmt = 'Script %(name)s already exists (UUID: %(uuid)s)'


@dataclasses.dataclass(frozen=True)
class Script:
    """A stored script; ``data`` is the encoded (compressed) source."""

    script_id: str
    name: str
    data: bytes
    checksum: str
    created_at: datetime.datetime
    start: datetime.datetime
    end: datetime.datetime | None
    description: str | None
    deleted: datetime.datetime | None
    created_by: str
    updated_by: str | None
    deleted_by: str | None


def _record(row: models.PyScript) -> Script:
    return Script(
        script_id=row.script_id, name=row.name, data=row.data, checksum=row.checksum,
        created_at=row.created_at, start=row.start, end=row.end,
        description=row.description, deleted=row.deleted, created_by=row.created_by,
        updated_by=row.updated_by, deleted_by=row.deleted_by)


class PyScriptRules:
    """CRUD on ``pyscripts_scripts``; names are unique among live scripts."""

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def _live_row(session: orm.Session, script_id: str) -> models.PyScript:
        row = session.scalar(sa.select(models.PyScript).where(
            models.PyScript.script_id == script_id, models.PyScript.deleted.is_(None)))
        if row is None:
            raise ScriptNotFound(uuid=script_id)
        return row

    def list_scripts(self, window: volatile_rules.RuleWindowFilters | None = None
                     ) -> list[Script]:
        """Scripts in ``window`` (default: the live ones), in creation order."""
        window = window or volatile_rules.RuleWindowFilters()
        with self.db.session() as session:
            rows = session.scalars(sa.select(models.PyScript)
                                   .where(*window.clauses(models.PyScript))
                                   .order_by(models.PyScript.id))
            return [_record(row) for row in rows]

    def get_script(self, script_id: str) -> Script:
        """A live script; a soft-deleted one is not found (unlike mappings)."""
        with self.db.session() as session:
            return _record(self._live_row(session, script_id))

    def create_script(self, *, name: str, data: bytes, checksum: str,
                      start: datetime.datetime | None = None,
                      end: datetime.datetime | None = None,
                      description: str | None = None, force: bool = False,
                      user: str = volatile_rules.UNKNOWN_USER) -> Script:
        """Create a script; the name of a soft-deleted script is free again (§12.7)."""
        now = tz.utcnow()
        start = start or now
        volatile_rules.validate_new_window(start, end, now, force)
        with rules_version.writing(self.db) as session:
            existing = session.scalar(sa.select(models.PyScript).where(
                models.PyScript.name == name, models.PyScript.deleted.is_(None)))
            if existing is not None:
                raise ScriptAlreadyExists(name=name, uuid=existing.script_id)
            row = models.PyScript(
                script_id=str(uuid.uuid4()), name=name, data=data, checksum=checksum,
                created_at=now, start=start, end=end, description=description,
                created_by=user)
            session.add(row)
            session.flush()
            session.refresh(row)
            LOG.info('Created script %s (%s)', name, row.script_id)
            return _record(row)

    def update_script(self, script_id: str, body: Mapping[str, Any],
                      user: str = volatile_rules.UNKNOWN_USER) -> Script:
        """Apply a PUT body (attributes sent, by record name) to a live script.

        ``data`` must come with its ``checksum``; a running script may only get
        an end, and sending its current source again is not a change.
        """
        with rules_version.writing(self.db) as session:
            row = self._live_row(session, script_id)
            current = _record(row)

            def differs(name: str, value: Any) -> bool:
                if name == 'data':
                    return body.get('checksum') != current.checksum
                return (name not in ('script_id', 'checksum')
                        and getattr(current, name, value) != value)

            volatile_rules.apply_update(row, body, user, rewritable=('data', 'checksum'),
                                        differs=differs)
            session.flush()
            session.refresh(row)
            LOG.info('Updated script %s', script_id)
            return _record(row)

    def delete_script(self, script_id: str,
                      user: str = volatile_rules.UNKNOWN_USER) -> None:
        """Soft-delete a script: it is no longer run and its name is free."""
        with rules_version.writing(self.db) as session:
            volatile_rules.soft_delete(self._live_row(session, script_id), user)
        LOG.info('Deleted script %s', script_id)

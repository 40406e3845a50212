"""What hashmap mappings and PyScripts have in common: "volatile" rules.

A volatile rule has an activity window (``start``/``end``), is soft-deleted,
and records who created, updated and deleted it (contract §1.4, §1.5). The
window decides what an update may change: a rule that has not started yet
may be rewritten; a running open-ended rule may only be given an end; a rule
with a past start and an end is history and is frozen.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from cloudkitty.common import exception, tz

#: The ``created_by``/``updated_by``/``deleted_by`` value without a token.
UNKNOWN_USER = 'unknown'

#: Attributes a client may echo back that never count as a change.
READ_ONLY_ATTRIBUTES = frozenset({
    'created_at', 'deleted', 'created_by', 'updated_by', 'deleted_by'})


class InvalidRule(exception.Invalid):
    """A rule whose window or update breaks the volatile-rule rules."""


class RuleWindowFilters:
    """The list filters shared by mappings and scripts (contract §1.4).

    ``deleted`` False hides soft-deleted rows, True includes them. ``start``
    keeps rows starting at or after it, ``end`` rows ending before it.
    ``is_active`` keeps rows live now. ``description`` is a case-insensitive
    substring.
    """

    def __init__(self, *, deleted: bool = False,
                 start: datetime.datetime | None = None,
                 end: datetime.datetime | None = None,
                 created_by: str | None = None, updated_by: str | None = None,
                 deleted_by: str | None = None, description: str | None = None,
                 is_active: bool | None = None):
        self.deleted = deleted
        self.start = start
        self.end = end
        self.created_by = created_by
        self.updated_by = updated_by
        self.deleted_by = deleted_by
        self.description = description
        self.is_active = is_active

    def clauses(self, model) -> list[sa.ColumnElement[bool]]:
        """SQL conditions on ``model`` (a table with the audit mixin)."""
        clauses: list[sa.ColumnElement[bool]] = []
        if not self.deleted:
            clauses.append(model.deleted.is_(None))
        if self.start is not None:
            clauses.append(model.start >= self.start)
        if self.end is not None:
            clauses.append(model.end < self.end)
        for column, value in (('created_by', self.created_by),
                              ('updated_by', self.updated_by),
                              ('deleted_by', self.deleted_by)):
            if value is not None:
                clauses.append(getattr(model, column) == value)
        if self.description:
            clauses.append(sa.func.lower(model.description).contains(
                self.description.lower(), autoescape=True))
        if self.is_active:
            clauses.append(active_at(model, tz.utcnow()))
        return clauses


def active_at(model, instant: datetime.datetime) -> sa.ColumnElement[bool]:
    """Rows of ``model`` that are live at ``instant``: started, not ended, not deleted."""
    return sa.and_(model.start <= instant,
                   sa.or_(model.end.is_(None), model.end > instant),
                   model.deleted.is_(None))


def validate_new_window(start: datetime.datetime, end: datetime.datetime | None,
                        now: datetime.datetime, force: bool = False) -> None:
    """Reject a window starting in the past (unless forced) or ending before it starts."""
    if not force and start < now:
        raise InvalidRule(
            'Cannot create a rule with start in the past. '
            'start=[%s] current time=[%s].' % (start, now))
    if end is not None and end < start:
        raise InvalidRule(
            'Cannot create a rule with start after end. '
            'start=[%s] end=[%s].' % (start, end))


def apply_update(row, body: Mapping[str, Any], user: str,
                 rewritable: tuple[str, ...],
                 differs: Callable[[str, Any], bool]) -> None:
    """Apply a PUT ``body`` to the stored ``row`` following its window state.

    ``body`` holds only the attributes the client sent. On a rule that has
    not started, the window and ``description`` are replaced (absent ``end``
    and ``description`` are cleared, an absent ``start`` is kept) and so are
    the ``rewritable`` attributes that were sent. ``differs(name, value)``
    says whether a sent attribute changes the stored rule; on a running rule
    any such change is refused.

    Sending again the update that gave a running rule its end changes nothing
    and is accepted: clients follow the 302 of v1 updates by repeating the PUT
    (contract §0.2.8), so updates must be idempotent.
    """
    now = tz.utcnow()
    if row.start >= now:
        start = body.get('start') or row.start
        end = body.get('end')
        validate_new_window(start, end, now)
        row.start, row.end = start, end
        row.description = body.get('description')
        for name in rewritable:
            if name in body:
                setattr(row, name, body[name])
        row.updated_by = user
        return
    changes_more_than_end = any(
        value and differs(name, value) for name, value in body.items()
        if name != 'end' and name not in READ_ONLY_ATTRIBUTES)
    if row.end is not None:
        if changes_more_than_end or body.get('end') != row.end:
            raise InvalidRule('Cannot update a rule that was already processed and has '
                              'a defined end date.')
        return
    if changes_more_than_end:
        raise InvalidRule(
            'You are allowed to update only the attribute [end] as this '
            'rule is already running as it started on [%s]' % row.start)
    end = body.get('end')
    if end is not None and end <= now:
        raise InvalidRule('End date must be in the future. end=[%s] current time=[%s]'
                          % (end, now))
    row.end = end
    row.updated_by = user


def soft_delete(row, user: str) -> None:
    """Mark ``row`` deleted now by ``user``; it stays readable for history."""
    row.deleted = tz.utcnow()
    row.deleted_by = user

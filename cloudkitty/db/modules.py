"""Enable flag and priority of rating modules: the ``modules_state`` table (§1.3, §4.1).

Every function takes an open session so that the caller decides the unit of
work. The defaults of a module without a row (disabled, priority 1) and the
"stored 0 reads as 1" rule live here, so the API and the pipeline agree.
"""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import orm

from cloudkitty.db import rules_version
from cloudkitty.db.models import ModuleState

DEFAULT_PRIORITY = 1


class StoredState(NamedTuple):
    """What ``modules_state`` says about one module, defaults applied."""

    enabled: bool
    priority: int


_ABSENT = StoredState(enabled=False, priority=DEFAULT_PRIORITY)


def _stored(state: bool, priority: int | None) -> StoredState:
    # Upstream reads a stored 0 (or NULL) back as the default priority (§12.19).
    return StoredState(enabled=bool(state), priority=priority or DEFAULT_PRIORITY)


def _from_row(row: ModuleState | None) -> StoredState:
    return _ABSENT if row is None else _stored(row.state, row.priority)


def get_state(session: orm.Session, name: str) -> StoredState:
    return _from_row(session.get(ModuleState, name))


_LIST = sa.select(ModuleState.name, ModuleState.state, ModuleState.priority)


def list_states(session: orm.Session) -> dict[str, StoredState]:
    """Every stored module state by name (modules without a row are absent)."""
    return {name: _stored(state, priority)
            for name, state, priority in session.execute(_LIST)}


def default_state() -> StoredState:
    """The state of a module that has no row."""
    return _ABSENT


def save_state(session: orm.Session, name: str, enabled: bool | None = None,
               priority: int | None = None) -> StoredState:
    """Store the given values (None keeps the current one); returns the new state.

    Bumps the rules version: which modules run, and in which order, is part of
    the rules the processor caches.
    """
    row = session.get(ModuleState, name)
    if row is None:
        row = ModuleState(name=name, state=_ABSENT.enabled, priority=_ABSENT.priority)
        session.add(row)
    if enabled is not None:
        row.state = enabled
    if priority is not None:
        row.priority = priority
    session.flush()
    rules_version.bump(session)
    return _from_row(row)

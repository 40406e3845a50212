"""Progress of every scope: the ``cloudkitty_storage_states`` table (§2.1, §5.3).

Every function takes an open session so that the caller decides the unit of
work: the API runs one request per transaction, the processor advances a
scope in the same transaction as the stored period (:func:`advance`).
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from oslo_db import exception as db_exception
from oslo_log import log as logging
from sqlalchemy import orm

from cloudkitty.common import exception, tz
from cloudkitty.db.models import ScopeState

LOG = logging.getLogger(__name__)

#: Page size applied when the caller gives none, as upstream does (§12.8).
DEFAULT_LIMIT = 100


class ScopeAlreadyExists(exception.NotFound):
    """POST of a scope whose identifier already has an active row (a 404 upstream)."""

    _msg_fmt = 'Cannot create a scope with an already existing scope_id: %(scope_id)s.'


class TooManyScopes(exception.NotFound):
    """PATCH needs exactly one row per identifier (a 404 upstream)."""

    _msg_fmt = 'Too many resources found with the same scope_id: %(scope_id)s.'


class StateConflict(exception.CloudKittyError):
    """Another worker advanced the scope first; the caller's transaction must roll back."""

    _msg_fmt = ('State of scope %(scope_id)s is no longer %(expected)s; another '
                'worker processed this period')
    code = 409


class ScopeKey(NamedTuple):
    """Identity of a state row: one scope as seen by one collector and fetcher."""

    identifier: str
    scope_key: str
    collector: str
    fetcher: str

    @classmethod
    def from_conf(cls, conf, scope_id: str) -> ScopeKey:
        return cls(scope_id, conf.collect.scope_key, conf.collect.collector,
                   conf.fetcher.backend)


def as_dict(state: ScopeState) -> dict[str, Any]:
    """The v2 scope object, with naive-UTC datetimes (the API formats them)."""
    return {
        'scope_id': state.identifier,
        'scope_key': state.scope_key,
        'fetcher': state.fetcher,
        'collector': state.collector,
        'last_processed_timestamp': state.last_processed_timestamp,
        'active': state.active,
        'scope_activation_toggle_date': state.scope_activation_toggle_date,
    }


def _matching(scope: ScopeKey) -> sa.ColumnElement[bool]:
    return sa.and_(ScopeState.identifier == scope.identifier,
                   ScopeState.scope_key == scope.scope_key,
                   ScopeState.collector == scope.collector,
                   ScopeState.fetcher == scope.fetcher)


def get_state(session: orm.Session, scope: ScopeKey) -> ScopeState | None:
    """The state row of ``scope``, adopting a legacy row if that is all there is.

    Rows written before scope_key/collector/fetcher existed hold NULLs there;
    the first lookup with the current configuration claims such a row.
    """
    state = session.scalars(sa.select(ScopeState).where(_matching(scope))).first()
    if state is not None:
        return state
    legacy = session.scalars(sa.select(ScopeState).where(
        ScopeState.identifier == scope.identifier,
        ScopeState.scope_key.is_(None),
        ScopeState.collector.is_(None),
        ScopeState.fetcher.is_(None))).first()
    if legacy is not None:
        LOG.info('Adopting legacy state row of scope %s', scope.identifier)
        legacy.scope_key = scope.scope_key
        legacy.collector = scope.collector
        legacy.fetcher = scope.fetcher
        session.flush()
    return legacy


def _in(column, values: Sequence[Any] | None) -> sa.ColumnElement[bool] | None:
    return column.in_(list(values)) if values else None


def list_states(session: orm.Session, scope_ids: Sequence[str] | None = None,
                scope_keys: Sequence[str] | None = None,
                fetchers: Sequence[str] | None = None,
                collectors: Sequence[str] | None = None,
                active: Sequence[bool | int] | None = None,
                offset: int | None = 0,
                limit: int | None = DEFAULT_LIMIT) -> list[ScopeState]:
    """State rows matching every given filter (a list means OR), in id order.

    Empty or None filters match everything; ``limit=None`` means no limit.
    """
    conditions = [
        _in(ScopeState.identifier, scope_ids),
        _in(ScopeState.scope_key, scope_keys),
        _in(ScopeState.fetcher, fetchers),
        _in(ScopeState.collector, collectors),
        _in(ScopeState.active, [bool(value) for value in active] if active else None),
    ]
    query = sa.select(ScopeState).where(
        *[condition for condition in conditions if condition is not None]
    ).order_by(ScopeState.id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def select_for_reset(session: orm.Session, scope_ids: Sequence[str] | None = None,
                     scope_keys: Sequence[str] | None = None,
                     fetchers: Sequence[str] | None = None,
                     collectors: Sequence[str] | None = None) -> list[ScopeState]:
    """Active rows a ``PUT /v2/scope`` resets: at most 100 (§12.8).

    ``scope_ids=None`` selects all scopes. Raises ScopeNotFound when none match.
    """
    states = list_states(session, scope_ids, scope_keys, fetchers, collectors,
                         active=[True], limit=DEFAULT_LIMIT)
    if not states:
        raise exception.ScopeNotFound()
    return states


def create_state(session: orm.Session, scope: ScopeKey,
                 last_processed_timestamp: datetime.datetime,
                 active: bool = True) -> ScopeState:
    """Insert a state row (``POST /v2/scope``); the identifier must not be active."""
    existing = session.scalars(sa.select(ScopeState.id).where(
        ScopeState.identifier == scope.identifier, ScopeState.active.is_(True))).first()
    if existing is not None:
        raise ScopeAlreadyExists(scope_id=scope.identifier)
    state = ScopeState(identifier=scope.identifier, scope_key=scope.scope_key,
                       collector=scope.collector, fetcher=scope.fetcher,
                       last_processed_timestamp=tz.to_naive_utc(last_processed_timestamp),
                       active=active, scope_activation_toggle_date=tz.utcnow())
    session.add(state)
    try:
        session.flush()
    except (sa.exc.IntegrityError, db_exception.DBDuplicateEntry):
        # An inactive row with the same identity: still the same scope.
        raise ScopeAlreadyExists(scope_id=scope.identifier) from None
    return state


def patch_state(session: orm.Session, scope_id: str, scope_key: str | None = None,
                fetcher: str | None = None, collector: str | None = None,
                active: bool | None = None) -> ScopeState:
    """Update the one row of ``scope_id`` (``PATCH /v2/scope``).

    Only non-empty values are applied; changing ``active`` stamps the toggle date.
    """
    states = list(session.scalars(sa.select(ScopeState).where(
        ScopeState.identifier == scope_id).limit(2)))
    if not states:
        raise exception.ScopeNotFound()
    if len(states) > 1:
        raise TooManyScopes(scope_id=scope_id)
    state = states[0]
    for column, value in (('scope_key', scope_key), ('fetcher', fetcher),
                          ('collector', collector)):
        if value:
            setattr(state, column, value)
    if active is not None and bool(active) != state.active:
        state.active = bool(active)
        state.scope_activation_toggle_date = tz.utcnow()
    session.flush()
    return state


def advance(session: orm.Session, scope: ScopeKey, new_timestamp: datetime.datetime,
            expected_previous: datetime.datetime | None) -> None:
    """Compare-and-set the last processed period start of ``scope``.

    ``expected_previous`` is the value the worker read before processing
    (None: the scope had no row). If another worker changed the row in the
    meantime, or the scope was deactivated, nothing is updated and
    StateConflict is raised, so that the transaction storing the period rolls
    back and the period exists once.
    """
    if expected_previous is None:
        session.add(ScopeState(
            identifier=scope.identifier, scope_key=scope.scope_key,
            collector=scope.collector, fetcher=scope.fetcher,
            last_processed_timestamp=new_timestamp, active=True,
            scope_activation_toggle_date=tz.utcnow()))
        try:
            session.flush()
        except (sa.exc.IntegrityError, db_exception.DBDuplicateEntry):
            # The unique (identifier, scope_key, collector, fetcher) key
            # caught a concurrent first period: the session must roll back.
            raise StateConflict(scope_id=scope.identifier, expected=None) from None
        return
    result = session.execute(
        sa.update(ScopeState)
        .where(_matching(scope),
               ScopeState.last_processed_timestamp == expected_previous,
               ScopeState.active.is_(True))
        .values(last_processed_timestamp=new_timestamp)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StateConflict(scope_id=scope.identifier, expected=expected_previous)


def reset(session: orm.Session, scope: ScopeKey, timestamp: datetime.datetime) -> None:
    """Set the last processed period start of an existing scope (scope reset)."""
    session.execute(
        sa.update(ScopeState).where(_matching(scope))
        .values(last_processed_timestamp=tz.to_naive_utc(timestamp))
        .execution_options(synchronize_session=False))

"""Reprocessing schedules: ``storage_scope_reprocessing_schedule`` (§2.4, §5.5).

The API validates and inserts schedules with :func:`schedule`; the processor's
reprocessing workers read :func:`list_unfinished` and move each schedule on
with :func:`set_current_time`.
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from cloudkitty.common import exception, tz
from cloudkitty.db import scope_state
from cloudkitty.db.models import ReprocessingSchedule, ScopeState

#: The scope id meaning "every active scope".
ALL_SCOPES = 'ALL'
ORDERS = ['asc', 'desc']


def as_dict(schedule: ReprocessingSchedule) -> dict[str, str]:
    """The v2 task object: naive-UTC isoformat, ``""`` before the first period."""
    current = schedule.current_reprocess_time
    return {
        'scope_id': schedule.identifier,
        'reason': schedule.reason,
        'start_reprocess_time': schedule.start_reprocess_time.isoformat(),
        'end_reprocess_time': schedule.end_reprocess_time.isoformat(),
        'current_reprocess_time': current.isoformat() if current else '',
    }


def _floor_to_period(value: datetime.datetime, period: int) -> datetime.datetime:
    return value - datetime.timedelta(seconds=tz.to_epoch(value) % period)


def _check_request(scope_ids: Sequence[str], start: datetime.datetime,
                   end: datetime.datetime, reason: str, period: int) -> None:
    """Checks 1-4 of §2.4, which need no database."""
    if ALL_SCOPES in scope_ids and len(scope_ids) != 1:
        raise exception.Invalid(
            "Cannot use 'ALL' with scope ID [%s]. Either schedule a reprocessing for "
            "all active scopes using 'ALL' option, or inform only the scopes you "
            "desire to schedule a reprocessing." % list(scope_ids))
    if not reason or not reason.strip():
        raise exception.Invalid(
            'Empty or blank reason text is not allowed. Please, do inform/register '
            'the reason for the reprocessing of a previously processed timestamp.')
    if end < start:
        # The two values appear in this order upstream (sic).
        raise exception.Invalid(
            'End reprocessing timestamp [%s] cannot be less than start reprocessing '
            'timestamp [%s].' % (start, end))
    if tz.to_epoch(start) % period or tz.to_epoch(end) % period:
        valid_start = _floor_to_period(start, period)
        valid_end = _floor_to_period(end, period)
        if valid_start == valid_end:
            valid_end += datetime.timedelta(seconds=period)
        raise exception.Invalid(
            'The provided reprocess time window does not comply with the configured '
            'collector period. A valid time window near the provided one is %s'
            % [str(valid_start), str(valid_end)])


def _range_text(start: datetime.datetime, end: datetime.datetime) -> str:
    fmt = '%Y-%m-%dT%H:%M:%S%z'
    return '%s - %s' % (tz.to_aware_utc(start).strftime(fmt),
                        tz.to_aware_utc(end).strftime(fmt))


def schedule(session: orm.Session, scope_ids: Sequence[str],
             start: datetime.datetime, end: datetime.datetime, reason: str,
             period: int) -> list[ReprocessingSchedule]:
    """Validate a ``POST /v2/task/reprocesses`` request and insert its schedules.

    Runs the §2.4 checks in order, each raising ``exception.Invalid`` with the
    upstream message; ``start``/``end`` are UTC (aware or naive). Returns the
    inserted rows, one per scope.
    """
    start, end = tz.to_aware_utc(start), tz.to_aware_utc(end)
    _check_request(scope_ids, start, end, reason, period)
    wanted = [] if ALL_SCOPES in scope_ids else list(scope_ids)
    scopes = scope_state.list_states(session, scope_ids=wanted, active=[True],
                                     offset=None, limit=None)
    known = {state.identifier for state in scopes}
    unknown = [scope_id for scope_id in wanted if scope_id not in known]
    if unknown:
        raise exception.Invalid(
            'Scopes %s scheduled to reprocess [start=%s, end=%s] do not exist.'
            % (unknown, start, end))
    naive_start, naive_end = tz.to_naive_utc(start), tz.to_naive_utc(end)
    for state in scopes:
        last = state.last_processed_timestamp
        if naive_start > last:
            raise exception.Invalid(
                'Cannot execute a reprocessing [start=%s] for scope [%s] starting '
                'after the last possible timestamp [%s].' % (start, state.identifier,
                                                             last))
        if naive_end > last:
            raise exception.Invalid(
                'Cannot execute a reprocessing [end=%s] for scope [%s] ending after '
                'the last possible timestamp [%s].' % (end, state.identifier, last))
    for state in scopes:
        for existing in list_unfinished(session, [state.identifier]):
            if (existing.start_reprocess_time <= naive_end
                    and naive_start <= existing.end_reprocess_time):
                raise exception.Invalid(
                    'Cannot schedule a reprocessing for scope [%s] for reprocessing '
                    'time [%s], because it already has a schedule for a similar time '
                    'range [%s].' % (state.identifier, _range_text(start, end),
                                     _range_text(existing.start_reprocess_time,
                                                 existing.end_reprocess_time)))
    rows = [ReprocessingSchedule(identifier=state.identifier, reason=reason,
                                 start_reprocess_time=naive_start,
                                 end_reprocess_time=naive_end)
            for state in scopes]
    session.add_all(rows)
    session.flush()
    return rows


def list_schedules(session: orm.Session, scope_ids: Sequence[str] | None = None,
                   order: str = 'desc', offset: int = 0,
                   limit: int | None = scope_state.DEFAULT_LIMIT
                   ) -> list[ReprocessingSchedule]:
    """Every schedule (finished ones too), ordered by id; bad ``order`` is a 400."""
    order = (order or 'desc').lower()
    if order not in ORDERS:
        raise exception.Invalid('The order [%s] is not valid. Accepted values are %s.'
                                % (order, ORDERS))
    query = sa.select(ReprocessingSchedule)
    if scope_ids:
        query = query.where(ReprocessingSchedule.identifier.in_(list(scope_ids)))
    query = query.order_by(ReprocessingSchedule.id.asc() if order == 'asc'
                           else ReprocessingSchedule.id.desc())
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def list_unfinished(session: orm.Session, scope_ids: Sequence[str] | None = None
                    ) -> list[ReprocessingSchedule]:
    """Schedules whose last reprocessed period is missing or before their end."""
    query = sa.select(ReprocessingSchedule).where(sa.or_(
        ReprocessingSchedule.current_reprocess_time.is_(None),
        ReprocessingSchedule.current_reprocess_time
        < ReprocessingSchedule.end_reprocess_time))
    if scope_ids:
        query = query.where(ReprocessingSchedule.identifier.in_(list(scope_ids)))
    return list(session.scalars(query.order_by(ReprocessingSchedule.id)))


def get_schedule(session: orm.Session, schedule_id: int) -> ReprocessingSchedule | None:
    return session.get(ReprocessingSchedule, schedule_id)


def set_current_time(session: orm.Session, schedule_id: int,
                     timestamp: datetime.datetime,
                     expected_previous: datetime.datetime | None) -> None:
    """Compare-and-set the last reprocessed period of a schedule (like state advance)."""
    current = ReprocessingSchedule.current_reprocess_time
    result = session.execute(
        sa.update(ReprocessingSchedule)
        .where(ReprocessingSchedule.id == schedule_id,
               current.is_(None) if expected_previous is None
               else current == expected_previous)
        .values(current_reprocess_time=timestamp)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise scope_state.StateConflict(scope_id='schedule %s' % schedule_id,
                                        expected=expected_previous)


def scope_key_of(session: orm.Session, scope_id: str) -> str | None:
    """The groupby key the scope's data is stored under, from its state row."""
    return session.scalars(sa.select(ScopeState.scope_key).where(
        ScopeState.identifier == scope_id).order_by(ScopeState.id)).first()


"""Compiled rules kept from one period to the next (contract §3.2, §4.3).

Reloading every rule before every period is what the contract describes, and
what costs most when periods are small. The rules a period sees depend on
three things only:

* the rows of the rule tables, which change only through writes that bump the
  rules version (``cloudkitty.db.rules_version``);
* the period start, through the rules' activity windows: the set of rules
  active at T is the same for every T between two consecutive window
  boundaries (a rule's start or end), because a rule is active when
  start <= T < end;
* the scope, through the rules of its own, if it has any.

So a compiled rule set is filed under (how many boundaries are <= T, the
scope or None when it has no rules of its own) and reused while the version
holds. Any change of version, or an unknown version, empties the cache.
"""
from __future__ import annotations

import bisect
import collections
import dataclasses
import datetime
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from sqlalchemy import orm

from cloudkitty.db.engine import Database

Compiled = TypeVar('Compiled')

#: Rule sets kept per module, the least recently used dropped first. A worker
#: rates one scope at a time, forward in time, so one or two are in use; each
#: also holds its raters' plan caches, which can be large (see
#: ``hashmap.rules.MAX_CACHED_PLANS``), hence a small number.
MAX_ENTRIES = 4


@dataclasses.dataclass(frozen=True, slots=True)
class Timeline:
    """When, and for which scopes, a module's active rules differ."""

    boundaries: tuple[datetime.datetime, ...] = ()
    """Sorted distinct instants where a live rule starts or ends."""
    tenants: frozenset[str] = frozenset()
    """Scopes that have rules of their own; the others get the global rules."""

    @classmethod
    def of(cls, windows: Iterable[tuple[datetime.datetime, datetime.datetime | None]],
           tenants: Iterable[str] = ()) -> Timeline:
        """The timeline of rules with these (start, end) windows."""
        instants = {instant for window in windows for instant in window
                    if instant is not None}
        return cls(tuple(sorted(instants)), frozenset(tenants))

    def key(self, start: datetime.datetime,
            tenant_id: str | None) -> tuple[int, str | None]:
        """Equal keys mean equal active rules."""
        return (bisect.bisect_right(self.boundaries, start),
                tenant_id if tenant_id in self.tenants else None)


class RulesCache(Generic[Compiled]):
    """The rule sets one module compiled under the current rules version."""

    def __init__(self, db: Database, timeline: Callable[[orm.Session], Timeline]):
        self._db = db
        self._load_timeline = timeline
        self._version: int | None = None
        self._timeline: Timeline | None = None
        self._entries: collections.OrderedDict[tuple, Compiled] = collections.OrderedDict()

    def get(self, version: int | None, start: datetime.datetime, tenant_id: str | None,
            compile_rules: Callable[[orm.Session], Compiled]) -> Compiled:
        """The rules active at ``start`` for ``tenant_id``, compiled at most once.

        ``version`` must have been read before this call (see
        ``cloudkitty.db.rules_version``); None compiles afresh and keeps nothing.
        ``compile_rules`` loads them from the session it is given.
        """
        if version is None or version != self._version:
            self._version = version
            self._timeline = None
            self._entries.clear()
        if self._timeline is not None:
            key = self._timeline.key(start, tenant_id)
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        with self._db.session() as session:
            if version is not None and self._timeline is None:
                self._timeline = self._load_timeline(session)
            compiled = compile_rules(session)
        if self._timeline is not None:
            self._entries[self._timeline.key(start, tenant_id)] = compiled
            if len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return compiled

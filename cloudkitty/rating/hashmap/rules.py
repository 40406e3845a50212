"""Hashmap rules in memory, and the per-point price computation (contract §3.2, §3.3).

:class:`RuleSetBuilder` receives rule rows in load order (global rules, then
the scope's own) and applies the tenant overlay. :class:`ServiceRater` then
rates the points of one metric type.

Speed comes from one observation: everything in §3.3 except the service
thresholds depends only on the values of the service's fields in the point's
description, not on the quantity. So, once per rule set (rule sets are
reused from period to period while the rules stay the same):

* each group's coefficient (``rate * flat`` after its mappings and field
  thresholds) is memoized on the values of the fields that group uses;
* a point's *plan* (the coefficients of the groups it touches, in the order it
  first touches them) is cached on the tuple of all field values.

A point then costs a key built in C, one dictionary lookup and a multiply-add
per group. The Decimal operations are the same, in the same order, as in the
step-by-step algorithm, so results are identical to the last digit (the unit
tests check this against a literal implementation).
"""
from __future__ import annotations

import dataclasses
import decimal
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cloudkitty.common import exception
from cloudkitty.dataframe import DataPoint

FLAT = 'flat'
RATE = 'rate'
#: The group of mappings and thresholds that have none.
DEFAULT_GROUP = '_DEFAULT_'
MODULE_NAME = 'hashmap'

ZERO = decimal.Decimal(0)
ONE = decimal.Decimal(1)
#: Level of the "no threshold yet" accumulator: any real level replaces it.
NO_LEVEL = decimal.Decimal(-1)

#: Entries per cache (plans of a metric type, coefficients of a group) of one
#: rule set; past this (e.g. a field holding a unique resource id) results are
#: computed without being cached.
MAX_CACHED_PLANS = 100_000

_MISSING = object()
_new_point = tuple.__new__


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    """The effect of one mapping or threshold."""

    map_type: str
    cost: decimal.Decimal


Levels = dict[decimal.Decimal, Rule]


@dataclasses.dataclass(slots=True)
class FieldRules:
    """Rules of one field: group -> value -> mapping, group -> level -> threshold."""

    mappings: dict[str, dict[str, Rule]] = dataclasses.field(default_factory=dict)
    thresholds: dict[str, Levels] = dataclasses.field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.mappings or self.thresholds)


@dataclasses.dataclass(slots=True)
class ServiceRules:
    """Rules of one service: one service mapping per group, thresholds, fields."""

    mappings: dict[str, Rule] = dataclasses.field(default_factory=dict)
    thresholds: dict[str, Levels] = dataclasses.field(default_factory=dict)
    fields: dict[str, FieldRules] = dataclasses.field(default_factory=dict)


class RuleSetBuilder:
    """Collects rule rows into :class:`ServiceRules`, applying the tenant overlay.

    Rows must be added global ones first, then the scope's own: a later rule
    with the same group and match key (value, level, or none for a service
    mapping) replaces the earlier one in place, like upstream's dict updates.
    """

    def __init__(self) -> None:
        self.services: dict[str, ServiceRules] = {}

    def add_service(self, service: str) -> None:
        self.services.setdefault(service, ServiceRules())

    def add_field(self, service: str, field: str) -> None:
        self.services[service].fields.setdefault(field, FieldRules())

    def add_service_mapping(self, service: str, group: str | None, rule: Rule) -> None:
        self.services[service].mappings[group or DEFAULT_GROUP] = rule

    def add_field_mapping(self, service: str, field: str, group: str | None,
                          value: str, rule: Rule) -> None:
        field_rules = self.services[service].fields[field]
        field_rules.mappings.setdefault(group or DEFAULT_GROUP, {})[value] = rule

    def add_service_threshold(self, service: str, group: str | None,
                              level: decimal.Decimal, rule: Rule) -> None:
        thresholds = self.services[service].thresholds
        thresholds.setdefault(group or DEFAULT_GROUP, {})[level] = rule

    def add_field_threshold(self, service: str, field: str, group: str | None,
                            level: decimal.Decimal, rule: Rule) -> None:
        thresholds = self.services[service].fields[field].thresholds
        thresholds.setdefault(group or DEFAULT_GROUP, {})[level] = rule

    def build(self) -> dict[str, ServiceRater]:
        """metric type -> rater, for every hashmap service."""
        return {name: ServiceRater(name, rules) for name, rules in self.services.items()}


class _Accumulator:
    """One group's state while the Q-independent rules of a point are applied."""

    __slots__ = ('rate', 'flat', 'level', 'threshold', 'rank')

    def __init__(self, rank: tuple[int, int, int]) -> None:
        self.rate = ONE
        self.flat = ZERO
        self.level = NO_LEVEL
        self.threshold: Rule | None = None
        #: Where the group was first touched: groups are summed in that order.
        self.rank = rank

    def apply_mapping(self, rule: Rule) -> None:
        if rule.map_type == RATE:
            self.rate = self.rate * rule.cost
        elif rule.cost > self.flat:
            self.flat = rule.cost

    def offer_threshold(self, level: decimal.Decimal, rule: Rule) -> None:
        # Strictly greater: on equal levels the first one seen is kept.
        if level > self.level:
            self.level = level
            self.threshold = rule

    def coefficients(self) -> _GroupCoefficients:
        rate, flat = self.rate, self.flat
        if self.threshold is not None and self.threshold.map_type == RATE:
            rate = rate * self.threshold.cost
        else:
            # The initial threshold is "flat, cost 0": adding it still rounds
            # flat to the context precision, as the step-by-step algorithm does.
            flat = flat + (self.threshold.cost if self.threshold is not None else ZERO)
        return _GroupCoefficients(self.rank, self.level, rate * flat, self.rate * self.flat)


@dataclasses.dataclass(frozen=True, slots=True)
class _GroupCoefficients:
    """A group's Q-independent result for some field values.

    ``field_scoped`` is rate * flat with the field threshold applied, used
    unless a service threshold wins; ``plain`` is rate * flat without it.
    """

    rank: tuple[int, int, int]
    field_level: decimal.Decimal
    field_scoped: decimal.Decimal
    plain: decimal.Decimal


_UNTOUCHED = _GroupCoefficients((0, 0, 0), NO_LEVEL, ONE * (ZERO + ZERO), ONE * ZERO)


@dataclasses.dataclass(frozen=True, slots=True)
class _GroupField:
    """The rules one group has on one field of the service."""

    name: str
    position: int
    mappings: dict[str, Rule]
    mapping_rank: tuple[int, int, int]
    thresholds: tuple[tuple[decimal.Decimal, Rule], ...]
    threshold_rank: tuple[int, int, int]


class _GroupEvaluator:
    """Computes one group's coefficients from the values of the fields it uses.

    Groups are independent (§3.3), so each one is memoized on its own fields'
    values only: a service with many fields and groups needs a handful of
    evaluations per distinct value, not one per distinct combination.
    """

    __slots__ = ('service', 'group', 'head_rule', 'head_rank', 'fields', '_key_of', '_memo')

    def __init__(self, service: str, group: str, head: tuple[int, Rule] | None,
                 fields: tuple[_GroupField, ...]):
        self.service = service
        self.group = group
        self.head_rank = (0, head[0], 0) if head else None
        self.head_rule = head[1] if head else None
        self.fields = fields
        positions = [field.position for field in fields]
        self._key_of = operator.itemgetter(*positions) if positions else _no_values
        self._memo: dict[Any, _GroupCoefficients | None] = {}

    def evaluate(self, values: Sequence[Any],
                 keys: Sequence[Any]) -> _GroupCoefficients | None:
        """The group's coefficients, or None when no rule of the group applies.

        ``keys`` are the values made safe as cache keys (see _cache_key).
        """
        key = self._key_of(keys)
        try:
            return self._memo[key]
        except KeyError:
            result = self._evaluate(values)
            if len(self._memo) < MAX_CACHED_PLANS:
                self._memo[key] = result
            return result

    def _evaluate(self, values: Sequence[Any]) -> _GroupCoefficients | None:
        acc = None
        if self.head_rule is not None:
            acc = _Accumulator(self.head_rank)
            acc.apply_mapping(self.head_rule)
        for field in self.fields:
            value = values[field.position]
            if value is _MISSING:
                continue
            rule = field.mappings.get(str(value))
            if rule is not None:
                acc = acc or _Accumulator(field.mapping_rank)
                acc.apply_mapping(rule)
            if not field.thresholds:
                continue
            field_level = self._field_level(field, value)
            for level, threshold in field.thresholds:
                if field_level >= level:
                    acc = acc or _Accumulator(field.threshold_rank)
                    acc.offer_threshold(level, threshold)
        return acc.coefficients() if acc is not None else None

    def _field_level(self, field: _GroupField, value: Any) -> decimal.Decimal:
        try:
            return decimal.Decimal(value)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise exception.RatingError(
                module=MODULE_NAME,
                reason='field %r of metric %r has the value %r, which is not a number, '
                       'but the field has thresholds' % (field.name, self.service, value)
            ) from None


@dataclasses.dataclass(frozen=True, slots=True)
class _ServiceThresholds:
    """One group's service thresholds, highest level first (levels are unique)."""

    group: str
    levels: tuple[tuple[decimal.Decimal, Rule], ...]
    lowest: decimal.Decimal


# When a group of a point's threshold plan is summed (see _ThresholdPlan).
ALWAYS, IF_THRESHOLD_TOUCHED, UNLESS_THRESHOLD_TOUCHED = range(3)
#: A service threshold qualified but its level (<= -1) never beats the initial one.
_TOUCHED_WITHOUT_WINNER = (NO_LEVEL, None)


@dataclasses.dataclass(frozen=True, slots=True)
class _ThresholdPlan:
    """Q-independent part of a point's price when the service has thresholds.

    A group is summed where it was first touched: service mapping groups
    first, then groups whose service thresholds qualify for the quantity,
    then groups touched by fields. So a group that has both service
    thresholds and field rules has two slots, only one of which applies.
    Each slot: (coefficients, index of the group's service thresholds or -1,
    when it applies).
    """

    slots: tuple[tuple[_GroupCoefficients, int, int], ...]


def _cache_key(value: Any) -> Any:
    """A key that differs whenever ``str(value)`` or ``Decimal(value)`` may differ."""
    if value.__class__ is str or value is _MISSING:
        return value
    # 1 == 1.0 == True == Decimal('1.0') but their str() differ.
    return (value.__class__, str(value))


def _group_evaluators(service: str, rules: ServiceRules,
                      field_names: tuple[str, ...]) -> tuple[_GroupEvaluator, ...]:
    """One evaluator per group having rules on this service, in first-seen order."""
    heads = {group: (position, rule)
             for position, (group, rule) in enumerate(rules.mappings.items())}
    group_fields: dict[str, list[_GroupField]] = {group: [] for group in heads}
    for position, name in enumerate(field_names):
        field_rules = rules.fields[name]
        mapping_ranks = {group: (position + 1, 0, rank)
                         for rank, group in enumerate(field_rules.mappings)}
        threshold_ranks = {group: (position + 1, 1, rank)
                           for rank, group in enumerate(field_rules.thresholds)}
        for group in {**mapping_ranks, **threshold_ranks}:
            group_fields.setdefault(group, []).append(_GroupField(
                name=name, position=position,
                mappings=field_rules.mappings.get(group, {}),
                mapping_rank=mapping_ranks.get(group, (0, 0, 0)),
                thresholds=tuple(field_rules.thresholds.get(group, {}).items()),
                threshold_rank=threshold_ranks.get(group, (0, 0, 0))))
    return tuple(_GroupEvaluator(service, group, heads.get(group), tuple(fields))
                 for group, fields in group_fields.items())


class ServiceRater:
    """Rates the points of one metric type (one hashmap service)."""

    def __init__(self, service: str, rules: ServiceRules):
        self.service = service
        self._field_names = tuple(name for name, field_rules in rules.fields.items()
                                  if field_rules)
        self._groups = _group_evaluators(service, rules, self._field_names)
        self._head = tuple(rules.mappings)
        self._service_thresholds = tuple(
            _ServiceThresholds(group, tuple(sorted(levels.items(), key=lambda item: item[0],
                                                   reverse=True)),
                               min(levels))
            for group, levels in rules.thresholds.items() if levels)
        #: Plans by raw field values: strings or absent only (see _plan_for_key).
        self._plans: dict[Any, Any] = {}
        #: Plans for values of other types, by type-qualified values.
        self._typed_plans: dict[tuple, Any] = {}

    # --- Q-independent part ------------------------------------------------------

    def _raw_key(self, values: Sequence[Any]) -> Any:
        """The fast-lookup key: what ``operator.itemgetter`` of the field names returns."""
        return values[0] if len(self._field_names) == 1 else tuple(values)

    def _plan(self, values: Sequence[Any], keys: Sequence[Any]) -> Any:
        """Touched groups in the order they were first touched, with their coefficients."""
        touched = []
        for evaluator in self._groups:
            coefficients = evaluator.evaluate(values, keys)
            if coefficients is not None:
                touched.append((coefficients.rank, evaluator.group, coefficients))
        touched.sort()  # ranks are unique: the first touch of each group
        if not self._service_thresholds:
            return tuple(coefficients.field_scoped for _rank, _group, coefficients in touched)
        groups = {group: coefficients for _rank, group, coefficients in touched}
        ordered = [(group, coefficients) for _rank, group, coefficients in touched]
        by_group = {thresholds.group: index
                    for index, thresholds in enumerate(self._service_thresholds)}
        slots = [(groups[group], by_group.get(group, -1), ALWAYS) for group in self._head]
        slots += [(groups.get(group, _UNTOUCHED), index, IF_THRESHOLD_TOUCHED)
                  for group, index in by_group.items() if group not in self._head]
        slots += [(coefficients, by_group[group], UNLESS_THRESHOLD_TOUCHED)
                  if group in by_group else (coefficients, -1, ALWAYS)
                  for group, coefficients in ordered if group not in self._head]
        return _ThresholdPlan(tuple(slots))

    def _plan_for_key(self, raw_key: Any) -> Any:
        """Plan for field values that missed the fast lookup (computed, then cached)."""
        values = (raw_key,) if len(self._field_names) == 1 else raw_key
        keys = tuple(map(_cache_key, values))
        if keys == values:  # only strings and absent fields
            plans, key = self._plans, raw_key
        else:
            # Equal values of other types (1, 1.0, True) may differ in str().
            plans, key = self._typed_plans, keys
        try:
            return plans[key]
        except KeyError:
            plan = self._plan(values, keys)
            if len(plans) < MAX_CACHED_PLANS:
                plans[key] = plan
            return plan

    def _plan_for_point(self, groupby: Mapping, metadata: Mapping) -> Any:
        """Plan of a point whose fields are absent or split between groupby and metadata."""
        values = []
        for name in self._field_names:
            value = groupby.get(name, _MISSING)
            if value is _MISSING:
                value = metadata.get(name, _MISSING)
            values.append(value)
        raw_key = self._raw_key(values)
        try:
            return self._plans[raw_key]
        except (KeyError, TypeError):
            return self._plan_for_key(raw_key)

    # --- per point -------------------------------------------------------------

    def rate(self, points: Iterable[DataPoint]) -> list[DataPoint]:
        """The points with this service's charges added to their price."""
        names = self._field_names
        # Fast path: every field in metadata and none in groupby (or all in
        # groupby), all values strings: C-level calls give the plan key.
        not_in_groupby = frozenset(names).isdisjoint
        key_of = operator.itemgetter(*names) if names else _no_values
        plans = self._plans
        plan_for_key = self._plan_for_key
        plan_for_point = self._plan_for_point
        with_thresholds = self._threshold_price if self._service_thresholds else None
        rated = []
        append = rated.append
        for point in points:
            unit, qty, price, groupby, metadata, description = point
            try:
                key = key_of(metadata) if not_in_groupby(groupby) else key_of(groupby)
            except KeyError:
                plan = plan_for_point(groupby, metadata)
            else:
                try:
                    plan = plans[key]
                except (KeyError, TypeError):
                    plan = plan_for_key(key)
            if with_thresholds is not None:
                price, applied = with_thresholds(plan, qty, price)
                if not applied:
                    append(point)
                    continue
            elif plan:
                for coefficient in plan:
                    price = price + coefficient * qty
            else:
                append(point)
                continue
            append(_new_point(DataPoint, (unit, qty, price, groupby, metadata, description)))
        return rated

    def _threshold_price(self, plan: _ThresholdPlan, qty: decimal.Decimal,
                         price: decimal.Decimal) -> tuple[decimal.Decimal, bool]:
        """Price with service thresholds (steps 2, 4, 5); also says if any group applied."""
        winners: list[tuple[decimal.Decimal, Rule | None] | None] = []
        for thresholds in self._service_thresholds:
            winner = None
            if qty >= thresholds.lowest:
                for level, rule in thresholds.levels:  # highest level first
                    if qty >= level:
                        winner = (level, rule) if level > NO_LEVEL else _TOUCHED_WITHOUT_WINNER
                        break
            winners.append(winner)
        applied = False
        for coefficients, index, when in plan.slots:
            winner = winners[index] if index >= 0 else None
            if when != ALWAYS and (winner is None) == (when == IF_THRESHOLD_TOUCHED):
                continue
            applied = True
            if winner is not None and winner[1] is not None and (
                    winner[0] >= coefficients.field_level):
                total = coefficients.plain * qty
                rule = winner[1]
                total = total + rule.cost if rule.map_type == FLAT else total * rule.cost
            else:
                total = coefficients.field_scoped * qty
            price = price + total
        return price, applied


def _no_values(_values: Any) -> tuple:
    return ()

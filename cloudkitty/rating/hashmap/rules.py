"""Hashmap rules in memory, and the per-point price computation (contract §3.2, §3.3).

:class:`RuleSetBuilder` receives rule rows in load order (global rules, then
the scope's own) and applies the tenant overlay. :class:`ServiceRater` then
rates the points of one metric type.

Speed comes from one observation: everything in §3.3 except the service
thresholds depends only on the values of the service's fields in the point's
description, not on the quantity. For each distinct tuple of field values
the per-group coefficients (``rate * flat`` after mappings and field
thresholds) are computed once per period and cached; a point then costs a
dictionary lookup and one multiply-add per group. The Decimal operations are
the same, in the same order, as in the step-by-step algorithm, so results are
identical to the last digit.
"""
from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
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

#: Distinct field-value tuples cached per metric type and period; past this
#: (e.g. a field holding a unique resource id) plans are computed uncached.
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

    __slots__ = ('rate', 'flat', 'level', 'threshold')

    def __init__(self) -> None:
        self.rate = ONE
        self.flat = ZERO
        self.level = NO_LEVEL
        self.threshold: Rule | None = None

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

    def field_scoped_coefficient(self) -> decimal.Decimal:
        """rate * flat once the field-scoped threshold (or the initial one) applies."""
        rate, flat = self.rate, self.flat
        if self.threshold is not None and self.threshold.map_type == RATE:
            rate = rate * self.threshold.cost
        else:
            # The initial threshold is "flat, cost 0": adding it still rounds
            # flat to the context precision, as the step-by-step algorithm does.
            flat = flat + (self.threshold.cost if self.threshold is not None else ZERO)
        return rate * flat

    def plain_coefficient(self) -> decimal.Decimal:
        return self.rate * self.flat


@dataclasses.dataclass(frozen=True, slots=True)
class _GroupCoefficients:
    """A group touched by a point's field values, for the service-threshold path."""

    field_level: decimal.Decimal
    field_scoped: decimal.Decimal
    plain: decimal.Decimal


_UNTOUCHED = _GroupCoefficients(NO_LEVEL, ONE * (ZERO + ZERO), ONE * ZERO)


@dataclasses.dataclass(frozen=True, slots=True)
class _ServiceThresholds:
    """One group's service thresholds, highest level first (levels are unique)."""

    group: str
    levels: tuple[tuple[decimal.Decimal, Rule], ...]
    lowest: decimal.Decimal


@dataclasses.dataclass(frozen=True, slots=True)
class _ThresholdPlan:
    """Q-independent part of a point's price when the service has thresholds."""

    groups: dict[str, _GroupCoefficients]
    head: tuple[str, ...]
    tail: tuple[str, ...]


class _FieldMatcher:
    """The rules of one field, indexed for matching a point's value."""

    __slots__ = ('name', 'by_value', 'thresholds')

    def __init__(self, name: str, rules: FieldRules):
        self.name = name
        by_value: dict[str, list[tuple[str, Rule]]] = {}
        for group, mappings in rules.mappings.items():
            for value, rule in mappings.items():
                by_value.setdefault(value, []).append((group, rule))
        self.by_value = {value: tuple(matches) for value, matches in by_value.items()}
        self.thresholds = tuple((group, level, rule)
                                for group, levels in rules.thresholds.items()
                                for level, rule in levels.items())


def _cache_key(value: Any) -> Any:
    """A key that differs whenever ``str(value)`` or ``Decimal(value)`` may differ."""
    if value.__class__ is str or value is _MISSING:
        return value
    # 1 == 1.0 == True == Decimal('1.0') but their str() differ.
    return (value.__class__, str(value))


class ServiceRater:
    """Rates the points of one metric type (one hashmap service)."""

    def __init__(self, service: str, rules: ServiceRules):
        self.service = service
        self._head = tuple(rules.mappings.items())
        self._fields = tuple(_FieldMatcher(name, field_rules)
                             for name, field_rules in rules.fields.items() if field_rules)
        self._field_names = tuple(matcher.name for matcher in self._fields)
        self._service_thresholds = tuple(
            _ServiceThresholds(group, tuple(sorted(levels.items(), key=lambda item: item[0],
                                                   reverse=True)),
                               min(levels))
            for group, levels in rules.thresholds.items() if levels)
        self._plans: dict[Any, Any] = {}
        self._key_of = self._make_key_function()

    def _make_key_function(self) -> Callable[[Mapping, Mapping], Any]:
        """How a point's field values become a cache key (groupby wins over metadata)."""
        names = self._field_names
        if not names:
            return lambda groupby, metadata: None
        if len(names) == 1:
            name = names[0]

            def one_field_key(groupby: Mapping, metadata: Mapping) -> Any:
                value = groupby.get(name, _MISSING)
                if value is _MISSING:
                    value = metadata.get(name, _MISSING)
                return _cache_key(value)
            return one_field_key

        def fields_key(groupby: Mapping, metadata: Mapping) -> Any:
            key = []
            for field_name in names:
                value = groupby.get(field_name, _MISSING)
                if value is _MISSING:
                    value = metadata.get(field_name, _MISSING)
                key.append(_cache_key(value))
            return tuple(key)
        return fields_key

    # --- Q-independent part, computed once per distinct field values ---------

    def _field_values(self, groupby: Mapping, metadata: Mapping) -> list[Any]:
        values = []
        for name in self._field_names:
            value = groupby.get(name, _MISSING)
            if value is _MISSING:
                value = metadata.get(name, _MISSING)
            values.append(value)
        return values

    def _accumulate(self, values: Sequence[Any]) -> dict[str, _Accumulator]:
        """Apply service mappings, then field mappings and thresholds (steps 1, 3)."""
        groups: dict[str, _Accumulator] = {}
        for group, rule in self._head:
            groups.setdefault(group, _Accumulator()).apply_mapping(rule)
        for matcher, value in zip(self._fields, values, strict=True):
            if value is _MISSING:
                continue
            for group, rule in matcher.by_value.get(str(value), ()):
                groups.setdefault(group, _Accumulator()).apply_mapping(rule)
            if not matcher.thresholds:
                continue
            try:
                field_level = decimal.Decimal(value)
            except (decimal.InvalidOperation, TypeError, ValueError):
                raise exception.RatingError(
                    module=MODULE_NAME,
                    reason='field %r of metric %r has the value %r, which is not a number, '
                           'but the field has thresholds' % (
                               matcher.name, self.service, value)) from None
            for group, level, rule in matcher.thresholds:
                if field_level >= level:
                    groups.setdefault(group, _Accumulator()).offer_threshold(level, rule)
        return groups

    def _plan(self, groupby: Mapping, metadata: Mapping) -> Any:
        groups = self._accumulate(self._field_values(groupby, metadata))
        if not self._service_thresholds:
            return tuple(acc.field_scoped_coefficient() for acc in groups.values())
        head = tuple(group for group, _rule in self._head)
        return _ThresholdPlan(
            groups={group: _GroupCoefficients(acc.level, acc.field_scoped_coefficient(),
                                              acc.plain_coefficient())
                    for group, acc in groups.items()},
            head=head, tail=tuple(group for group in groups if group not in head))

    def _cached_plan(self, groupby: Mapping, metadata: Mapping) -> Any:
        key = self._key_of(groupby, metadata)
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plan(groupby, metadata)
            if len(self._plans) < MAX_CACHED_PLANS:
                self._plans[key] = plan
            return plan
        except TypeError:  # an unhashable value (list, dict) in a field
            return self._plan(groupby, metadata)

    # --- per point -------------------------------------------------------------

    def _threshold_price(self, plan: _ThresholdPlan, qty: decimal.Decimal,
                         price: decimal.Decimal) -> tuple[decimal.Decimal, bool]:
        """Price with service thresholds (steps 2, 4, 5); also says if any group applied."""
        winners: dict[str, tuple[decimal.Decimal, Rule] | None] = {}
        for thresholds in self._service_thresholds:
            if qty < thresholds.lowest:
                continue
            winner = None
            for level, rule in thresholds.levels:
                if qty >= level:
                    winner = (level, rule) if level > NO_LEVEL else None
                    break
            winners[thresholds.group] = winner
        ordered = [*plan.head, *(group for group in winners if group not in plan.head),
                   *(group for group in plan.tail if group not in winners)]
        for group in ordered:
            coefficients = plan.groups.get(group, _UNTOUCHED)
            winner = winners.get(group)
            if winner is not None and winner[0] >= coefficients.field_level:
                total = coefficients.plain * qty
                rule = winner[1]
                total = total + rule.cost if rule.map_type == FLAT else total * rule.cost
            else:
                total = coefficients.field_scoped * qty
            price = price + total
        return price, bool(ordered)

    def rate(self, points: Iterable[DataPoint]) -> list[DataPoint]:
        """The points with this service's charges added to their price."""
        if self._service_thresholds:
            return self._rate_with_thresholds(points)
        plans = self._plans
        key_of = self._key_of
        rated = []
        append = rated.append
        for point in points:
            unit, qty, price, groupby, metadata, description = point
            try:
                coefficients = plans[key_of(groupby, metadata)]
            except (KeyError, TypeError):
                coefficients = self._cached_plan(groupby, metadata)
            if not coefficients:
                append(point)
                continue
            for coefficient in coefficients:
                price = price + coefficient * qty
            append(_new_point(DataPoint, (unit, qty, price, groupby, metadata, description)))
        return rated

    def _rate_with_thresholds(self, points: Iterable[DataPoint]) -> list[DataPoint]:
        rated = []
        for point in points:
            unit, qty, price, groupby, metadata, description = point
            plan = self._cached_plan(groupby, metadata)
            price, applied = self._threshold_price(plan, qty, price)
            rated.append(_new_point(DataPoint, (unit, qty, price, groupby, metadata,
                                                description)) if applied else point)
        return rated

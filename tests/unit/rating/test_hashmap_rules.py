"""The compiled hashmap rules against a literal reading of contract §3.3.

``reference_price`` follows the per-point algorithm step by step with plain
dicts; the fast rater (cached per field values, per group) must give the very
same Decimal, digit for digit and exponent for exponent, on random rule sets.
"""
from __future__ import annotations

import decimal
import random

import pytest

from cloudkitty.common import exception
from cloudkitty.dataframe import DataPoint
from cloudkitty.rating.hashmap.rules import DEFAULT_GROUP, Rule, RuleSetBuilder

D = decimal.Decimal


def reference_price(rules, qty, price, desc):
    """§3.3 literally: accumulators per group in first-touch order."""
    accumulators: dict[str, dict] = {}

    def touch(group):
        return accumulators.setdefault(group, {
            'flat': 0, 'rate': 1,
            'threshold': {'level': -1, 'cost': 0, 'type': 'flat', 'scope': 'field'}})

    def apply_mapping(group, rule):
        acc = touch(group)
        if rule.map_type == 'rate':
            acc['rate'] *= rule.cost
        elif rule.cost > acc['flat']:
            acc['flat'] = rule.cost

    def offer(group, level, rule, scope):
        threshold = touch(group)['threshold']
        if level > threshold['level']:
            threshold.update(level=level, cost=rule.cost, type=rule.map_type, scope=scope)

    for group, rule in rules.mappings.items():
        apply_mapping(group, rule)
    for group, levels in rules.thresholds.items():
        for level, rule in levels.items():
            if qty >= level:
                offer(group, level, rule, 'service')
    for name, field in rules.fields.items():
        if name not in desc:
            continue
        value = desc[name]
        for group, mappings in field.mappings.items():
            for match, rule in mappings.items():
                if str(value) == match:
                    apply_mapping(group, rule)
        if field.thresholds:
            numeric = D(value)
            for group, levels in field.thresholds.items():
                for level, rule in levels.items():
                    if numeric >= level:
                        offer(group, level, rule, 'field')
    for acc in accumulators.values():
        rate, flat, threshold = acc['rate'], acc['flat'], acc['threshold']
        if threshold['scope'] == 'field':
            if threshold['type'] == 'flat':
                flat += threshold['cost']
            else:
                rate *= threshold['cost']
        total = rate * flat
        total *= qty
        if threshold['scope'] == 'service':
            if threshold['type'] == 'flat':
                total += threshold['cost']
            else:
                total *= threshold['cost']
        price += total
    return price


def rate(builder: RuleSetBuilder, service: str, points: list[DataPoint]) -> list[DataPoint]:
    return builder.build()[service].rate(points)


def point(qty, groupby=None, metadata=None, price='0') -> DataPoint:
    return DataPoint.create('u', qty, price, groupby or {}, metadata or {})


def instance_builder() -> RuleSetBuilder:
    builder = RuleSetBuilder()
    builder.add_service('instance')
    for name in ('flavor', 'vcpus'):
        builder.add_field('instance', name)
    return builder


# --- random rule sets against the reference ---------------------------------------

GROUPS = [None, 'g1', 'g2', 'g3']
FIELDS = ['f1', 'f2', 'f3']
TEXT_VALUES = ['a', 'b', 'c', '1', '1.0', 'True', '2', '10']


def random_cost(rng: random.Random) -> D:
    # 28 fractional digits, like NUMERIC(40,28): products then need rounding.
    return D(rng.randint(1, 10**30)).scaleb(-28)


def random_rules(rng: random.Random, numeric_fields: set[str]) -> RuleSetBuilder:
    builder = RuleSetBuilder()
    builder.add_service('svc')
    for name in FIELDS:
        builder.add_field('svc', name)
    for _ in range(rng.randint(0, 3)):
        builder.add_service_mapping('svc', rng.choice(GROUPS),
                                    Rule(rng.choice(['flat', 'rate']), random_cost(rng)))
    for _ in range(rng.randint(0, 3)):
        builder.add_service_threshold('svc', rng.choice(GROUPS), D(rng.randint(-2, 8)),
                                      Rule(rng.choice(['flat', 'rate']), random_cost(rng)))
    for _ in range(rng.randint(0, 10)):
        builder.add_field_mapping('svc', rng.choice(FIELDS), rng.choice(GROUPS),
                                  rng.choice(TEXT_VALUES),
                                  Rule(rng.choice(['flat', 'rate']), random_cost(rng)))
    for name in numeric_fields:
        for _ in range(rng.randint(1, 3)):
            builder.add_field_threshold('svc', name, rng.choice(GROUPS),
                                        D(rng.randint(-2, 8)).scaleb(-rng.randint(0, 1)),
                                        Rule(rng.choice(['flat', 'rate']), random_cost(rng)))
    return builder


def random_value(rng: random.Random, numeric: bool):
    if numeric:
        return rng.choice(['1', '2', 4, 10, 2.5, True, D('1.0'), '0.3', -1])
    return rng.choice(TEXT_VALUES + [1, 1.0, True, D('1.0'), None])


def random_point(rng: random.Random, numeric_fields: set[str]) -> DataPoint:
    groupby, metadata = {'id': str(rng.random())}, {}
    for name in FIELDS:
        where = rng.choice([groupby, metadata, None])
        if where is not None:
            where[name] = random_value(rng, name in numeric_fields)
    if rng.random() < 0.2 and 'f1' not in groupby:
        groupby['f1'] = random_value(rng, 'f1' in numeric_fields)  # groupby wins
        metadata['f1'] = random_value(rng, 'f1' in numeric_fields)
    qty = D(rng.randint(0, 12000)).scaleb(-rng.randint(0, 3))
    return DataPoint('u', qty, D(rng.choice(['0', '1.5', '0.0000001'])), groupby, metadata)


@pytest.mark.parametrize('seed', range(60))
def test_random_rule_sets_price_exactly_like_the_reference(seed):
    rng = random.Random(seed)
    numeric_fields = set(rng.sample(FIELDS, rng.randint(0, 2)))
    builder = random_rules(rng, numeric_fields)
    points = [random_point(rng, numeric_fields) for _ in range(40)]
    points += points[:20]  # seen values again: served from the caches

    rated = rate(builder, 'svc', points)

    rules = builder.services['svc']
    for original, result in zip(points, rated, strict=True):
        expected = reference_price(rules, original.qty, original.price, original.desc)
        assert str(result.price) == str(expected), (original, rules)
        assert result[:2] == original[:2] and result[3:] == original[3:]


# --- targeted behaviours -------------------------------------------------------------

def test_a_point_matching_nothing_is_returned_as_is():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'flavor', 'g', 'm1', Rule('flat', D('1')))
    original = point(1, metadata={'flavor': 'zzz'}, price='2.5')

    [rated] = rate(builder, 'instance', [original])

    assert rated is original


def test_field_values_of_other_types_are_matched_by_their_text():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'vcpus', 'g', '4', Rule('flat', D('2')))
    builder.add_field_mapping('instance', 'vcpus', 'g', 'True', Rule('flat', D('7')))
    points = [point(1, metadata={'vcpus': value}) for value in (4, 4.0, '4', True, 1)]

    prices = [rated.price for rated in rate(builder, 'instance', points)]

    assert prices == [2, 0, 2, 7, 0]


def test_tenant_rules_added_later_replace_global_ones_of_the_same_group_and_key():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'flavor', 'g', 'm1', Rule('flat', D('1')))
    builder.add_field_mapping('instance', 'flavor', 'other', 'm1', Rule('flat', D('5')))
    builder.add_field_mapping('instance', 'flavor', 'g', 'm1', Rule('flat', D('10')))

    [rated] = rate(builder, 'instance', [point(1, metadata={'flavor': 'm1'})])

    assert rated.price == 15


def test_rules_without_group_share_the_default_group():
    builder = instance_builder()
    builder.add_service_mapping('instance', None, Rule('flat', D('0.2')))
    builder.add_field_mapping('instance', 'flavor', DEFAULT_GROUP, 'm1', Rule('rate', D('3')))

    [rated] = rate(builder, 'instance', [point(10, metadata={'flavor': 'm1'})])

    assert rated.price == D('6')


def test_service_threshold_wins_over_a_field_threshold_of_equal_level():
    builder = instance_builder()
    builder.add_service_mapping('instance', 'g', Rule('flat', D('1')))
    builder.add_service_threshold('instance', 'g', D('4'), Rule('flat', D('100')))
    builder.add_field_threshold('instance', 'vcpus', 'g', D('4'), Rule('rate', D('3')))

    [rated] = rate(builder, 'instance', [point(5, metadata={'vcpus': '4'})])

    assert rated.price == 1 * 5 + 100


def test_higher_field_threshold_beats_a_service_threshold():
    builder = instance_builder()
    builder.add_service_mapping('instance', 'g', Rule('flat', D('1')))
    builder.add_service_threshold('instance', 'g', D('4'), Rule('flat', D('100')))
    builder.add_field_threshold('instance', 'vcpus', 'g', D('8'), Rule('rate', D('3')))

    [rated] = rate(builder, 'instance', [point(5, metadata={'vcpus': '8'})])

    assert rated.price == 3 * 1 * 5


def test_a_rate_alone_contributes_nothing():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'flavor', 'g', 'm1', Rule('rate', D('3')))

    [rated] = rate(builder, 'instance', [point(10, metadata={'flavor': 'm1'})])

    assert rated.price == 0


def test_price_is_added_to_the_incoming_price():
    builder = instance_builder()
    builder.add_service_mapping('instance', 'g', Rule('flat', D('2')))

    [rated] = rate(builder, 'instance', [point(3, price='1.5')])

    assert rated.price == D('7.5')


@pytest.mark.parametrize('value', ['abc', None, [1]])
def test_non_numeric_value_of_a_field_with_thresholds_is_a_rating_error(value):
    builder = instance_builder()
    builder.add_field_threshold('instance', 'vcpus', 'g', D('2'), Rule('flat', D('1')))

    with pytest.raises(exception.RatingError) as raised:
        rate(builder, 'instance', [point(1, metadata={'vcpus': value})])

    assert "field 'vcpus' of metric 'instance'" in str(raised.value)
    assert 'not a number' in str(raised.value)


def test_non_numeric_value_is_fine_when_the_field_has_only_mappings():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'vcpus', 'g', 'many', Rule('flat', D('1')))

    [rated] = rate(builder, 'instance', [point(1, metadata={'vcpus': 'many'})])

    assert rated.price == 1


def test_unhashable_field_values_are_rated_without_caching():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'flavor', 'g', "['m1']", Rule('flat', D('1')))
    points = [point(1, metadata={'flavor': ['m1']}), point(1, metadata={'flavor': {'a': 1}})]

    prices = [rated.price for rated in rate(builder, 'instance', points)]

    assert prices == [1, 0]


def test_cached_plans_still_use_each_point_quantity():
    builder = instance_builder()
    builder.add_field_mapping('instance', 'flavor', 'g', 'm1', Rule('flat', D('0.5')))
    points = [point(qty, metadata={'flavor': 'm1'}) for qty in (1, 2, 3)]

    prices = [rated.price for rated in rate(builder, 'instance', points)]

    assert prices == [D('0.5'), D('1'), D('1.5')]

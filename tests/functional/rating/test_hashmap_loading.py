"""Which stored hashmap rules apply at a period start for a scope (contract §3.2)."""
from __future__ import annotations

import datetime
import decimal

import sqlalchemy as sa

from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import models
from cloudkitty.rating.hashmap import HashMap
from tests.fixtures import factories

T = datetime.datetime(2026, 11, 1, 10)
HOUR = datetime.timedelta(hours=1)


def price_of(db, metadata: dict, tenant_id: str | None = 'scope-a', start=T,
             metric_type: str = 'instance', qty=1) -> decimal.Decimal:
    module = HashMap(None, db)
    module.reload(start, tenant_id)
    point = DataPoint.create('instance', qty, 0, {'project_id': tenant_id}, metadata)
    frame = module.process(DataFrame(start, start + HOUR, {metric_type: [point]}))
    return frame.points(metric_type)[0].price


def flavor_field(db):
    service = factories.create_service(db, 'instance')
    return service, factories.create_field(db, service, 'flavor')


def test_mapping_is_active_from_its_start_until_before_its_end(db):
    _service, flavor = flavor_field(db)
    factories.create_mapping(db, '2', field=flavor, value='m1', start=T, end=T + HOUR)

    assert price_of(db, {'flavor': 'm1'}, start=T - HOUR) == 0
    assert price_of(db, {'flavor': 'm1'}, start=T) == 2
    assert price_of(db, {'flavor': 'm1'}, start=T + HOUR) == 0


def test_soft_deleted_mapping_is_ignored(db):
    _service, flavor = flavor_field(db)
    factories.create_mapping(db, '2', field=flavor, value='m1', deleted=T - HOUR)

    assert price_of(db, {'flavor': 'm1'}) == 0


def test_expired_rule_gives_way_to_its_successor(db):
    _service, flavor = flavor_field(db)
    factories.create_mapping(db, '2', field=flavor, value='m1', end=T)
    factories.create_mapping(db, '3', field=flavor, value='m1', start=T)

    assert price_of(db, {'flavor': 'm1'}, start=T - HOUR) == 2
    assert price_of(db, {'flavor': 'm1'}, start=T) == 3


def test_scope_rule_replaces_the_global_rule_of_the_same_group_and_value(db):
    _service, flavor = flavor_field(db)
    group = factories.create_group(db, 'g')
    factories.create_mapping(db, '10', field=flavor, value='m1', group=group,
                             tenant_id='scope-a')
    factories.create_mapping(db, '1', field=flavor, value='m1', group=group)

    assert price_of(db, {'flavor': 'm1'}, tenant_id='scope-a') == 10
    assert price_of(db, {'flavor': 'm1'}, tenant_id='scope-b') == 1
    assert price_of(db, {'flavor': 'm1'}, tenant_id=None) == 1


def test_scope_rule_of_another_group_adds_to_the_global_rule(db):
    _service, flavor = flavor_field(db)
    factories.create_mapping(db, '1', field=flavor, value='m1',
                             group=factories.create_group(db, 'g1'))
    factories.create_mapping(db, '10', field=flavor, value='m1',
                             group=factories.create_group(db, 'g2'), tenant_id='scope-a')

    assert price_of(db, {'flavor': 'm1'}, tenant_id='scope-a') == 11


def test_scope_service_mapping_replaces_the_global_one_of_its_group(db):
    service, _flavor = flavor_field(db)
    factories.create_mapping(db, '1', service=service)
    factories.create_mapping(db, '4', service=service, tenant_id='scope-a')

    assert price_of(db, {}, tenant_id='scope-a') == 4
    assert price_of(db, {}, tenant_id='scope-b') == 1


def test_scope_threshold_replaces_the_global_one_of_the_same_level(db):
    service, _flavor = flavor_field(db)
    factories.create_mapping(db, '1', service=service)
    factories.create_threshold(db, '2', '0.5', service=service, map_type='rate')
    factories.create_threshold(db, '2', '0.1', service=service, map_type='rate',
                               tenant_id='scope-a')

    assert price_of(db, {}, tenant_id='scope-a', qty=4) == decimal.Decimal('0.4')
    assert price_of(db, {}, tenant_id='scope-b', qty=4) == 2


def test_mappings_of_a_deleted_group_join_the_default_group(db):
    service, flavor = flavor_field(db)
    group = factories.create_group(db, 'g')
    factories.create_mapping(db, '0.5', service=service)
    factories.create_mapping(db, '3', field=flavor, value='m1')
    factories.create_mapping(db, '2', field=flavor, value='m1', group=group)
    assert price_of(db, {'flavor': 'm1'}, qty=2) == 3 * 2 + 2 * 2

    with db.session() as session:
        session.execute(sa.delete(models.HashMapGroup))

    # Same group and value now: the later row replaces the earlier one.
    assert price_of(db, {'flavor': 'm1'}, qty=2) == 2 * 2


def test_costs_are_exact_decimals(db):
    _service, flavor = flavor_field(db)
    factories.create_mapping(db, '0.1', field=flavor, value='m1')

    price = price_of(db, {'flavor': 'm1'}, qty=3)

    assert price == decimal.Decimal('0.3')
    assert str(price) == '0.3000000000000000000000000000'


def test_reload_sees_rules_created_after_the_previous_reload(db):
    _service, flavor = flavor_field(db)
    module = HashMap(None, db)
    module.reload(T, 'scope-a')
    factories.create_mapping(db, '2', field=flavor, value='m1')
    module.reload(T, 'scope-a')
    point = DataPoint.create('u', 1, 0, {}, {'flavor': 'm1'})

    frame = module.process(DataFrame(T, T + HOUR, {'instance': [point]}))

    assert frame.points('instance')[0].price == 2

"""The worked examples of contract §3.4, rules stored in a real database.

The rule set grows stage by stage as in the contract; each example is rated
with the rules of its stage by reloading the hashmap module and processing a
one-point frame.
"""
from __future__ import annotations

import datetime
import decimal

import pytest

from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.rating.hashmap import HashMap
from tests.fixtures import factories

PERIOD_START = datetime.datetime(2026, 11, 1)
PERIOD_END = PERIOD_START + datetime.timedelta(hours=1)

# Stages of the instance rule set, in the order the contract adds them.
BASE, SERVICE_RATE, SERVICE_THRESHOLDS, FLAT_THRESHOLD, VCPU_GROUP, TENANT = range(6)


def build_instance_rules(db, stage: int) -> None:
    service = factories.create_service(db, 'instance')
    flavor = factories.create_field(db, service, 'flavor')
    image = factories.create_field(db, service, 'image')
    vcpus = factories.create_field(db, service, 'vcpus')
    g_flavor = factories.create_group(db, 'g_flavor')
    g_image = factories.create_group(db, 'g_image')
    factories.create_mapping(db, '1', field=flavor, value='m1.small', group=g_flavor)
    factories.create_mapping(db, '4', field=flavor, value='m1.large', group=g_flavor)
    factories.create_mapping(db, '0.5', field=image, value='win', group=g_image)
    if stage >= SERVICE_RATE:
        factories.create_mapping(db, '1.1', service=service, map_type='rate', group=g_flavor)
    if stage >= SERVICE_THRESHOLDS:
        factories.create_threshold(db, '5', '0.9', service=service, map_type='rate',
                                   group=g_flavor)
        factories.create_threshold(db, '10', '0.8', service=service, map_type='rate',
                                   group=g_flavor)
    if stage >= FLAT_THRESHOLD:
        factories.create_threshold(db, '0', '3', service=service, group=g_image)
    if stage >= VCPU_GROUP:
        g_vcpu = factories.create_group(db, 'g_vcpu')
        factories.create_mapping(db, '2', field=vcpus, value='4', group=g_vcpu)
        factories.create_threshold(db, '2', '1', field=vcpus, group=g_vcpu)
        factories.create_threshold(db, '4', '3', field=vcpus, map_type='rate', group=g_vcpu)
    if stage >= TENANT:
        factories.create_mapping(db, '10', field=flavor, value='m1.small', group=g_flavor,
                                 tenant_id='T1')


def rate_one(db, metric_type: str, qty, metadata: dict, tenant_id: str | None = 'T2',
             groupby: dict | None = None) -> decimal.Decimal:
    module = HashMap(None, db)
    module.reload(PERIOD_START, tenant_id)
    point = DataPoint.create('unit', qty, 0, groupby or {'project_id': tenant_id}, metadata)
    frame = module.process(DataFrame(PERIOD_START, PERIOD_END, {metric_type: [point]}))
    [(rated_type, rated)] = list(frame.iterpoints())
    assert rated_type == metric_type
    return rated.price


INSTANCE_EXAMPLES = [
    # (example, stage, metadata, qty, tenant, expected price)
    ('A', BASE, {'flavor': 'm1.small'}, 1, 'T2', '1'),
    ('B', BASE, {'flavor': 'm1.large'}, 2, 'T2', '8'),
    ('C', BASE, {'flavor': 'm1.large', 'image': 'win'}, 1, 'T2', '4.5'),
    ('D', BASE, {'flavor': 'zzz'}, 1, 'T2', '0'),
    ('F', SERVICE_RATE, {'flavor': 'm1.large'}, 1, 'T2', '4.4'),
    ('G', SERVICE_RATE, {'flavor': 'm1.small', 'image': 'linux'}, 1, 'T2', '1.1'),
    ('H', SERVICE_THRESHOLDS, {'flavor': 'm1.small'}, 4, 'T2', '4.4'),
    ('I', SERVICE_THRESHOLDS, {'flavor': 'm1.small'}, 5, 'T2', '4.95'),
    ('J', SERVICE_THRESHOLDS, {'flavor': 'm1.small'}, 12, 'T2', '10.56'),
    ('K', FLAT_THRESHOLD, {'flavor': 'm1.small', 'image': 'win'}, 2, 'T2', '6.2'),
    ('L', VCPU_GROUP, {'vcpus': '4'}, 2, 'T2', '15'),
    ('M', VCPU_GROUP, {'vcpus': '3'}, 2, 'T2', '5'),
    ('N', TENANT, {'flavor': 'm1.small'}, 1, 'T1', '14'),
    ('O', TENANT, {'flavor': 'm1.small'}, 1, 'T2', '4.1'),
]


@pytest.mark.parametrize('example,stage,metadata,qty,tenant,expected', INSTANCE_EXAMPLES,
                         ids=[example[0] for example in INSTANCE_EXAMPLES])
def test_instance_examples(db, example, stage, metadata, qty, tenant, expected):
    build_instance_rules(db, stage)

    price = rate_one(db, 'instance', qty, metadata, tenant)

    assert price == decimal.Decimal(expected), example


def test_example_d_leaves_the_price_of_an_unmatched_point_untouched(db):
    build_instance_rules(db, BASE)

    price = rate_one(db, 'instance', 1, {'flavor': 'zzz'})

    assert price == 0 and str(price) == '0'


def build_volume_rules(db) -> None:
    service = factories.create_service(db, 'volume.size')
    volume_type = factories.create_field(db, service, 'volume_type')
    factories.create_mapping(db, '0.2', service=service)
    factories.create_mapping(db, '3', field=volume_type, value='ssd', map_type='rate')
    factories.create_mapping(db, '0.1', field=volume_type, value='hdd')


@pytest.mark.parametrize('example,metadata,expected', [
    ('P', {}, '2.0'),
    ('Q', {'volume_type': 'ssd'}, '6.0'),
    ('R', {'volume_type': 'hdd'}, '2.0'),
])
def test_default_group_examples(db, example, metadata, expected):
    build_volume_rules(db)

    price = rate_one(db, 'volume.size', 10, metadata)

    assert price == decimal.Decimal(expected), example


def test_points_of_other_metric_types_are_not_priced(db):
    build_volume_rules(db)

    assert rate_one(db, 'image.size', 10, {'volume_type': 'ssd'}) == 0


def test_groupby_wins_over_metadata_for_field_values(db):
    build_volume_rules(db)

    price = rate_one(db, 'volume.size', 10, {'volume_type': 'hdd'},
                     groupby={'volume_type': 'ssd'})

    assert price == decimal.Decimal('6.0')

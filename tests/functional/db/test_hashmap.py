"""Hashmap rule management on every database backend (contract §1.4, §12.10-12)."""
import datetime
import decimal

import pytest

from cloudkitty.common import tz
from cloudkitty.db import hashmap, volatile_rules
from cloudkitty.db.hashmap import RuleFilters

D = decimal.Decimal
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def rules(db) -> hashmap.HashMapRules:
    return hashmap.HashMapRules(db)


@pytest.fixture
def service(rules) -> hashmap.Service:
    return rules.create_service('instance')


@pytest.fixture
def field(rules, service) -> hashmap.Field:
    return rules.create_field(service.service_id, 'flavor')


# One anchor for every relative date of a run (tests take seconds, offsets hours).
_NOW = tz.utcnow().replace(microsecond=0)


def _past() -> datetime.datetime:
    return _NOW - 2 * HOUR


def _future() -> datetime.datetime:
    return _NOW + 2 * HOUR


# --- services, fields, groups -------------------------------------------------

def test_service_crud_and_messages(rules):
    created = rules.create_service('compute')
    assert rules.get_service(created.service_id) == created
    assert rules.list_services() == [created]
    with pytest.raises(hashmap.ServiceAlreadyExists) as error:
        rules.create_service('compute')
    assert error.value.message == 'Service compute already exists (UUID: %s)' % (
        created.service_id)
    assert error.value.code == 409
    rules.delete_service(created.service_id)
    with pytest.raises(hashmap.ServiceNotFound) as error:
        rules.get_service(created.service_id)
    assert error.value.message == 'No such service: None (UUID: %s)' % created.service_id
    assert error.value.code == 404
    with pytest.raises(hashmap.ServiceNotFound):
        rules.delete_service(created.service_id)


def test_field_unique_per_service_and_unknown_service(rules, service, field):
    other = rules.create_service('volume')
    assert rules.create_field(other.service_id, 'flavor').name == 'flavor'
    with pytest.raises(hashmap.FieldAlreadyExists) as error:
        rules.create_field(service.service_id, 'flavor')
    assert error.value.message == 'Field flavor already exists (UUID: %s)' % field.field_id
    with pytest.raises(hashmap.InvalidParent) as error:
        rules.create_field('6b1b8a2c-1111-4a43-9b1d-000000000000', 'x')
    assert error.value.code == 400
    assert error.value.message == (
        'No such service: None (UUID: 6b1b8a2c-1111-4a43-9b1d-000000000000)')
    assert rules.list_fields(service.service_id) == [field]
    assert rules.list_fields('unknown') == []
    assert rules.get_field(field.field_id) == field
    with pytest.raises(hashmap.FieldNotFound) as error:
        rules.get_field('nope')
    assert error.value.message == 'No such field: nope'


def test_group_crud(rules):
    group = rules.create_group('uptime')
    with pytest.raises(hashmap.GroupAlreadyExists) as error:
        rules.create_group('uptime')
    assert error.value.message == 'Group uptime already exists (UUID: %s)' % group.group_id
    assert rules.list_groups() == [group]
    rules.delete_group(group.group_id)
    with pytest.raises(hashmap.GroupNotFound) as error:
        rules.delete_group(group.group_id)
    assert error.value.message == 'No such group: None (UUID: %s)' % group.group_id


# --- mappings -----------------------------------------------------------------

def test_mapping_cost_is_exact_with_28_digits(rules, service):
    mapping = rules.create_mapping(service_id=service.service_id, cost=D('0.10000000'))
    assert str(mapping.cost) == '0.1000000000000000000000000000'
    assert mapping.value == ''
    assert mapping.map_type == 'flat'
    assert mapping.created_by == volatile_rules.UNKNOWN_USER
    assert len(mapping.name) == 32
    assert rules.get_mapping(mapping.mapping_id) == mapping


@pytest.mark.parametrize('kwargs, message', [
    ({'service_id': 'S', 'field_id': 'F'}, 'You can only specify one parent.'),
    ({}, 'You must specify one parent.'),
    ({'service_id': 'S', 'value': 'v'}, "You can't specify a value and a service_id."),
    ({'field_id': 'F'}, 'You must specify a value for a field mapping.'),
])
def test_mapping_parent_rules(rules, service, field, kwargs, message):
    ids = {'S': service.service_id, 'F': field.field_id}
    kwargs = {key: ids.get(value, value) for key, value in kwargs.items()}
    with pytest.raises(hashmap.InvalidParent) as error:
        rules.create_mapping(cost=D(1), **kwargs)
    assert error.value.message == message
    assert error.value.code == 400


def test_mapping_unknown_parents_are_400(rules, service):
    for kwargs, message in (
            ({'field_id': 'f0', 'value': 'a'}, 'No such field: f0'),
            ({'service_id': 's0'}, 'No such service: None (UUID: s0)'),
            ({'service_id': service.service_id, 'group_id': 'g0'},
             'No such group: None (UUID: g0)')):
        with pytest.raises(hashmap.InvalidParent) as error:
            rules.create_mapping(cost=D(1), **kwargs)
        assert error.value.message == message


def test_mapping_window_validation(rules, service):
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.create_mapping(service_id=service.service_id, cost=D(1), start=_past())
    assert error.value.message.startswith('Cannot create a rule with start in the past. '
                                          'start=[%s] current time=[' % _past())
    start, end = _future(), _future() - HOUR
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.create_mapping(service_id=service.service_id, cost=D(1), start=start,
                             end=end)
    assert error.value.message == ('Cannot create a rule with start after end. '
                                   'start=[%s] end=[%s].' % (start, end))
    forced = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                  start=_past(), force=True)
    assert forced.start == _past()


def test_mapping_duplicates(rules, service, field):
    first = rules.create_mapping(field_id=field.field_id, value='m1.tiny', cost=D(1),
                                 tenant_id='t1', name='first')
    with pytest.raises(hashmap.MappingAlreadyExists) as error:
        rules.create_mapping(field_id=field.field_id, value='m1.tiny', cost=D(2),
                             tenant_id='t1', start=_future())
    assert error.value.code == 409
    assert error.value.message == ("Mapping 'm1.tiny' already exists for field '%s', "
                                   "tenant: 't1'" % field.field_id)
    # Same name, anything else different.
    with pytest.raises(hashmap.MappingAlreadyExists):
        rules.create_mapping(service_id=service.service_id, cost=D(1), name='first')
    # Another tenant, another value, a group: no clash.
    rules.create_mapping(field_id=field.field_id, value='m1.tiny', cost=D(1),
                         tenant_id='t2')
    rules.create_mapping(field_id=field.field_id, value='m1.small', cost=D(1),
                         tenant_id='t1')
    group = rules.create_group('g')
    rules.create_mapping(field_id=field.field_id, value='m1.tiny', cost=D(1),
                         tenant_id='t1', group_id=group.group_id)
    # After a soft delete, the same rule can be created again.
    rules.delete_mapping(first.mapping_id)
    rules.create_mapping(field_id=field.field_id, value='m1.tiny', cost=D(1),
                         tenant_id='t1', name='first')


def test_mapping_date_range_conflicts(rules, service):
    now = tz.utcnow().replace(microsecond=0)
    ended = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                 start=now - 10 * HOUR, end=now - 5 * HOUR, force=True)
    # An ended window does not clash with a later open-ended one...
    later = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                 start=now + HOUR)
    # ...but any open-ended live mapping clashes with a new open-ended one.
    with pytest.raises(hashmap.MappingAlreadyExists) as error:
        rules.create_mapping(service_id=service.service_id, cost=D(1), start=now + 3 * HOUR)
    assert error.value.message == ("Mapping '' already exists for service '%s', "
                                   "tenant: 'None'" % service.service_id)
    # A bounded window clashes with what overlaps it, "" and NULL values alike.
    with pytest.raises(hashmap.MappingAlreadyExists):
        rules.create_mapping(service_id=service.service_id, cost=D(1), value=None,
                             start=now + 2 * HOUR, end=now + 4 * HOUR)
    rules.create_mapping(service_id=service.service_id, cost=D(1),
                         start=now - 4 * HOUR, end=now - 3 * HOUR, force=True)
    rules.delete_mapping(later.mapping_id)
    with pytest.raises(hashmap.MappingAlreadyExists):
        rules.create_mapping(service_id=service.service_id, cost=D(1),
                             start=now - 6 * HOUR, end=now - 4 * HOUR, force=True)
    assert rules.get_mapping(ended.mapping_id).end == now - 5 * HOUR


def test_mapping_soft_delete(rules, service):
    mapping = rules.create_mapping(service_id=service.service_id, cost=D(1))
    rules.delete_mapping(mapping.mapping_id, user='alice')
    deleted = rules.get_mapping(mapping.mapping_id)
    assert deleted.deleted is not None
    assert deleted.deleted_by == 'alice'
    with pytest.raises(hashmap.MappingNotFound) as error:
        rules.delete_mapping(mapping.mapping_id)
    assert error.value.message == 'No such mapping: %s' % mapping.mapping_id
    assert rules.list_mappings() == []
    window = volatile_rules.RuleWindowFilters(deleted=True)
    assert rules.list_mappings(window=window) == [deleted]


def test_mapping_list_filters(rules, service, field):
    group = rules.create_group('g')
    by_service = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                      group_id=group.group_id, description='Big Cost')
    tenant = rules.create_mapping(field_id=field.field_id, value='a', cost=D(1),
                                  tenant_id='t1', start=_future(), end=_future() + HOUR)
    global_ = rules.create_mapping(field_id=field.field_id, value='b', cost=D(1),
                                   user='bob')

    def ids(**kwargs):
        window = kwargs.pop('window', None)
        mappings = rules.list_mappings(RuleFilters(**kwargs), window)
        return {m.mapping_id for m in mappings}

    everything = {by_service.mapping_id, tenant.mapping_id, global_.mapping_id}
    assert ids() == everything
    assert ids(service_id=service.service_id) == {by_service.mapping_id}
    assert ids(service_id=service.service_id, field_id=field.field_id) == {
        by_service.mapping_id}
    assert ids(field_id=field.field_id) == {tenant.mapping_id, global_.mapping_id}
    assert ids(service_id='unknown') == set()
    assert ids(group_id=group.group_id) == {by_service.mapping_id}
    assert ids(no_group=True) == {tenant.mapping_id, global_.mapping_id}
    assert ids(tenant_id='t1') == everything
    assert ids(tenant_id='t1', filter_tenant=True) == {tenant.mapping_id}
    assert ids(filter_tenant=True) == {by_service.mapping_id, global_.mapping_id}
    window = volatile_rules.RuleWindowFilters
    assert ids(window=window(description='big')) == {by_service.mapping_id}
    assert ids(window=window(description='%')) == set()
    assert ids(window=window(created_by='bob')) == {global_.mapping_id}
    assert ids(window=window(is_active=True)) == {by_service.mapping_id,
                                                  global_.mapping_id}
    assert ids(window=window(start=_future())) == {tenant.mapping_id}
    assert ids(window=window(end=_future() + 2 * HOUR)) == {tenant.mapping_id}
    with pytest.raises(hashmap.MissingFilter):
        rules.list_mappings(all_rules=False)


def test_update_not_started_mapping(rules, field):
    group = rules.create_group('g')
    mapping = rules.create_mapping(field_id=field.field_id, value='a', cost=D(1),
                                   start=_future(), end=_future() + HOUR,
                                   description='old')
    updated = rules.update_mapping(mapping.mapping_id, {
        'cost': D('2.5'), 'value': 'ignored', 'group_id': group.group_id,
        'map_type': 'rate', 'end': _future() + 3 * HOUR}, user='carol')
    assert str(updated.cost) == '2.5000000000000000000000000000'
    assert (updated.value, updated.group_id, updated.map_type) == ('a', None, 'flat')
    assert updated.start == mapping.start
    assert updated.end == _future() + 3 * HOUR
    assert updated.description is None
    assert updated.updated_by == 'carol'
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.update_mapping(mapping.mapping_id, {'cost': D(1), 'start': _past()})
    assert 'Cannot create a rule with start in the past.' in error.value.message


def test_update_running_mapping_only_end(rules, field):
    mapping = rules.create_mapping(field_id=field.field_id, value='a', cost=D('0.01'),
                                   start=_past(), force=True)
    message = ('You are allowed to update only the attribute [end] as this rule is '
               'already running as it started on [%s]' % mapping.start)
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.update_mapping(mapping.mapping_id, {'cost': D(2), 'end': _future()})
    assert error.value.message == message
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.update_mapping(mapping.mapping_id, {'cost': D('0.01'), 'end': _past()})
    assert error.value.message.startswith('End date must be in the future. end=[')
    # The CLI echoes the whole object: unchanged and read-only attributes pass.
    echoed = dict(vars(mapping), end=_future(), cost=D('0.0100'), created_by='x')
    ended = rules.update_mapping(mapping.mapping_id, echoed, user='dave')
    assert ended.end == _future()
    assert ended.updated_by == 'dave'
    assert ended.cost == mapping.cost
    # Clients repeat the PUT when following its 302: the repeat is a no-op.
    assert rules.update_mapping(mapping.mapping_id, echoed, user='eve') == ended
    with pytest.raises(volatile_rules.InvalidRule) as error:
        rules.update_mapping(mapping.mapping_id, {'cost': D(1)})
    assert error.value.message == ('Cannot update a rule that was already processed and '
                                   'has a defined end date.')


def test_update_unknown_or_deleted_mapping(rules, service):
    with pytest.raises(hashmap.MappingNotFound):
        rules.update_mapping('nope', {'cost': D(1)})
    mapping = rules.create_mapping(service_id=service.service_id, cost=D(1))
    rules.delete_mapping(mapping.mapping_id)
    with pytest.raises(hashmap.MappingNotFound):
        rules.update_mapping(mapping.mapping_id, {'cost': D(1)})


def test_mapping_group(rules, service):
    group = rules.create_group('g')
    grouped = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                   group_id=group.group_id)
    assert rules.get_mapping_group(grouped.mapping_id) == group
    other = rules.create_service('other')
    ungrouped = rules.create_mapping(service_id=other.service_id, cost=D(1))
    with pytest.raises(hashmap.MappingHasNoGroup) as error:
        rules.get_mapping_group(ungrouped.mapping_id)
    assert error.value.message == 'Mapping has no group (UUID: %s)' % ungrouped.mapping_id


# --- thresholds ---------------------------------------------------------------

def test_threshold_crud(rules, service):
    threshold = rules.create_threshold(service_id=service.service_id, level=D(10),
                                       cost=D('0.5'), map_type='rate')
    assert str(threshold.level) == '10.00000000'
    assert str(threshold.cost) == '0.5000000000000000000000000000'
    assert rules.get_threshold(threshold.threshold_id) == threshold
    group = rules.create_group('g')
    updated = rules.update_threshold(threshold.threshold_id, level=D(20), cost=D(1),
                                     group_id=group.group_id, tenant_id='t')
    assert (updated.level, updated.map_type, updated.group_id, updated.tenant_id) == (
        D(20), 'flat', group.group_id, 't')
    kept = rules.update_threshold(threshold.threshold_id, level=D(20), cost=D(1))
    assert (kept.group_id, kept.tenant_id, kept.service_id) == (
        group.group_id, None, service.service_id)
    assert rules.get_threshold_group(threshold.threshold_id) == group
    rules.delete_threshold(threshold.threshold_id)
    with pytest.raises(hashmap.ThresholdNotFound) as error:
        rules.get_threshold(threshold.threshold_id)
    assert error.value.message == 'No such threshold: %s' % threshold.threshold_id


def test_threshold_uniqueness_only_with_tenant(rules, service, field):
    for _ in range(2):
        rules.create_threshold(service_id=service.service_id, level=D(1), cost=D(1))
    rules.create_threshold(field_id=field.field_id, level=D(1), cost=D(1), tenant_id='t')
    with pytest.raises(hashmap.ThresholdAlreadyExists) as error:
        rules.create_threshold(field_id=field.field_id, level=D('1.0'), cost=D(2),
                               tenant_id='t')
    assert error.value.message == ("Threshold '1.0' already exists for field '%s', "
                                   "tenant: 'None'" % field.field_id)
    other = rules.create_threshold(field_id=field.field_id, level=D(2), cost=D(1),
                                   tenant_id='t')
    with pytest.raises(hashmap.ThresholdAlreadyExists):
        rules.update_threshold(other.threshold_id, level=D(1), cost=D(1), tenant_id='t')
    assert rules.get_threshold(other.threshold_id).level == D(2)


def test_threshold_list_filters(rules, service, field):
    with pytest.raises(hashmap.MissingFilter) as error:
        rules.list_thresholds(RuleFilters())
    assert error.value.code == 400
    assert error.value.message == ('You must specify either service_uuid, field_uuid or '
                                   'group_uuid.')
    group = rules.create_group('g')
    on_service = rules.create_threshold(service_id=service.service_id, level=D(1),
                                        cost=D(1), group_id=group.group_id, tenant_id='t')
    on_field = rules.create_threshold(field_id=field.field_id, level=D(1), cost=D(1))

    def ids(**kwargs):
        return {t.threshold_id for t in rules.list_thresholds(RuleFilters(**kwargs))}

    assert ids(service_id=service.service_id) == {on_service.threshold_id}
    assert ids(field_id=field.field_id) == {on_field.threshold_id}
    assert ids(group_id=group.group_id) == {on_service.threshold_id}
    assert ids(service_id=service.service_id, filter_tenant=True) == set()
    assert ids(service_id=service.service_id, filter_tenant=True, tenant_id='t') == {
        on_service.threshold_id}


def test_threshold_parent_rules(rules, service, field):
    with pytest.raises(hashmap.InvalidParent) as error:
        rules.create_threshold(service_id=service.service_id, field_id=field.field_id,
                               level=D(1), cost=D(1))
    assert error.value.message == 'You can only specify one parent.'
    with pytest.raises(hashmap.InvalidParent) as error:
        rules.create_threshold(level=D(1), cost=D(1))
    assert error.value.message == 'You must specify one parent.'


# --- cascades -----------------------------------------------------------------

def test_service_delete_cascades(rules, service, field):
    rules.create_mapping(service_id=service.service_id, cost=D(1))
    mapping = rules.create_mapping(field_id=field.field_id, value='a', cost=D(1))
    rules.create_threshold(field_id=field.field_id, level=D(1), cost=D(1))
    rules.delete_service(service.service_id)
    with pytest.raises(hashmap.FieldNotFound):
        rules.get_field(field.field_id)
    with pytest.raises(hashmap.MappingNotFound):
        rules.get_mapping(mapping.mapping_id)
    assert rules.list_mappings(window=volatile_rules.RuleWindowFilters(deleted=True)) == []


def test_field_delete_cascades(rules, service, field):
    kept = rules.create_mapping(service_id=service.service_id, cost=D(1))
    rules.create_mapping(field_id=field.field_id, value='a', cost=D(1))
    threshold = rules.create_threshold(field_id=field.field_id, level=D(1), cost=D(1))
    rules.delete_field(field.field_id)
    assert rules.list_mappings() == [kept]
    with pytest.raises(hashmap.ThresholdNotFound):
        rules.get_threshold(threshold.threshold_id)


@pytest.mark.parametrize('recursive', [False, True])
def test_group_delete(rules, service, recursive):
    group = rules.create_group('g')
    mapping = rules.create_mapping(service_id=service.service_id, cost=D(1),
                                   group_id=group.group_id)
    threshold = rules.create_threshold(service_id=service.service_id, level=D(1),
                                       cost=D(1), group_id=group.group_id)
    rules.delete_group(group.group_id, recursive=recursive)
    if recursive:
        assert rules.list_mappings() == []
        assert rules.list_thresholds(RuleFilters(service_id=service.service_id)) == []
    else:
        assert rules.get_mapping(mapping.mapping_id).group_id is None
        assert rules.get_threshold(threshold.threshold_id).group_id is None

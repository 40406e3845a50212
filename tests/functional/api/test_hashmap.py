"""``/v1/rating/module_config/hashmap`` over WSGI (contract §1.4, §0.2, §12)."""
import datetime

import pytest

from cloudkitty.common import tz
from tests.fixtures.api import keystone_headers

H = '/v1/rating/module_config/hashmap'
UNKNOWN = '6b1b8a2c-1111-4a43-9b1d-000000000000'


def _fault(response, status: int) -> str:
    assert response.status == status, response.text
    assert response.json['faultcode'] == ('Client' if status < 500 else 'Server')
    return response.json['faultstring']


# Every relative date of a run derives from one instant, so that repeated
# computations agree (tests take seconds, the offsets are hours).
_NOW = tz.utcnow().replace(microsecond=0)


def _iso(hours_from_now: float) -> str:
    return (_NOW + datetime.timedelta(hours=hours_from_now)).isoformat()


@pytest.fixture
def service(api_client) -> dict:
    return api_client.post(H + '/services/', json={'name': 'instance'}).json


@pytest.fixture
def field(api_client, service) -> dict:
    return api_client.post(H + '/fields/', json={
        'name': 'flavor', 'service_id': service['service_id']}).json


@pytest.fixture
def group(api_client) -> dict:
    return api_client.post(H + '/groups/', json={'name': 'uptime'}).json


def _create_mapping(api_client, query: str = '', **body) -> dict:
    response = api_client.post(H + '/mappings/' + query, json=body)
    assert response.status == 201, response.text
    return response.json


# --- services -----------------------------------------------------------------

def test_service_lifecycle(api_client):
    assert api_client.get(H + '/services/').json == {'services': []}
    created = api_client.post(H + '/services/', json={'name': 'instance',
                                                      'service_id': UNKNOWN})
    assert created.status == 201
    service_id = created.json['service_id']
    assert service_id != UNKNOWN
    assert created.json == {'service_id': service_id, 'name': 'instance'}
    assert created.headers['Location'] == 'http://localhost%s/services/%s' % (
        H, service_id)
    no_slash = api_client.post(H + '/services', json={'name': 'volume'})
    assert no_slash.headers['Location'].endswith('/services/%s' % no_slash.json[
        'service_id'])
    assert _fault(api_client.post(H + '/services/', json={'name': 'instance'}), 409) == (
        'Service instance already exists (UUID: %s)' % service_id)
    assert api_client.get(H + '/services/%s' % service_id).json == created.json
    assert len(api_client.get(H + '/services').json['services']) == 2
    # The CLI deletes with the id in the body of a collection DELETE.
    deleted = api_client.delete(H + '/services/', json={'service_id': service_id})
    assert deleted.status == 204
    assert _fault(api_client.get(H + '/services/%s' % service_id), 404) == (
        'No such service: None (UUID: %s)' % service_id)
    assert _fault(api_client.delete(H + '/services/%s' % service_id), 404) == (
        'No such service: None (UUID: %s)' % service_id)


def test_service_input_errors(api_client):
    assert _fault(api_client.post(H + '/services/', json={}), 400) == (
        "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
    assert _fault(api_client.post(H + '/services/', json={'name': 'a', 'extra': 1}),
                  400) == 'Unknown attribute for argument service_data: extra'
    assert _fault(api_client.get(H + '/services/not-a-uuid'), 404) == (
        'No such service: None (UUID: not-a-uuid)')


def test_types(api_client):
    response = api_client.get(H + '/types/')
    assert response.status == 200
    assert sorted(response.json) == ['flat', 'rate']


# --- fields -------------------------------------------------------------------

def test_field_lifecycle(api_client, service):
    service_id = service['service_id']
    assert _fault(api_client.get(H + '/fields/'), 400) == 'Missing argument: "service_id"'
    assert api_client.get(H + '/fields/', params={'service_id': UNKNOWN}).json == {
        'fields': []}
    created = api_client.post(H + '/fields/', json={'name': 'flavor',
                                                    'service_id': service_id})
    assert created.status == 201
    field_id = created.json['field_id']
    assert created.json == {'field_id': field_id, 'name': 'flavor',
                            'service_id': service_id}
    assert created.headers['Location'].endswith('%s/fields/%s' % (H, field_id))
    assert _fault(api_client.post(H + '/fields/', json={
        'name': 'flavor', 'service_id': service_id}), 409) == (
        'Field flavor already exists (UUID: %s)' % field_id)
    listed = {'fields': [created.json]}
    assert api_client.get(H + '/fields/', params={'service_id': service_id}).json == listed
    assert api_client.get(H + '/services/%s/fields' % service_id).json == listed
    # The tempest plugin sends GET arguments in a JSON body.
    assert api_client.get(H + '/fields/', json={'service_id': service_id}).json == listed
    assert api_client.get(H + '/fields/%s' % field_id).json == created.json
    assert api_client.delete(H + '/fields/', json={'field_id': field_id}).status == 204
    assert _fault(api_client.get(H + '/fields/%s' % field_id), 404) == (
        'No such field: %s' % field_id)
    assert _fault(api_client.delete(H + '/fields/%s' % field_id), 404) == (
        'No such field: %s' % field_id)


def test_field_parent_errors(api_client):
    assert _fault(api_client.post(H + '/fields/', json={
        'name': 'f', 'service_id': UNKNOWN}), 400) == (
        'No such service: None (UUID: %s)' % UNKNOWN)
    assert _fault(api_client.post(H + '/fields/', json={'name': 'f', 'service_id': 'x'}),
                  400) == ("Invalid input for field/attribute service_id. Value: 'x'. "
                           "Invalid UUID, got 'x'")


def test_argument_given_twice(api_client, service):
    response = api_client.get(H + '/fields/?service_id=%s' % service['service_id'],
                              json={'service_id': service['service_id']})
    assert _fault(response, 400) == 'Parameter service_id was given several times'


# --- groups -------------------------------------------------------------------

def test_group_lifecycle(api_client, group):
    group_id = group['group_id']
    assert _fault(api_client.post(H + '/groups/', json={'name': 'uptime'}), 409) == (
        'Group uptime already exists (UUID: %s)' % group_id)
    assert api_client.get(H + '/groups/').json == {'groups': [group]}
    assert api_client.get(H + '/groups/%s' % group_id).json == group
    assert api_client.delete(H + '/groups/%s' % group_id).status == 204
    message = 'No such group: None (UUID: %s)' % group_id
    assert _fault(api_client.get(H + '/groups/%s' % group_id), 404) == message
    assert _fault(api_client.delete(H + '/groups/', json={'group_id': group_id}),
                  404) == message


@pytest.mark.parametrize('recursive', [False, True])
def test_group_delete_recursive_or_not(api_client, service, group, recursive):
    mapping = _create_mapping(api_client, service_id=service['service_id'], cost='1',
                              group_id=group['group_id'])
    threshold = api_client.post(H + '/thresholds/', json={
        'service_id': service['service_id'], 'level': '1', 'cost': '1',
        'group_id': group['group_id']}).json
    group_id = group['group_id']
    for path in ('/groups/%s/mappings' % group_id, '/groups/mappings?group_id=%s' % group_id):
        assert api_client.get(H + path).json == {'mappings': [mapping]}
    for path in ('/groups/%s/thresholds' % group_id,
                 '/groups/thresholds?group_id=%s' % group_id):
        assert api_client.get(H + path).json == {'thresholds': [threshold]}
    response = api_client.delete(H + '/groups/', json={'group_id': group_id,
                                                       'recursive': recursive})
    assert response.status == 204
    mapping_after = api_client.get(H + '/mappings/%s' % mapping['mapping_id'])
    threshold_after = api_client.get(H + '/thresholds/%s' % threshold['threshold_id'])
    if recursive:
        assert mapping_after.status == threshold_after.status == 404
    else:
        assert mapping_after.json['group_id'] is None
        assert threshold_after.json['group_id'] is None


# --- mappings -----------------------------------------------------------------

def test_mapping_create_shape_and_location(api_client, service):
    created = api_client.post(H + '/mappings/', json={
        'service_id': service['service_id'], 'cost': '0.10000000'})
    assert created.status == 201
    body = created.json
    assert created.headers['Location'].endswith('/mappings/%s' % body['mapping_id'])
    assert body['cost'] == '0.1000000000000000000000000000'
    assert (body['value'], body['type'], body['field_id'], body['group_id']) == (
        '', 'flat', None, None)
    assert (body['created_by'], body['updated_by'], body['deleted']) == (
        'unknown', None, None)
    assert len(body['name']) == 32
    assert set(body) == {
        'mapping_id', 'value', 'type', 'cost', 'service_id', 'field_id', 'group_id',
        'tenant_id', 'created_at', 'start', 'end', 'name', 'description', 'deleted',
        'created_by', 'updated_by', 'deleted_by'}
    assert api_client.get(H + '/mappings/%s' % body['mapping_id']).json == body


def test_mapping_audit_user_comes_from_the_token(api_client, service):
    response = api_client.post(H + '/mappings/', json={
        'service_id': service['service_id'], 'cost': 1},
        headers={'X-Auth-Token': 'token', 'X-User-Id': 'c0ffee'})
    assert response.json['created_by'] == 'c0ffee'


def test_mapping_post_errors_in_order(api_client, service, field):
    service_id, field_id = service['service_id'], field['field_id']
    post = api_client.post
    past, future = _iso(-2), _iso(2)
    message = _fault(post(H + '/mappings/', json={
        'service_id': service_id, 'cost': 1, 'start': past}), 400)
    assert message.startswith('Cannot create a rule with start in the past. start=[%s] '
                              'current time=[' % past.replace('T', ' '))
    assert _fault(post(H + '/mappings/', json={
        'service_id': service_id, 'cost': 1, 'start': future, 'end': _iso(1)}), 400) == (
        'Cannot create a rule with start after end. start=[%s] end=[%s].' % (
            future.replace('T', ' '), _iso(1).replace('T', ' ')))
    for body, expected in (
            ({'service_id': service_id, 'field_id': field_id},
             'You can only specify one parent.'),
            ({}, 'You must specify one parent.'),
            ({'service_id': service_id, 'value': 'v'},
             "You can't specify a value and a service_id."),
            ({'field_id': field_id}, 'You must specify a value for a field mapping.'),
            ({'field_id': UNKNOWN, 'value': 'v'}, 'No such field: %s' % UNKNOWN),
            ({'service_id': UNKNOWN}, 'No such service: None (UUID: %s)' % UNKNOWN),
            ({'service_id': service_id, 'group_id': UNKNOWN},
             'No such group: None (UUID: %s)' % UNKNOWN),
            ({'service_id': service_id, 'type': 'fail'},
             "Invalid input for field/attribute type. Value: 'fail'. "),
            ({'service_id': service_id, 'cost': None},
             "Invalid input for field/attribute cost. Value: 'None'. "
             "Mandatory field missing.")):
        assert _fault(post(H + '/mappings/', json={'cost': 1, **body}), 400).startswith(
            expected)


def test_mapping_conflict(api_client, field):
    body = {'field_id': field['field_id'], 'value': 'm1.tiny', 'cost': 1,
            'tenant_id': 'tenant'}
    _create_mapping(api_client, **body)
    assert _fault(api_client.post(H + '/mappings/', json=body), 409) == (
        "Mapping 'm1.tiny' already exists for field '%s', tenant: 'tenant'"
        % field['field_id'])


def test_mapping_dates(api_client, service):
    mapping = _create_mapping(api_client, '?force=true', service_id=service['service_id'],
                              cost=1, start='2020-01-01', end='2020-01-02')
    assert (mapping['start'], mapping['end']) == ('2020-01-01T00:00:00',
                                                  '2020-01-02T23:59:59')


def test_mapping_soft_delete(api_client, service):
    mapping = _create_mapping(api_client, service_id=service['service_id'], cost=1)
    mapping_id = mapping['mapping_id']
    assert api_client.delete(H + '/mappings/', json={'mapping_id': mapping_id}).status == 204
    deleted = api_client.get(H + '/mappings/%s' % mapping_id)
    assert deleted.status == 200
    assert deleted.json['deleted'] is not None
    assert deleted.json['deleted_by'] == 'unknown'
    assert _fault(api_client.delete(H + '/mappings/%s' % mapping_id), 404) == (
        'No such mapping: %s' % mapping_id)
    assert api_client.get(H + '/mappings/').json == {'mappings': []}
    assert [m['mapping_id'] for m in api_client.get(
        H + '/mappings/', params={'deleted': 'true'}).json['mappings']] == [mapping_id]


def test_mapping_list_filters(api_client, service, field, group):
    service_id, field_id = service['service_id'], field['field_id']
    on_service = _create_mapping(api_client, service_id=service_id, cost=1,
                                 group_id=group['group_id'], description='Big Price')
    tenant = _create_mapping(api_client, field_id=field_id, value='a', cost=1,
                             tenant_id='t1', start=_iso(2), end=_iso(3))
    plain = _create_mapping(api_client, field_id=field_id, value='b', cost=1)

    def ids(**params):
        response = api_client.get(H + '/mappings/', params=params)
        assert response.status == 200, response.text
        return {m['mapping_id'] for m in response.json['mappings']}

    everything = {on_service['mapping_id'], tenant['mapping_id'], plain['mapping_id']}
    assert ids() == everything
    assert ids(service_id=service_id) == {on_service['mapping_id']}
    assert ids(service_id=service_id, field_id=field_id) == {on_service['mapping_id']}
    assert ids(field_id=field_id) == {tenant['mapping_id'], plain['mapping_id']}
    assert ids(field_id=UNKNOWN) == set()
    assert ids(group_id=group['group_id']) == {on_service['mapping_id']}
    assert ids(no_group='True') == {tenant['mapping_id'], plain['mapping_id']}
    assert ids(tenant_id='t1') == everything
    assert ids(tenant_id='t1', filter_tenant='True') == {tenant['mapping_id']}
    assert ids(filter_tenant='true') == {on_service['mapping_id'], plain['mapping_id']}
    assert ids(description='big price') == {on_service['mapping_id']}
    assert ids(is_active='1') == {on_service['mapping_id'], plain['mapping_id']}
    assert ids(start=_iso(1)) == {tenant['mapping_id']}
    assert ids(end=_iso(4).replace('T', ' ')) == {tenant['mapping_id']}
    assert ids(created_by='unknown') == everything
    assert api_client.get(H + '/services/%s/mappings' % service_id).json == {
        'mappings': [on_service]}
    assert _fault(api_client.get(H + '/mappings/', params={'start': 'garbage'}),
                  400).startswith('Invalid input for field/attribute start. Value: '
                                  "'garbage'.")


def test_mapping_group(api_client, service, group):
    grouped = _create_mapping(api_client, service_id=service['service_id'], cost=1,
                              group_id=group['group_id'])
    for path in ('/mappings/%s/group', '/mappings/group?mapping_id=%s'):
        assert api_client.get(H + path % grouped['mapping_id']).json == group
    other = api_client.post(H + '/services/', json={'name': 'other'}).json
    ungrouped = _create_mapping(api_client, service_id=other['service_id'], cost=1)
    assert _fault(api_client.get(H + '/mappings/%s/group' % ungrouped['mapping_id']),
                  404) == 'Mapping has no group (UUID: %s)' % ungrouped['mapping_id']
    assert _fault(api_client.get(H + '/mappings/%s' % UNKNOWN), 404) == (
        'No such mapping: %s' % UNKNOWN)


def test_put_not_started_mapping(api_client, field):
    mapping = _create_mapping(api_client, field_id=field['field_id'], value='a', cost=1,
                              start=_iso(2), description='old')
    url = H + '/mappings/%s' % mapping['mapping_id']
    response = api_client.put(url, json={'cost': '2', 'value': 'ignored',
                                         'end': _iso(5)})
    assert response.status == 302
    assert response.headers['Location'] == 'http://localhost' + url
    assert response.text == ''
    updated = api_client.get(url).json
    assert updated['cost'] == '2.0000000000000000000000000000'
    assert (updated['value'], updated['start'], updated['end']) == (
        'a', mapping['start'], _iso(5))
    assert updated['description'] is None
    assert updated['updated_by'] == 'unknown'
    assert _fault(api_client.put(url, json={'end': _iso(6)}), 400) == (
        "Invalid input for field/attribute cost. Value: 'None'. Mandatory field missing.")


def test_cli_put_ends_a_running_mapping(api_client, field):
    """The CLI PUTs the full fetched object to the collection URL (§12.2 R)."""
    mapping = _create_mapping(api_client, '?force=true', field_id=field['field_id'],
                              value='a', cost='0.01', start=_iso(-1))
    url = H + '/mappings/%s' % mapping['mapping_id']
    fetched = api_client.get(url).json
    response = api_client.put(H + '/mappings/', json=dict(fetched, end=_iso(1)))
    assert response.status == 302
    assert response.headers['Location'] == 'http://localhost%s/mappings/' % H
    ended = api_client.get(url).json
    assert ended['end'] == _iso(1)
    assert ended['cost'] == mapping['cost']


def test_put_running_mapping_errors(api_client, field):
    mapping = _create_mapping(api_client, '?force=true', field_id=field['field_id'],
                              value='a', cost='0.01', start=_iso(-1))
    url = H + '/mappings/%s' % mapping['mapping_id']
    assert _fault(api_client.put(url, json={'cost': '3', 'end': _iso(1)}), 400) == (
        'You are allowed to update only the attribute [end] as this rule is already '
        'running as it started on [%s]' % mapping['start'].replace('T', ' '))
    message = _fault(api_client.put(url, json={'cost': '0.01', 'end': _iso(-0.5)}), 400)
    assert message.startswith('End date must be in the future. end=[%s] current time=['
                              % _iso(-0.5).replace('T', ' '))
    assert api_client.put(url, json={'cost': '0.01', 'end': _iso(1)}).status == 302
    # A repeated PUT (clients follow the 302 by PUTting again) changes nothing.
    assert api_client.put(url, json={'cost': '0.01', 'end': _iso(1)}).status == 302
    assert _fault(api_client.put(url, json={'cost': '0.01', 'end': _iso(2)}), 400) == (
        'Cannot update a rule that was already processed and has a defined end date.')
    assert _fault(api_client.put(H + '/mappings/%s' % UNKNOWN, json={'cost': 1}),
                  404) == 'No such mapping: %s' % UNKNOWN


# --- thresholds ---------------------------------------------------------------

def test_threshold_lifecycle(api_client, service, group):
    service_id = service['service_id']
    created = api_client.post(H + '/thresholds/', json={
        'service_id': service_id, 'level': '10', 'cost': '0.5', 'type': 'rate'})
    assert created.status == 201
    threshold_id = created.json['threshold_id']
    assert created.headers['Location'].endswith('/thresholds/%s' % threshold_id)
    assert created.json == {'threshold_id': threshold_id, 'level': '10.00000000',
                            'type': 'rate', 'cost': '0.5000000000000000000000000000',
                            'service_id': service_id, 'field_id': None,
                            'group_id': None, 'tenant_id': None}
    assert api_client.get(H + '/thresholds/', params={'service_id': service_id}).json == {
        'thresholds': [created.json]}
    fetched = api_client.get(H + '/thresholds/%s' % threshold_id).json
    updated_body = dict(fetched, level='20', group_id=group['group_id'], tenant_id='t')
    del updated_body['type']
    response = api_client.put(H + '/thresholds/', json=updated_body)
    assert response.status == 302
    assert response.headers['Location'] == 'http://localhost%s/thresholds/' % H
    updated = api_client.get(H + '/thresholds/%s' % threshold_id).json
    assert (updated['level'], updated['type'], updated['group_id'],
            updated['tenant_id']) == ('20.00000000', 'flat', group['group_id'], 't')
    for path in ('/thresholds/%s/group', '/thresholds/group?threshold_id=%s'):
        assert api_client.get(H + path % threshold_id).json == group
    assert api_client.delete(H + '/thresholds/', json={
        'threshold_id': threshold_id}).status == 204
    assert _fault(api_client.get(H + '/thresholds/%s' % threshold_id), 404) == (
        'No such threshold: %s' % threshold_id)
    assert _fault(api_client.delete(H + '/thresholds/%s' % threshold_id), 404) == (
        'No such threshold: %s' % threshold_id)
    assert _fault(api_client.put(H + '/thresholds/%s' % threshold_id, json={
        'level': 1, 'cost': 1}), 404) == 'No such threshold: %s' % threshold_id


def test_threshold_errors(api_client, service, field):
    service_id, field_id = service['service_id'], field['field_id']
    assert _fault(api_client.get(H + '/thresholds/'), 400) == (
        'You must specify either service_uuid, field_uuid or group_uuid.')
    for body, expected in (
            ({'service_id': service_id, 'field_id': field_id, 'level': 1},
             'You can only specify one parent.'),
            ({'level': 1}, 'You must specify one parent.'),
            ({'service_id': service_id},
             "Invalid input for field/attribute level. Value: 'None'. "
             "Mandatory field missing."),
            ({'service_id': UNKNOWN, 'level': 1},
             'No such service: None (UUID: %s)' % UNKNOWN)):
        assert _fault(api_client.post(H + '/thresholds/', json={'cost': 1, **body}),
                      400) == expected
    group = api_client.post(H + '/groups/', json={'name': 'g'}).json
    threshold = api_client.post(H + '/thresholds/', json={
        'service_id': service_id, 'level': 1, 'cost': 1}).json
    assert _fault(api_client.get(H + '/thresholds/%s/group' % threshold['threshold_id']),
                  404) == 'Threshold has no group (UUID: %s)' % threshold['threshold_id']
    assert group['group_id']


def test_threshold_uniqueness(api_client, field):
    body = {'field_id': field['field_id'], 'level': '1', 'cost': '1'}
    for _ in range(2):  # A NULL tenant never conflicts (§12.10).
        assert api_client.post(H + '/thresholds/', json=body).status == 201
    with_tenant = dict(body, tenant_id='t1')
    assert api_client.post(H + '/thresholds/', json=with_tenant).status == 201
    assert _fault(api_client.post(H + '/thresholds/', json=with_tenant), 409) == (
        "Threshold '1' already exists for field '%s', tenant: 'None'" % field['field_id'])
    listed = api_client.get(H + '/thresholds/', params={
        'field_id': field['field_id'], 'filter_tenant': 'true', 'tenant_id': 't1'}).json
    assert [t['tenant_id'] for t in listed['thresholds']] == ['t1']


# --- cascades, on every backend -----------------------------------------------

def test_service_and_field_delete_cascade(api_client_db):
    client = api_client_db
    service_id = client.post(H + '/services/', json={'name': 's'}).json['service_id']
    field_id = client.post(H + '/fields/', json={'name': 'f', 'service_id': service_id}
                           ).json['field_id']
    on_service = _create_mapping(client, service_id=service_id, cost='0.1')
    assert on_service['cost'] == '0.1000000000000000000000000000'
    on_field = _create_mapping(client, field_id=field_id, value='v', cost=1)
    threshold = client.post(H + '/thresholds/', json={
        'field_id': field_id, 'level': '0.5', 'cost': 1}).json
    assert threshold['level'] == '0.50000000'
    assert client.delete(H + '/fields/%s' % field_id).status == 204
    assert client.get(H + '/mappings/%s' % on_field['mapping_id']).status == 404
    assert client.get(H + '/thresholds/%s' % threshold['threshold_id']).status == 404
    assert client.get(H + '/mappings/%s' % on_service['mapping_id']).status == 200
    assert client.delete(H + '/services/%s' % service_id).status == 204
    assert client.get(H + '/mappings/%s' % on_service['mapping_id']).status == 404
    assert client.get(H + '/mappings/', params={'deleted': True}).json == {'mappings': []}


def test_mapping_name_length(api_client, service):
    assert _fault(api_client.post(H + '/mappings/', json={
        'service_id': service['service_id'], 'cost': 1, 'name': 'n' * 33}),
        400).startswith("Invalid input for field/attribute name. Value: '%s'." % ('n' * 33))
    named = _create_mapping(api_client, service_id=service['service_id'], cost=1,
                            name='n' * 32)
    assert named['name'] == 'n' * 32
    assert _fault(api_client.post(H + '/services/', json={'name': 's' * 256}),
                  400).startswith('Invalid input for field/attribute name.')
    assert _fault(api_client.post(H + '/mappings/', json={
        'service_id': service['service_id'], 'cost': 1, 'description': 'd' * 257}),
        400).startswith('Invalid input for field/attribute description.')


def test_keystone_audit_fields_and_policy(sqlite_db, make_api_client):
    client = make_api_client(sqlite_db, auth_strategy='keystone')
    admin = keystone_headers('admin-project', roles='admin', user_id='a1b2c3')
    member = keystone_headers('project', roles='member', user_id='d4e5f6')
    assert client.get(H + '/services/', headers=member).status == 403
    service_id = client.post(H + '/services/', json={'name': 's'},
                             headers=admin).json['service_id']
    mapping = client.post(H + '/mappings/', json={'service_id': service_id, 'cost': 1},
                          headers=admin).json
    assert mapping['created_by'] == 'a1b2c3'
    url = H + '/mappings/%s' % mapping['mapping_id']
    assert client.delete(url, headers=admin).status == 204
    assert client.get(url, headers=admin).json['deleted_by'] == 'a1b2c3'


@pytest.mark.parametrize('route, attribute, value, digits', [
    ('mappings', 'cost', '1e12', 12),
    ('thresholds', 'cost', '-1000000000000', 12),
    ('thresholds', 'level', '1' + '0' * 40, 12),
])
def test_numbers_too_large_for_their_column_are_400(api_client, service, route, attribute,
                                                     value, digits):
    body = {'service_id': service['service_id'], 'cost': '1', 'level': '1', attribute: value}
    if route == 'mappings':
        del body['level']
    created = api_client.post(H + '/' + route, json=body)
    assert _fault(created, 400) == (
        'Invalid %s %s: at most %d digits are stored before the decimal point.'
        % (attribute, value if 'e' not in value else '1E+12', digits))

    fine = api_client.post(H + '/' + route, json=dict(body, **{attribute: '99999999999'}))
    assert fine.status == 201
    record_id = fine.json[route[:-1] + '_id']
    updated = api_client.put('%s/%s/%s' % (H, route, record_id),
                             json=dict(fine.json, **{attribute: value}))
    assert updated.status == 400
    assert api_client.get('%s/%s/%s' % (H, route, record_id)).json[attribute].startswith(
        '99999999999.')

"""``/v1/rating/module_config/pyscripts`` over WSGI (contract §1.5, §12.7)."""
import datetime
import hashlib

import pytest

from cloudkitty.common import tz

P = '/v1/rating/module_config/pyscripts'
SCRIPT_KEYS = {'script_id', 'name', 'data', 'checksum', 'created_at', 'start', 'end',
               'description', 'deleted', 'created_by', 'updated_by', 'deleted_by'}


# One anchor for every relative date of a run (tests take seconds, offsets hours).
_NOW = tz.utcnow().replace(microsecond=0)


def _iso(hours_from_now: float) -> str:
    return (_NOW + datetime.timedelta(hours=hours_from_now)).isoformat()


def _fault(response, status: int) -> str:
    assert response.status == status, response.text
    return response.json['faultstring']


@pytest.fixture
def script(api_client) -> dict:
    # The CLI sends unset options as null.
    response = api_client.post(P + '/scripts/', json={
        'name': 'p1', 'data': 'a = 0', 'start': None, 'end': None, 'description': None})
    assert response.status == 201, response.text
    assert response.headers['Location'].endswith('/scripts/%s' % response.json[
        'script_id'])
    return response.json


def test_create_shape_and_checksum(script):
    assert set(script) == SCRIPT_KEYS
    assert script['data'] == 'a = 0'
    assert script['checksum'] == hashlib.sha512(b'a = 0').hexdigest()
    assert script['checksum'].startswith('4c612e33')
    assert (script['created_by'], script['end'], script['deleted']) == (
        'unknown', None, None)


def test_list_get_and_no_data(api_client, script):
    assert api_client.get(P + '/scripts/').json == {'scripts': [script]}
    without_data = api_client.get(P + '/scripts/', params={'no_data': 'True'}).json
    assert without_data == {'scripts': [{k: v for k, v in script.items() if k != 'data'}]}
    assert api_client.get(P + '/scripts/%s' % script['script_id']).json == script


def test_empty_list_and_typo_path(api_client):
    assert api_client.get(P + '/scripts').json == {'scripts': []}
    assert api_client.get(P + '/script').status == 405


def test_create_errors(api_client, script):
    assert _fault(api_client.post(P + '/scripts/', json={'name': 'p1', 'data': 'b = 1'}),
                  409) == 'Script p1 already exists (UUID: %s)' % script['script_id']
    assert _fault(api_client.post(P + '/scripts/', json={'name': 'p2'}), 400) == (
        "Invalid input for field/attribute data. Value: 'None'. Mandatory field missing.")
    assert _fault(api_client.post(P + '/scripts/', json={'data': 'a'}), 400) == (
        "Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
    assert _fault(api_client.post(P + '/scripts/', json={
        'name': 'p2', 'data': 'a', 'start': _iso(-1)}), 400).startswith(
        'Cannot create a rule with start in the past.')
    forced = api_client.post(P + '/scripts/?force=true', json={
        'name': 'p2', 'data': 'a', 'start': _iso(-1)})
    assert forced.status == 201


def test_put_running_script(api_client, script):
    url = P + '/scripts/%s' % script['script_id']
    assert _fault(api_client.put(url, json={'name': 'p1', 'data': 'a = 1'}), 400) == (
        'You are allowed to update only the attribute [end] as this rule is already '
        'running as it started on [%s]' % script['start'].replace('T', ' '))
    # What the CLI sends: the fetched object without checksum, with changes.
    fetched = api_client.get(url).json
    del fetched['checksum']
    response = api_client.put(url, json=dict(fetched, end=_iso(1)))
    assert response.status == 201
    assert response.headers['Location'] == 'http://localhost%s/%s' % (
        url, script['script_id'])
    assert response.json['end'] == _iso(1)
    assert response.json['data'] == 'a = 0'


def test_put_not_started_script(api_client):
    created = api_client.post(P + '/scripts/', json={
        'name': 'later', 'data': 'a = 0', 'start': _iso(2), 'description': 'x'}).json
    url = P + '/scripts/%s' % created['script_id']
    response = api_client.put(url, json={'name': 'later', 'data': 'a = 2'})
    assert response.status == 201
    assert response.json['data'] == 'a = 2'
    assert response.json['checksum'] == hashlib.sha512(b'a = 2').hexdigest()
    assert response.json['description'] is None
    assert response.json['start'] == created['start']
    assert response.json['updated_by'] == 'unknown'


def test_delete_and_reuse_name(api_client, script):
    url = P + '/scripts/%s' % script['script_id']
    assert api_client.delete(url).status == 204
    message = 'No such script: None (UUID: %s)' % script['script_id']
    assert _fault(api_client.get(url), 404) == message
    assert _fault(api_client.delete(url), 404) == message
    assert _fault(api_client.put(url, json={'name': 'p1', 'data': 'a'}), 404) == message
    again = api_client.post(P + '/scripts/', json={'name': 'p1', 'data': 'a = 0'})
    assert again.status == 201
    deleted = api_client.get(P + '/scripts/', params={'deleted': 'true'}).json['scripts']
    assert {s['script_id'] for s in deleted} == {script['script_id'],
                                                 again.json['script_id']}

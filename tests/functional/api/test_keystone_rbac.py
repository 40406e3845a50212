"""Keystone mode against a real Keystone: who may call what, and who sees which rows.

One Keystone and one ``cloudkitty-api`` process per test session
(tests.fixtures.keystone_api); every token is issued by Keystone and
validated by keystonemiddleware. The route table is ``rbac_matrix.yaml``.
Rated data for alpha and beta is pushed through ``POST /v2/dataframes`` by
the admin before anything else.
"""
from __future__ import annotations

import decimal
import os
import time
from typing import Any

import pytest
import yaml

from tests.fixtures.keystone_api import USERS, KeystoneApi, keystone_api  # noqa: F401

MATRIX_FILE = os.path.join(os.path.dirname(__file__), 'rbac_matrix.yaml')
WINDOW = {'begin': '2015-01-01T00:00:00', 'end': '2015-02-01T00:00:00'}
HASHMAP = '/v1/rating/module_config/hashmap'
PYSCRIPTS = '/v1/rating/module_config/pyscripts'
#: Hourly periods of rated data per project, and the price of each point.
PERIODS = {'alpha': 3, 'beta': 2}
PRICES = {'alpha': decimal.Decimal('1.5'), 'beta': decimal.Decimal('10.25')}
#: Non-admin users and the project they belong to.
MEMBERS = {name: user.project for name, user in USERS.items() if name != 'admin'}


def _load_matrix() -> dict[str, Any]:
    with open(MATRIX_FILE, encoding='utf-8') as stream:
        return yaml.safe_load(stream)


MATRIX = _load_matrix()


def _fill(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every ``{name}`` placeholder replaced by its id."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


def _rated_frames(projects: dict[str, str]) -> list[dict]:
    """Hourly frames from 2015-01-04T00: two cpu points per period and project."""
    frames = []
    for name, periods in PERIODS.items():
        for hour in range(periods):
            frames.append({
                'period': {'begin': '2015-01-04T%02d:00:00' % hour,
                           'end': '2015-01-04T%02d:00:00' % (hour + 1)},
                'usage': {'cpu': [
                    {'vol': {'unit': 'instance', 'qty': 1},
                     'rating': {'price': str(PRICES[name])},
                     'groupby': {'project_id': projects[name], 'id': '%s-vm%d' % (name, vm),
                                 'user_id': 'user-of-%s' % name},
                     'metadata': {'flavor': 'm1'}} for vm in range(2)]}})
    return frames


def _expected_total(*names: str) -> decimal.Decimal:
    return sum((2 * PERIODS[name] * PRICES[name] for name in names), decimal.Decimal(0))


class Seeder:
    """Admin calls that create what the matrix's placeholders name."""

    def __init__(self, api: KeystoneApi):
        self.api = api

    def create(self, path: str, body: dict, id_key: str) -> str:
        response = self.api.request('POST', path, 'admin', json=body)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()[id_key]

    def ids(self) -> dict[str, str]:
        projects = self.api.projects
        ids = {name: projects[name] for name in ('alpha', 'beta', 'gamma')}
        create = self.create
        ids['service_id'] = create(HASHMAP + '/services', {'name': 'instance'}, 'service_id')
        ids['doomed_service_id'] = create(HASHMAP + '/services', {'name': 'network.bw'},
                                          'service_id')
        field = {'service_id': ids['service_id']}
        ids['field_id'] = create(HASHMAP + '/fields', dict(field, name='flavor'), 'field_id')
        ids['doomed_field_id'] = create(HASHMAP + '/fields', dict(field, name='vcpus'),
                                        'field_id')
        ids['group_id'] = create(HASHMAP + '/groups', {'name': 'rbac_group'}, 'group_id')
        ids['doomed_group_id'] = create(HASHMAP + '/groups', {'name': 'rbac_doomed'},
                                        'group_id')
        mapping = {'field_id': ids['field_id'], 'cost': '2', 'type': 'flat',
                   'start': '2015-01-01', 'group_id': ids['group_id']}
        ids['mapping_id'] = create(HASHMAP + '/mappings?force=true',
                                   dict(mapping, value='m1'), 'mapping_id')
        ids['doomed_mapping_id'] = create(HASHMAP + '/mappings?force=true',
                                          dict(mapping, value='m9'), 'mapping_id')
        threshold = {'service_id': ids['service_id'], 'cost': '0.5', 'type': 'rate',
                     'group_id': ids['group_id']}
        ids['threshold_id'] = create(HASHMAP + '/thresholds', dict(threshold, level='10'),
                                     'threshold_id')
        ids['doomed_threshold_id'] = create(HASHMAP + '/thresholds',
                                            dict(threshold, level='99'), 'threshold_id')
        ids['script_id'] = create(PYSCRIPTS + '/scripts',
                                  {'name': 'rbac_script', 'data': 'a = 1',
                                   'start': '2099-01-01T00:00:00'}, 'script_id')
        ids['doomed_script_id'] = create(PYSCRIPTS + '/scripts',
                                         {'name': 'rbac_doomed', 'data': 'a = 1'},
                                         'script_id')
        for collector, service in (('gnocchi', 'cpu'), ('gnocchi', 'instance')):
            create('/v1/collector/mappings/%s/%s' % (collector, service), {}, 'service')
        create('/v2/scope', {'scope_id': 'rbac-scope', 'scope_key': 'project_id',
                             'fetcher': 'keystone', 'collector': 'prometheus',
                             'last_processed_timestamp': '2015-02-01T00:00:00'}, 'scope_id')
        pushed = self.api.request('POST', '/v2/dataframes', 'admin',
                                  json={'dataframes': _rated_frames(projects)})
        assert pushed.status_code == 204, pushed.text
        return ids


@pytest.fixture(scope='module')
def api(keystone_api) -> KeystoneApi:  # noqa: F811 (the imported fixture)
    return keystone_api


@pytest.fixture(scope='module')
def ids(api) -> dict[str, str]:
    return Seeder(api).ids()


def _route_id(route: dict) -> str:
    return '%s %s' % (route['method'], route['path'])


def _non_admins_first(expect: dict[str, int]) -> list[str]:
    return sorted(expect, key=lambda name: name == 'admin')


def test_matrix_covers_every_user():
    for route in MATRIX['routes']:
        assert set(route['expect']) == set(USERS), _route_id(route)


def test_policy_matrix(api, ids):
    """Each route of the table, in order, with each user's real token."""
    mismatches = []
    for route in MATRIX['routes']:
        path = _fill(route['path'], ids)
        body = _fill(route.get('json'), ids)
        for user in _non_admins_first(route['expect']):
            response = api.request(route['method'], path, user, json=body)
            expected = route['expect'][user]
            if response.status_code != expected:
                mismatches.append('%s %s as %s: %d (expected %d) %s' % (
                    route['method'], path, user, response.status_code, expected,
                    response.text[:200]))
            elif expected == 403:
                assert 'authorized' in response.text or 'Policy' in response.text
    assert not mismatches, '\n'.join(mismatches)


@pytest.mark.parametrize('token', [None, 'not-a-token', 'gAAAAABforged'])
def test_every_route_needs_a_valid_token(api, ids, token):
    for route in MATRIX['routes']:
        response = api.request(route['method'], _fill(route['path'], ids), token=token,
                               json=_fill(route.get('json'), ids))
        assert response.status_code == 401, (_route_id(route), response.text)
        assert response.headers['WWW-Authenticate'].startswith('Keystone uri=')


def test_public_routes_are_open(api):
    for route in MATRIX['public']:
        for token in (None, 'not-a-token'):
            response = api.request(route['method'], route['path'], token=token)
            assert response.status_code == route['status'], route
    assert api.request('GET', '/', token=None).json()['versions']


def test_forged_identity_headers_are_replaced_by_the_tokens(api, ids):
    """keystonemiddleware overwrites X-Roles/X-Project-Id a client sends."""
    forged = {'X-Roles': 'admin', 'X-Project-Id': ids['beta'], 'X-Identity-Status':
              'Confirmed', 'X-User-Id': 'someone', 'X-Is-Admin-Project': 'True'}
    assert api.request('GET', '/v1/rating/modules', 'alpha_reader',
                       headers=forged).status_code == 403
    rows = _v2_summary_projects(api, 'alpha_reader', headers=forged)
    assert rows == {ids['alpha']}


# -- project isolation -------------------------------------------------------

def _refused(response) -> bool:
    """True for a clear 400 (an unknown or repeated argument); fails on anything but 200."""
    if response.status_code == 400:
        assert 'Traceback' not in response.text
        return True
    assert response.status_code == 200, response.text
    return False


def _v2_summary_projects(api: KeystoneApi, user: str, params: Any = None,
                         headers: dict | None = None) -> set[str]:
    query = [*WINDOW.items(), ('groupby', 'project_id'), *(params or [])]
    response = api.request('GET', '/v2/summary', user, params=query, headers=headers)
    if _refused(response):
        return set()
    body = response.json()
    if not body['results']:
        return set()
    column = body['columns'].index('project_id')
    return {row[column] for row in body['results']}


def _v2_frame_projects(api: KeystoneApi, user: str, params: Any = None) -> set[str]:
    response = api.request('GET', '/v2/dataframes', user,
                           params=[*WINDOW.items(), ('limit', 1000), *(params or [])])
    if response.status_code == 404 or _refused(response):
        return set()
    return {point['groupby']['project_id'] for frame in response.json()['dataframes']
            for points in frame['usage'].values() for point in points}


def _v1_frame_projects(api: KeystoneApi, user: str, params: Any = None) -> set[str]:
    response = api.request('GET', '/v1/storage/dataframes', user,
                           params=[*WINDOW.items(), *(params or [])])
    if _refused(response):
        return set()
    return ({frame['tenant_id'] for frame in response.json()['dataframes']}
            | {resource['desc']['project_id'] for frame in response.json()['dataframes']
               for resource in frame['resources']})


def _tricks(ids: dict[str, str], other: str) -> list[list[tuple[str, str]]]:
    """Query strings that try to reach project ``other``'s rows."""
    theirs = ids[other]
    return [
        [],
        [('filters', 'project_id:%s' % theirs)],
        [('filters', 'project_id:%s' % ids['alpha']), ('filters', 'project_id:%s'
                                                        % ids['beta'])],
        [('filters', 'id:%s-vm0' % other)],
        [('filters', 'user_id:user-of-%s' % other)],
        [('groupby', 'user_id'), ('groupby', 'id')],
        [('tenant_id', theirs)],
        [('project_id', theirs)],
        [('all_tenants', 'true')],
        [('scope_key', 'user_id')],
        [('filters', 'project_id:*')],
        [('filters', "project_id:' OR '1'='1")],
        [('offset', '0'), ('limit', '10000')],
    ]


@pytest.mark.parametrize('user', sorted(MEMBERS))
def test_v2_summary_shows_only_the_callers_project(api, ids, user):
    own = ids[MEMBERS[user]]
    other = 'beta' if MEMBERS[user] == 'alpha' else 'alpha'
    for trick in _tricks(ids, other):
        projects = _v2_summary_projects(api, user, trick)
        assert projects <= {own}, (user, trick, projects)
    assert _v2_summary_projects(api, user) == {own}
    total = api.request('GET', '/v2/summary', user, params=WINDOW).json()
    assert decimal.Decimal(str(total['results'][0][total['columns'].index('rate')])) == \
        _expected_total(MEMBERS[user])


@pytest.mark.parametrize('user', sorted(MEMBERS))
def test_v2_dataframes_show_only_the_callers_project(api, ids, user):
    own = ids[MEMBERS[user]]
    other = 'beta' if MEMBERS[user] == 'alpha' else 'alpha'
    for trick in _tricks(ids, other):
        assert _v2_frame_projects(api, user, trick) <= {own}, (user, trick)
    assert _v2_frame_projects(api, user) == {own}


@pytest.mark.parametrize('user', sorted(MEMBERS))
def test_v1_dataframes_show_only_the_callers_project(api, ids, user):
    own = ids[MEMBERS[user]]
    other = 'beta' if MEMBERS[user] == 'alpha' else 'alpha'
    for trick in _tricks(ids, other):
        assert _v1_frame_projects(api, user, trick) <= {own}, (user, trick)
    assert _v1_frame_projects(api, user) == {own}


@pytest.mark.parametrize('user', sorted(MEMBERS))
def test_v1_report_totals_only_the_callers_project(api, ids, user):
    project = MEMBERS[user]
    other = 'beta' if project == 'alpha' else 'alpha'
    total = api.request('GET', '/v1/report/total', user, params=WINDOW)
    assert decimal.Decimal(total.json()) == _expected_total(project)
    summary = api.request('GET', '/v1/report/summary', user,
                          params={**WINDOW, 'groupby': 'tenant_id,res_type'})
    assert [(row['tenant_id'], decimal.Decimal(row['rate']))
            for row in summary.json()['summary']] == [(ids[project],
                                                      _expected_total(project))]
    for route in ('/v1/report/total', '/v1/report/summary'):
        for trick in ({'tenant_id': ids[other]}, {'all_tenants': 'true'},
                      {'all_tenants': 'true', 'tenant_id': ids[project]},
                      {'tenant_id': '%s,%s' % (ids[project], ids[other])},
                      {'tenant_id': ''}):
            response = api.request('GET', route, user, params={**WINDOW, **trick})
            if response.status_code == 200:
                body = response.json()
                rate = body if route.endswith('total') else sum(
                    (decimal.Decimal(row['rate']) for row in body['summary']),
                    decimal.Decimal(0))
                assert decimal.Decimal(rate) in (0, _expected_total(project)), (route, trick)
            else:
                assert response.status_code == 403, (route, trick, response.text)


def test_admin_sees_every_project(api, ids):
    both = {ids['alpha'], ids['beta']}
    assert _v2_summary_projects(api, 'admin') >= both
    assert _v2_frame_projects(api, 'admin') >= both
    assert _v1_frame_projects(api, 'admin') >= both
    total = api.request('GET', '/v1/report/total', 'admin',
                        params={**WINDOW, 'all_tenants': 'true'})
    assert decimal.Decimal(total.json()) == _expected_total('alpha', 'beta')
    assert _v2_summary_projects(api, 'admin', [('filters', 'project_id:%s'
                                                % ids['beta'])]) == {ids['beta']}


def test_secrets_never_reach_the_api_log(api, ids):
    """Tokens (valid, invalid) and passwords are absent from the debug log."""
    for user in USERS:
        api.request('GET', '/v1/rating/modules', user)
        api.request('GET', '/v2/summary', user)
    bogus = 'gAAAAAB-bogus-token-that-must-not-be-logged'
    assert api.request('GET', '/v2/summary', token=bogus).status_code == 401
    # The server writes its access line just after the response is sent.
    deadline = time.monotonic() + 10
    log = api.read_log()
    while '"GET /v2/summary HTTP/1.1" 401' not in log and time.monotonic() < deadline:
        time.sleep(0.1)
        log = api.read_log()
    assert '"GET /v2/summary HTTP/1.1" 401' in log  # the log is the one being written
    secrets = [*api.tokens.values(), bogus, *(user.password for user in USERS.values()),
               'cloudkitty-secret']
    leaked = [secret[:12] + '...' for secret in secrets if secret in log]
    assert not leaked, leaked

"""The Gnocchi fetcher against a real Gnocchi 4.7.1 (contract §6.5)."""
import uuid

import pytest

from cloudkitty.fetcher import get_fetcher
from tests.fixtures.collect import make_conf


@pytest.fixture(scope='module')
def owned_resources(gnocchi_server):
    """Two fresh resource types; their projects by type."""
    names = {kind: 'fetch_%s_%s' % (kind, uuid.uuid4().hex[:8]) for kind in ('a', 'b')}
    for name in names.values():
        gnocchi_server.create_resource_type(name, {})
    projects = {'a': ['p-one', 'p-two', 'p-two', None], 'b': ['p-three', 'p-one']}
    for kind, owners in projects.items():
        for owner in owners:
            gnocchi_server.create_resource(names[kind], {'id': str(uuid.uuid4()),
                                                         'project_id': owner})
    return names


def fetcher(server, **options):
    return get_fetcher(make_conf({
        'fetcher': {'backend': 'gnocchi'},
        'fetcher_gnocchi': {'gnocchi_auth_type': 'basic', 'gnocchi_user': 'admin',
                            'gnocchi_endpoint': server.url, **options},
    }))


def test_distinct_projects_of_every_resource_type(gnocchi_server, owned_resources):
    found = fetcher(gnocchi_server, resource_types=[owned_resources['a'],
                                                    owned_resources['b']]).get_tenants()
    assert sorted(found) == ['p-one', 'p-three', 'p-two']


def test_one_resource_type(gnocchi_server, owned_resources):
    found = fetcher(gnocchi_server, resource_types=[owned_resources['b']]).get_tenants()
    assert sorted(found) == ['p-one', 'p-three']


def test_generic_type_by_default_sees_every_resource(gnocchi_server, owned_resources):
    assert {'p-one', 'p-two', 'p-three'} <= set(fetcher(gnocchi_server).get_tenants())


def test_other_scope_attribute(gnocchi_server, owned_resources):
    # user_id is never set here: no scope, and no endless re-query either.
    assert fetcher(gnocchi_server, scope_attribute='user_id',
                   resource_types=[owned_resources['a']]).get_tenants() == []

"""The Keystone fetcher against a real Keystone 30 (contract §6.5).

The seeded projects are described in tests.fixtures.keystone: alpha is rated,
beta is not (the CloudKitty user has another role there), gamma is rated but
disabled.
"""
import pytest

from cloudkitty.common import exception
from cloudkitty.fetcher import get_fetcher
from cloudkitty.service import prepare_service


def make_fetcher(tmp_path, keystone_server, **options):
    """The fetcher configured from a file, as keystoneauth plugin options need."""
    lines = ['[fetcher]', 'backend = keystone', '[fetcher_keystone]']
    settings = keystone_server.fetcher_options() | options
    lines += ['%s = %s' % item for item in settings.items()]
    path = tmp_path / 'cloudkitty.conf'
    path.write_text('\n'.join(lines) + '\n')
    return get_fetcher(prepare_service([], [str(path)], setup_logging=False))


def ids(keystone_server, *names):
    return sorted(keystone_server.projects[name] for name in names)


def test_only_projects_with_the_rating_role(tmp_path, keystone_server):
    fetcher = make_fetcher(tmp_path, keystone_server)
    assert sorted(fetcher.get_tenants()) == ids(keystone_server, 'alpha', 'gamma')


def test_disabled_projects_can_be_ignored(tmp_path, keystone_server):
    fetcher = make_fetcher(tmp_path, keystone_server, ignore_disabled_tenants='true')
    assert fetcher.get_tenants() == ids(keystone_server, 'alpha')


def test_ignore_rating_role_lists_every_project(tmp_path, keystone_server):
    fetcher = make_fetcher(tmp_path, keystone_server, ignore_rating_role='true')
    assert sorted(fetcher.get_tenants()) == ids(
        keystone_server, 'admin', 'service', 'alpha', 'beta', 'gamma')


def test_ignore_both_keeps_enabled_projects(tmp_path, keystone_server):
    fetcher = make_fetcher(tmp_path, keystone_server, ignore_rating_role='true',
                           ignore_disabled_tenants='true')
    assert sorted(fetcher.get_tenants()) == ids(
        keystone_server, 'admin', 'service', 'alpha', 'beta')


def test_wrong_password_is_an_error(tmp_path, keystone_server):
    fetcher = make_fetcher(tmp_path, keystone_server, password='wrong')
    with pytest.raises(exception.CloudKittyError, match='Cannot list the projects'):
        fetcher.get_tenants()


def test_missing_auth_type_is_a_configuration_error(tmp_path, keystone_server):
    with pytest.raises(exception.ConfigurationError, match=r'\[fetcher_keystone\] auth_type'):
        make_fetcher(tmp_path, keystone_server, auth_type='')

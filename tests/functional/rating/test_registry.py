"""Module list, states and priorities as the API sees them (contract §1.3, §12.19)."""
from __future__ import annotations

import pytest

from cloudkitty.common import exception
from cloudkitty.rating import registry
from tests.fixtures import factories


def test_installed_modules_in_discovery_order():
    assert registry.installed_module_names() == ['hashmap', 'noop', 'pyscripts']


def test_out_of_the_box_only_noop_is_enabled(conf, db):
    modules = registry.list_modules(conf, db)

    assert [(m.name, m.enabled, m.priority, m.hot_config) for m in modules] == [
        ('hashmap', False, 1, True), ('noop', True, 1, False), ('pyscripts', False, 1, True)]
    assert modules[0].description == 'HashMap rating module.'
    assert modules[1].description == 'Dummy test module.'


def test_update_applies_only_changed_values(conf, sqlite_db):
    assert registry.update_module(conf, sqlite_db, 'hashmap', enabled=True,
                                  priority=1) == (True, False)
    assert registry.update_module(conf, sqlite_db, 'hashmap', enabled=True,
                                  priority=5) == (False, True)
    assert registry.update_module(conf, sqlite_db, 'hashmap') == (False, False)

    module = registry.get_module(conf, sqlite_db, 'hashmap')
    assert (module.enabled, module.priority) == (True, 5)


def test_stored_priority_zero_reads_back_as_one(conf, sqlite_db):
    factories.set_module_state(sqlite_db, 'pyscripts', enabled=True, priority=0)

    assert registry.get_module(conf, sqlite_db, 'pyscripts').priority == 1
    assert registry.update_module(conf, sqlite_db, 'pyscripts', priority=1) == (False, False)


def test_noop_ignores_updates(conf, sqlite_db):
    assert registry.update_module(conf, sqlite_db, 'noop', enabled=False,
                                  priority=9) == (False, False)

    module = registry.get_module(conf, sqlite_db, 'noop')
    assert (module.enabled, module.priority) == (True, 1)


@pytest.mark.parametrize('call', [
    lambda conf, db: registry.get_module(conf, db, 'nope'),
    lambda conf, db: registry.update_module(conf, db, 'nope', enabled=True),
])
def test_unknown_module_is_not_found(conf, sqlite_db, call):
    with pytest.raises(exception.ModuleNotFound, match='Module not found.'):
        call(conf, sqlite_db)

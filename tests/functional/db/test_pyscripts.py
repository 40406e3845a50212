"""PyScripts rule management on every database backend (contract §1.5, §12.7)."""
import datetime

import pytest

from cloudkitty.common import tz
from cloudkitty.db import pyscripts, volatile_rules
from cloudkitty.rating.pyscripts import codec

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def scripts(db) -> pyscripts.PyScriptRules:
    return pyscripts.PyScriptRules(db)


def _encoded(source: str) -> dict:
    return {'data': codec.compress(source), 'checksum': codec.checksum(source)}


# One anchor for every relative date of a run (tests take seconds, offsets hours).
_NOW = tz.utcnow().replace(microsecond=0)


def _hours_from_now(hours: int) -> datetime.datetime:
    return _NOW + hours * HOUR


def test_create_get_list_delete(scripts):
    script = scripts.create_script(name='p1', **_encoded('a = 0'), user='alice')
    assert codec.decompress(script.data) == 'a = 0'
    assert script.checksum == codec.checksum('a = 0')
    assert script.created_by == 'alice'
    assert scripts.get_script(script.script_id) == script
    assert scripts.list_scripts() == [script]
    scripts.delete_script(script.script_id, user='bob')
    with pytest.raises(pyscripts.ScriptNotFound) as error:
        scripts.get_script(script.script_id)
    assert error.value.message == 'No such script: None (UUID: %s)' % script.script_id
    with pytest.raises(pyscripts.ScriptNotFound):
        scripts.delete_script(script.script_id)
    deleted, = scripts.list_scripts(volatile_rules.RuleWindowFilters(deleted=True))
    assert deleted.deleted_by == 'bob'


def test_live_names_are_unique_and_deleted_names_reusable(scripts):
    first = scripts.create_script(name='p1', **_encoded('a = 0'))
    with pytest.raises(pyscripts.ScriptAlreadyExists) as error:
        scripts.create_script(name='p1', **_encoded('a = 1'))
    assert error.value.code == 409
    assert error.value.message == 'Script p1 already exists (UUID: %s)' % first.script_id
    scripts.delete_script(first.script_id)
    second = scripts.create_script(name='p1', **_encoded('a = 1'))
    assert second.script_id != first.script_id


def test_create_window_validation(scripts):
    with pytest.raises(volatile_rules.InvalidRule):
        scripts.create_script(name='p', start=_hours_from_now(-1), **_encoded('a = 0'))
    with pytest.raises(volatile_rules.InvalidRule):
        scripts.create_script(name='p', start=_hours_from_now(2), end=_hours_from_now(1),
                              **_encoded('a = 0'))
    forced = scripts.create_script(name='p', start=_hours_from_now(-1), force=True,
                                   **_encoded('a = 0'))
    assert forced.start == _hours_from_now(-1)


def test_update_not_started_replaces_source_and_window(scripts):
    script = scripts.create_script(name='p', start=_hours_from_now(1),
                                   description='old', **_encoded('a = 0'))
    updated = scripts.update_script(script.script_id, {
        'name': 'renamed', **_encoded('a = 2'), 'end': _hours_from_now(3)}, user='carol')
    assert codec.decompress(updated.data) == 'a = 2'
    assert updated.checksum == codec.checksum('a = 2')
    assert (updated.name, updated.start, updated.end) == ('p', script.start,
                                                          _hours_from_now(3))
    assert updated.description is None
    assert updated.updated_by == 'carol'


def test_update_running_script_accepts_same_source_and_an_end(scripts):
    script = scripts.create_script(name='p', start=_hours_from_now(-1), force=True,
                                   **_encoded('a = 0'))
    with pytest.raises(volatile_rules.InvalidRule) as error:
        scripts.update_script(script.script_id, {'name': 'p', **_encoded('a = 1')})
    assert error.value.message == (
        'You are allowed to update only the attribute [end] as this rule is already '
        'running as it started on [%s]' % script.start)
    ended = scripts.update_script(script.script_id, {
        'name': 'p', **_encoded('a = 0'), 'end': _hours_from_now(1)})
    assert ended.end == _hours_from_now(1)
    with pytest.raises(volatile_rules.InvalidRule) as error:
        scripts.update_script(script.script_id, {'name': 'p'})
    assert error.value.message == ('Cannot update a rule that was already processed and '
                                   'has a defined end date.')


def test_list_window_filters(scripts):
    running = scripts.create_script(name='a', description='Daily Price',
                                    **_encoded('a = 0'), user='u1')
    later = scripts.create_script(name='b', start=_hours_from_now(2),
                                  end=_hours_from_now(4), **_encoded('a = 0'))

    def names(**kwargs):
        return [s.name for s in scripts.list_scripts(
            volatile_rules.RuleWindowFilters(**kwargs))]

    assert names() == ['a', 'b']
    assert names(is_active=True) == [running.name]
    assert names(start=_hours_from_now(1)) == [later.name]
    assert names(end=_hours_from_now(5)) == [later.name]
    assert names(description='PRICE') == ['a']
    assert names(created_by='u1') == ['a']

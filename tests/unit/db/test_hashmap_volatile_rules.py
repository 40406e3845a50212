"""The volatile-rule update rules shared by mappings and scripts (contract §1.4)."""
import datetime
import decimal
import types

import pytest

from cloudkitty.common import tz
from cloudkitty.db import volatile_rules

HOUR = datetime.timedelta(hours=1)
NOW = tz.utcnow().replace(microsecond=0)


def _rule(start, end=None, cost='1', description='kept'):
    return types.SimpleNamespace(start=start, end=end, cost=decimal.Decimal(cost),
                                 description=description, updated_by=None)


def _update(rule, body):
    def differs(name, value):
        return getattr(rule, name) != value

    volatile_rules.apply_update(rule, body, 'editor', rewritable=('cost',),
                                differs=differs)


def test_new_window_rules():
    volatile_rules.validate_new_window(NOW + HOUR, None, NOW)
    volatile_rules.validate_new_window(NOW - HOUR, NOW, NOW, force=True)
    with pytest.raises(volatile_rules.InvalidRule, match='start in the past'):
        volatile_rules.validate_new_window(NOW - HOUR, None, NOW)
    with pytest.raises(volatile_rules.InvalidRule, match='start after end'):
        volatile_rules.validate_new_window(NOW + 2 * HOUR, NOW + HOUR, NOW)


def test_not_started_rule_is_rewritten():
    rule = _rule(NOW + HOUR, NOW + 2 * HOUR)
    _update(rule, {'cost': decimal.Decimal(5), 'end': NOW + 3 * HOUR})
    assert (rule.start, rule.end, rule.cost) == (NOW + HOUR, NOW + 3 * HOUR, 5)
    assert rule.description is None
    assert rule.updated_by == 'editor'
    _update(rule, {'start': NOW + 2 * HOUR})
    assert (rule.start, rule.end, rule.cost) == (NOW + 2 * HOUR, None, 5)


def test_running_rule_only_gets_an_end():
    rule = _rule(NOW - HOUR)
    with pytest.raises(volatile_rules.InvalidRule, match=r'only the attribute \[end\]'):
        _update(rule, {'cost': decimal.Decimal(2), 'end': NOW + HOUR})
    with pytest.raises(volatile_rules.InvalidRule, match='End date must be in the future'):
        _update(rule, {'end': NOW - 0.5 * HOUR})
    # Same values, empty values and read-only attributes are not changes.
    _update(rule, {'cost': decimal.Decimal('1.000'), 'description': None,
                   'created_by': 'someone', 'end': NOW + HOUR})
    assert (rule.end, rule.description, rule.updated_by) == (NOW + HOUR, 'kept', 'editor')


def test_rule_with_past_start_and_end_is_frozen_but_repeat_is_a_no_op():
    rule = _rule(NOW - HOUR, NOW + HOUR)
    _update(rule, {'cost': decimal.Decimal(1), 'end': NOW + HOUR})
    assert rule.updated_by is None
    for body in ({'end': NOW + 2 * HOUR}, {'end': NOW + HOUR, 'cost': decimal.Decimal(3)},
                 {'cost': decimal.Decimal(1)}):
        with pytest.raises(volatile_rules.InvalidRule, match='already processed'):
            _update(rule, body)


def test_soft_delete_records_who_and_when():
    rule = types.SimpleNamespace(deleted=None, deleted_by=None)
    volatile_rules.soft_delete(rule, 'remover')
    assert rule.deleted >= NOW
    assert rule.deleted_by == 'remover'

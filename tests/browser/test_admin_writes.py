"""As admin: the dashboard's write forms change what the API stores and quotes."""
from __future__ import annotations

import datetime
import decimal
import time

import pytest

from cloudkitty.common import tz
from tests.browser import helpers

pytestmark = pytest.mark.browser

HASHMAP = '/v1/rating/module_config/hashmap'
PYSCRIPTS = '/v1/rating/module_config/pyscripts/scripts'
MINUTE = datetime.timedelta(minutes=1)


def _module(rating_stack, name: str) -> dict:
    response = rating_stack.get('/v1/rating/modules/%s' % name)
    assert response.status_code == 200, response.text
    return response.json()


def _toggle_module(board, name: str, action: str) -> None:
    board.open('/admin/rating_modules/')
    button = board.page.locator('tr:has(a:text-is("%s")) button:has-text("%s")'
                                % (name, action)).first
    with board.page.expect_navigation(wait_until='load'):
        button.click(no_wait_after=True)


def test_rating_modules_enable_disable_and_priority(admin, rating_stack):
    assert _module(rating_stack, 'pyscripts')['enabled'] is False
    _toggle_module(admin, 'pyscripts', 'Enable Module')
    assert _module(rating_stack, 'pyscripts')['enabled'] is True
    admin.screenshot('admin-rating-modules-enabled')

    admin.open('/admin/rating_modules/edit_priority/pyscripts/')
    admin.page.fill('#id_priority', '5')
    admin.submit_form()
    assert _module(rating_stack, 'pyscripts')['priority'] == 5
    row = admin.page.locator('tr:has(a:text-is("pyscripts"))').inner_text()
    assert '\t5\t' in row

    _toggle_module(admin, 'pyscripts', 'Disable Module')
    assert _module(rating_stack, 'pyscripts')['enabled'] is False


def _script(rating_stack, script_id: str) -> dict:
    return rating_stack.get(PYSCRIPTS + '/%s' % script_id).json()


def _update_script(board, script_id: str, data: str) -> None:
    board.open('/admin/pyscripts/update/%s/' % script_id)
    board.page.fill('#id_script_data', data)
    board.submit_form()


def test_pyscripts_create_and_update(admin, rating_stack):
    admin.open('/admin/pyscripts/create/')
    admin.page.fill('#id_name', 'weekend_discount')
    admin.page.fill('#id_script_data', 'import decimal\n')
    admin.submit_form()
    scripts = rating_stack.get(PYSCRIPTS + '/').json()['scripts']
    script = next(s for s in scripts if s['name'] == 'weekend_discount')
    assert script['data'] == 'import decimal'
    admin.open('/admin/pyscripts/', screenshot='admin-pyscripts-list')
    assert script['checksum'] in admin.text()

    # The form creates scripts that start now; like CloudKitty 25, a running
    # rule only lets its end change, and the dashboard shows its error.
    _update_script(admin, script['script_id'], 'pass  # updated\n')
    assert any('Unable to update script' in alert for alert in admin.alerts()), admin.alerts()
    assert _script(rating_stack, script['script_id'])['data'] == 'import decimal'

    # A script scheduled for tomorrow (CLI --start) is updated through the form.
    tomorrow = (tz.utcnow() + datetime.timedelta(days=1)).replace(microsecond=0)
    response = rating_stack.admin_session.post(
        rating_stack.url + PYSCRIPTS + '/', json={
            'name': 'next_tariff', 'data': 'import decimal', 'start': tomorrow.isoformat()},
        raise_exc=False)
    assert response.status_code == 201, response.text
    scheduled = response.json()
    _update_script(admin, scheduled['script_id'], 'pass  # updated\n')
    updated = _script(rating_stack, scheduled['script_id'])
    assert updated['data'] == 'pass  # updated'
    assert updated['checksum'] != scheduled['checksum']
    admin.open('/admin/pyscripts/%s/' % scheduled['script_id'], screenshot='admin-pyscript')
    assert 'pass # updated' in admin.text()  # HTML collapses the double space


def _only(rating_stack, path: str, key: str, **params) -> dict:
    items = rating_stack.get(HASHMAP + path, **params).json()[key]
    assert len(items) == 1, items
    return items[0]


def _quote(board, desc: dict, volume: str) -> str:
    """What the launch-instance price step posts to Horizon (XHR with CSRF)."""
    return board.page.evaluate("""async ([desc, volume]) => {
        const csrf = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
        const answer = await fetch('/project/rating/quote', {method: 'POST',
          headers: {'X-Requested-With': 'XMLHttpRequest',
                    'Content-Type': 'application/json',
                    'X-CSRFToken': csrf ? csrf.split('=')[1] : ''},
          body: JSON.stringify([{desc: desc, volume: volume}])});
        return answer.status + ' ' + await answer.text();
    }""", [desc, volume])


def _rated(rating_stack, scope_id: str, begin: datetime.datetime) -> list[dict]:
    """The summary of the one-minute period starting at ``begin`` ([] until rated)."""
    return rating_stack.summary(begin=begin.isoformat(),
                                end=(begin + MINUTE).isoformat(),
                                filters='project_id:%s' % scope_id)


def test_hashmap_rules_through_the_forms_price_the_quote(admin, rating_stack):
    page = admin.page
    gamma = rating_stack.projects['gamma']
    rating_stack.start_live_scope(gamma, 'm1.small')
    # Replace the sample's instance rules: delete the service (DELETE with a body).
    admin.open('/admin/hashmap/')
    page.locator('tr:has(a:text-is("instance")) button:has-text("Delete")').first.click()
    with page.expect_navigation(wait_until='load'):
        page.locator('.modal-footer .btn-danger, .modal-footer .btn-primary').first.click(
            no_wait_after=True)
    assert any('Deleted' in alert for alert in admin.alerts()), admin.alerts()
    names = {s['name'] for s in rating_stack.get(HASHMAP + '/services/').json()['services']}
    assert 'instance' not in names

    admin.open('/admin/hashmap/create_group/')
    page.fill('#id_name', 'compute')
    admin.submit_form()
    group = next(g for g in rating_stack.get(HASHMAP + '/groups/').json()['groups']
                 if g['name'] == 'compute')

    admin.open('/admin/hashmap/create_service/')
    page.select_option('#id_service', 'instance')
    admin.submit_form()
    service = next(s for s in rating_stack.get(HASHMAP + '/services/').json()['services']
                   if s['name'] == 'instance')
    service_id = service['service_id']

    admin.open('/admin/hashmap/create_field/service/%s/' % service_id)
    page.fill('#id_field', 'flavor_name')
    admin.submit_form()
    field = _only(rating_stack, '/fields/', 'fields', service_id=service_id)
    assert field['name'] == 'flavor_name'

    admin.open('/admin/hashmap/create_mapping/service/%s/' % service_id)
    page.select_option('#id_type', 'flat')
    page.fill('#id_cost', '0.5')
    page.select_option('#id_group_id', label='compute')
    admin.submit_form()
    admin.open('/admin/hashmap/create_mapping/field/%s/' % field['field_id'])
    page.fill('#id_value', 'm1.small')
    page.select_option('#id_type', 'rate')
    page.fill('#id_cost', '3')
    page.select_option('#id_group_id', label='compute')
    admin.submit_form()
    admin.open('/admin/hashmap/create_threshold/service/%s/' % service_id)
    page.fill('#id_level', '10')
    page.select_option('#id_type', 'rate')
    page.fill('#id_cost', '0.5')
    page.select_option('#id_group_id', label='compute')
    admin.submit_form()

    rules_made = tz.utcnow()
    service_mapping = _only(rating_stack, '/mappings/', 'mappings', service_id=service_id)
    assert (service_mapping['type'], decimal.Decimal(service_mapping['cost']),
            service_mapping['group_id']) == ('flat', decimal.Decimal('0.5'), group['group_id'])
    field_mapping = _only(rating_stack, '/mappings/', 'mappings', field_id=field['field_id'])
    assert (field_mapping['value'], field_mapping['type'],
            decimal.Decimal(field_mapping['cost']), field_mapping['group_id']) == (
        'm1.small', 'rate', 3, group['group_id'])
    threshold = _only(rating_stack, '/thresholds/', 'thresholds', service_id=service_id)
    assert (decimal.Decimal(threshold['level']), threshold['type'],
            decimal.Decimal(threshold['cost'])) == (10, 'rate', decimal.Decimal('0.5'))

    admin.open('/admin/hashmap/service/%s/' % service_id,
               screenshot='admin-hashmap-service-created')
    admin.open('/admin/hashmap/group/%s/details/' % group['group_id'],
               screenshot='admin-hashmap-group-created')
    assert 'm1.small' in admin.text()

    # The launch-instance price step: 0.5 per instance, and from 10 instances
    # on the group's rate threshold halves it. Like CloudKitty, the quote only
    # reads desc.groupby/desc.metadata: the step's flat desc keys (flavor...)
    # reach no field rule, a desc with metadata gets the flavor's rate too.
    admin.open('/project/rating/')
    flat_desc = {'flavor_name': 'm1.small', 'vcpus': 1}
    assert _quote(admin, flat_desc, '1') == '200 0.5'
    assert _quote(admin, flat_desc, '10') == '200 2.5'
    assert _quote(admin, {'metadata': {'flavor_name': 'm1.small'}}, '1') == '200 1.5'
    assert _quote(admin, {'metadata': {'flavor_name': 'm1.small'}}, '10') == '200 7.5'
    assert _quote(admin, {'metadata': {'flavor_name': 'm1.tiny'}}, '1') == '200 0.5'

    # The next period the processor rates uses them: gamma runs one m1.small
    # instance, rated minute by minute (0.5 flat x 3 rate).
    next_period = rules_made.replace(second=0, microsecond=0) + MINUTE
    deadline = time.monotonic() + 240
    while not (rows := _rated(rating_stack, gamma, next_period)):
        assert time.monotonic() < deadline, 'the period %s was not rated' % next_period
        time.sleep(2)
    assert helpers.total(rows) == '1.50'

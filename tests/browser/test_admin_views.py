"""As admin: the cost panels show what ``/v2/summary`` answers, every panel renders."""
from __future__ import annotations

import pytest

from tests.browser import helpers

pytestmark = pytest.mark.browser


def test_project_rating_shows_the_month_of_every_scope(admin, rating_stack):
    def api():
        rows = rating_stack.summary(begin=helpers.month_start_iso(), end=helpers.now_iso(),
                                    groupby='type')
        return helpers.total(rows), helpers.by_type(rows)

    shown, expected = helpers.same_as_api(lambda: helpers.rating_page(admin), api)
    assert shown == expected
    # Every metric of the sample cloud is rated, cloud-wide for an admin.
    assert set(shown[1]) == {'instance', 'volume.size', 'ip.floating', 'image.size',
                             'network.outgoing.bytes'}
    assert float(shown[0]) > 0


def test_reporting_shows_the_month_and_each_day(admin, rating_stack):
    def page():
        admin.open('/project/reporting/', screenshot='admin-project-reporting',
                   settle_ms=3000)
        return helpers.reporting_totals(admin.page.content())

    def api():
        return helpers.by_type(rating_stack.summary(
            begin=helpers.month_start_iso(), end=helpers.end_of_today_iso(),
            groupby='type'))

    shown, expected = helpers.same_as_api(page, api)
    assert shown == expected
    assert len(shown) == 5


def test_rating_summary_lists_each_project(admin, rating_stack):
    projects = rating_stack.projects

    def page():
        admin.open('/admin/rating_summary/', screenshot='admin-rating-summary')
        return {row[1]: row[2] for row in helpers.cells(admin, 'table tbody tr') if len(row) == 3}

    def api():
        rows = rating_stack.summary(groupby='project_id')
        names = {project_id: name for name, project_id in projects.items()}
        totals = {names[row['project_id']]: helpers.money(row['rate']) for row in rows}
        totals['Cloud Total'] = helpers.total(rows)
        return totals

    shown, expected = helpers.same_as_api(page, api)
    assert shown == expected
    assert {'alpha', 'beta', 'service', 'Cloud Total'} == set(shown)


def test_rating_summary_of_one_project(admin, rating_stack):
    alpha = rating_stack.projects['alpha']

    def page():
        admin.open('/admin/rating_summary/%s/' % alpha,
                   screenshot='admin-rating-summary-project')
        return {row[0]: row[1] for row in helpers.cells(admin, 'table tbody tr') if len(row) == 2}

    def api():
        rows = rating_stack.summary(groupby='type', filters='project_id:%s' % alpha)
        return helpers.by_type(rows) | {'TOTAL': helpers.total(rows)}

    shown, expected = helpers.same_as_api(page, api)
    assert shown == expected


PANELS = [
    ('admin-rating-modules', '/admin/rating_modules/'),
    ('admin-rating-module-details', '/admin/rating_modules/hashmap/'),
    ('admin-rating-module-priority', '/admin/rating_modules/edit_priority/hashmap/'),
    ('admin-hashmap', '/admin/hashmap/'),
    ('admin-hashmap-create-service', '/admin/hashmap/create_service/'),
    ('admin-hashmap-create-group', '/admin/hashmap/create_group/'),
    ('admin-pyscripts', '/admin/pyscripts/'),
    ('admin-pyscripts-create', '/admin/pyscripts/create/'),
    ('admin-rating-summary-all', '/admin/rating_summary/ALL/'),
]


@pytest.mark.parametrize(('name', 'path'), PANELS, ids=[name for name, _ in PANELS])
def test_panel_renders(admin, name, path):
    visit = admin.open(path, screenshot=name)
    assert visit.status == 200, admin.error_summary()


def test_hashmap_detail_pages_render(admin, rating_stack):
    """Service, field, group and rule forms of the sample rules (with real ids)."""
    hashmap = '/v1/rating/module_config/hashmap'
    services = rating_stack.get(hashmap + '/services/').json()['services']
    volume = next(s for s in services if s['name'] == 'volume.size')
    field = rating_stack.get(hashmap + '/fields/', service_id=volume['service_id']
                             ).json()['fields'][0]
    mapping = rating_stack.get(hashmap + '/mappings/', field_id=field['field_id']
                               ).json()['mappings'][0]
    group = rating_stack.get(hashmap + '/groups/').json()['groups'][0]
    pages = [
        ('admin-hashmap-service', '/admin/hashmap/service/%s/' % volume['service_id']),
        ('admin-hashmap-field', '/admin/hashmap/field/%s/' % field['field_id']),
        ('admin-hashmap-group', '/admin/hashmap/group/%s/details/' % group['group_id']),
        ('admin-hashmap-edit-mapping',
         '/admin/hashmap/edit_mapping/field/%s/' % mapping['mapping_id']),
        ('admin-hashmap-create-field',
         '/admin/hashmap/create_field/service/%s/' % volume['service_id']),
    ]
    for name, path in pages:
        visit = admin.open(path, screenshot=name)
        assert visit.status == 200, (path, admin.error_summary())
    # The service page lists the field and the group page its rules.
    admin.open('/admin/hashmap/service/%s/' % volume['service_id'])
    assert 'volume_type' in admin.text()


def test_group_page_without_details_is_the_dashboard_bug(admin, rating_stack):
    """``group/<id>/`` reads ``.group_id`` on a dict (the table links to details/)."""
    group = rating_stack.get('/v1/rating/module_config/hashmap/groups/').json()['groups'][0]
    visit = admin.open('/admin/hashmap/group/%s/' % group['group_id'])
    assert visit.status == 500
    assert "has no attribute 'group_id'" in admin.error_summary()

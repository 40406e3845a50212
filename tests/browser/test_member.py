"""As ``demo``, a member of alpha: alpha's costs only, and no rules or other projects.

The dashboard sends no project filter from the Project panels, and lets a
member open the admin panels by URL: the API has to scope and refuse.
"""
from __future__ import annotations

import pytest

from tests.browser import helpers, stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def demo_session(rating_stack):
    return rating_stack.session(stack.DEMO_USER, stack.DEMO_PASSWORD, 'alpha')


def test_project_rating_shows_alpha_only(demo, rating_stack, demo_session):
    alpha = rating_stack.projects['alpha']

    def api():
        # What an admin sees of alpha alone, and what demo's own token gets.
        rows = rating_stack.summary(begin=helpers.month_start_iso(), end=helpers.now_iso(),
                                    groupby='type', filters='project_id:%s' % alpha)
        own = rating_stack.summary(demo_session, begin=helpers.month_start_iso(),
                                   end=helpers.now_iso(), groupby='type')
        assert helpers.by_type(own) == helpers.by_type(rows)
        return helpers.total(rows), helpers.by_type(rows)

    shown, expected = helpers.same_as_api(lambda: helpers.rating_page(demo), api)
    assert shown == expected
    cloud = helpers.total(rating_stack.summary(begin=helpers.month_start_iso(),
                                               end=helpers.now_iso()))
    assert float(shown[0]) < float(cloud)


def test_reporting_shows_alpha_only(demo, rating_stack):
    alpha = rating_stack.projects['alpha']

    def page():
        demo.open('/project/reporting/', screenshot='demo-project-reporting', settle_ms=3000)
        return helpers.reporting_totals(demo.page.content())

    def api():
        return helpers.by_type(rating_stack.summary(
            begin=helpers.month_start_iso(), end=helpers.end_of_today_iso(),
            groupby='type', filters='project_id:%s' % alpha))

    shown, expected = helpers.same_as_api(page, api)
    assert shown == expected


def test_summary_of_other_projects_is_not_given(rating_stack, demo_session):
    beta = rating_stack.projects['beta']
    rows = rating_stack.summary(demo_session, groupby='project_id')
    assert {row['project_id'] for row in rows} == {rating_stack.projects['alpha']}
    # A filter on another project does not widen the token's scope.
    asked_for_beta = rating_stack.summary(demo_session, filters='project_id:%s' % beta)
    alpha_only = rating_stack.summary(filters='project_id:%s' % rating_stack.projects['alpha'])
    assert helpers.total(asked_for_beta) == helpers.total(alpha_only)


ADMIN_PANELS = [
    ('demo-admin-hashmap', '/admin/hashmap/'),
    ('demo-admin-rating-modules', '/admin/rating_modules/'),
    ('demo-admin-pyscripts', '/admin/pyscripts/'),
    ('demo-admin-rating-summary', '/admin/rating_summary/'),
]


@pytest.mark.parametrize(('name', 'path'), ADMIN_PANELS, ids=[n for n, _ in ADMIN_PANELS])
def test_admin_panels_by_url_show_nothing(demo, rating_stack, name, path):
    visit = demo.open(path, screenshot=name)
    text = demo.text()
    # The dashboard turns the API's 403 into its error page (or Horizon's own 403).
    assert visit.status in (403, 500), visit
    if visit.status == 500:
        assert 'HTTP 403' in demo.error_summary()
    # (A DEBUG error page dumps Horizon's settings: look for data, not words.)
    for secret in ('m1.large', 'network.outgoing.bytes', 'Cloud Total',
                   rating_stack.projects['beta'], rating_stack.projects['service']):
        assert secret not in text


@pytest.mark.parametrize('path', [
    HASHMAP_PATH + suffix for HASHMAP_PATH in ['/v1/rating/module_config/hashmap']
    for suffix in ('/services/', '/groups/')
] + ['/v1/rating/modules/', '/v1/rating/module_config/pyscripts/scripts/'])
def test_api_refuses_rules_to_a_member(rating_stack, demo_session, path):
    assert rating_stack.get(path, demo_session).status_code == 403

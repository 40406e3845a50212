"""The Prometheus fetcher against a real, backfilled Prometheus (§6.5)."""
import pytest

from cloudkitty.common import prometheus as prometheus_client
from cloudkitty.fetcher import get_fetcher
from tests.fixtures.collect import make_conf
from tests.fixtures.prometheus import free_port


def fetcher(url, **options):
    return get_fetcher(make_conf({'fetcher': {'backend': 'prometheus'},
                                  'fetcher_prometheus': {'prometheus_url': url, **options}}))


def test_discovers_every_scope_of_the_metric(prometheus_server):
    scopes = fetcher(prometheus_server.url, metric='ck_instance').get_tenants()
    assert sorted(scopes) == ['scope-0', 'scope-1', 'scope-2']


@pytest.mark.parametrize('filters, expected', [
    ({'id': 'res-1-0'}, ['scope-1']),
    ({'id': 'res-2-1', 'flavor': 'm1.medium'}, ['scope-2']),
    ({'id': 'res-2-1', 'flavor': 'm1.small'}, []),
])
def test_filters_restrict_the_scopes(prometheus_server, filters, expected):
    scopes = fetcher(prometheus_server.url, metric='ck_volume_size',
                     filters=filters).get_tenants()
    assert scopes == expected


def test_scope_attribute_selects_the_label(prometheus_server):
    scopes = fetcher(prometheus_server.url, metric='ck_ip_floating',
                     scope_attribute='id', filters={'project_id': 'scope-0'}).get_tenants()
    assert sorted(scopes) == ['res-0-0', 'res-0-1']


def test_unknown_metric_gives_no_scope(prometheus_server):
    assert fetcher(prometheus_server.url, metric='ck_nothing').get_tenants() == []


def test_invalid_metric_expression_reports_prometheus_error(prometheus_server):
    with pytest.raises(prometheus_client.PrometheusError) as caught:
        fetcher(prometheus_server.url, metric='ck instance').get_tenants()
    assert str(caught.value).startswith('bad_data: ')


def test_unreachable_prometheus():
    with pytest.raises(prometheus_client.PrometheusError, match='cannot reach'):
        fetcher('http://127.0.0.1:%d/api/v1' % free_port(), metric='m',
                timeout=2).get_tenants()

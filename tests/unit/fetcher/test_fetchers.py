"""Fetcher loading, the source fetcher and the Prometheus discovery query."""
import pytest

from cloudkitty.common import exception
from cloudkitty.fetcher import get_fetcher
from cloudkitty.fetcher import prometheus as prometheus_fetcher
from tests.fixtures.collect import make_conf


def test_source_fetcher_returns_configured_scopes_once():
    conf = make_conf({'fetcher': {'backend': 'source'},
                      'fetcher_source': {'sources': ['p1', 'p2', 'p1']}})
    assert get_fetcher(conf).get_tenants() == ['p1', 'p2']


def test_source_fetcher_default_is_empty():
    assert get_fetcher(make_conf({'fetcher': {'backend': 'source'}})).get_tenants() == []


def test_unknown_fetcher_names_the_option():
    with pytest.raises(exception.ConfigurationError) as caught:
        get_fetcher(make_conf({'fetcher': {'backend': 'ldap'}}))
    assert str(caught.value).startswith(
        'Invalid configuration: [fetcher] backend = ldap is not a known fetcher (available:')
    assert 'source' in str(caught.value)


@pytest.mark.parametrize('filters, expected', [
    ({}, 'max(ceilometer_cpu) by (project)'),
    ({'job': 'ceilometer'}, 'max(ceilometer_cpu{job="ceilometer"}) by (project)'),
    ({'job': 'c', 'region': 'r1'}, 'max(ceilometer_cpu{job="c", region="r1"}) by (project)'),
])
def test_prometheus_discovery_query(filters, expected):
    assert prometheus_fetcher.build_query('ceilometer_cpu', 'project', filters) == expected


def test_prometheus_fetcher_requires_metric_and_url():
    with pytest.raises(exception.ConfigurationError, match=r'\[fetcher_prometheus\] metric'):
        get_fetcher(make_conf({'fetcher': {'backend': 'prometheus'}}))
    with pytest.raises(exception.ConfigurationError, match='prometheus_url'):
        get_fetcher(make_conf({'fetcher': {'backend': 'prometheus'},
                               'fetcher_prometheus': {'metric': 'm'}}))

"""Prometheus fetcher: the scopes are the values of a label of one metric."""
from __future__ import annotations

from collections.abc import Mapping

from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.common import prometheus as prometheus_client
from cloudkitty.fetcher import base

LOG = logging.getLogger(__name__)


def build_query(metric: str, scope_attribute: str, filters: Mapping[str, str]) -> str:
    """``max(<metric>{k1="v1", …}) by (<scope_attribute>)`` (contract §6.5)."""
    selector = ''
    if filters:
        selector = '{%s}' % ', '.join('%s="%s"' % item for item in filters.items())
    return 'max(%s%s) by (%s)' % (metric, selector, scope_attribute)


class PrometheusFetcher(base.BaseFetcher):
    """Discovers scopes from ``[fetcher_prometheus] metric`` (e.g. ceilometer_cpu)."""

    name = 'prometheus'

    def __init__(self, conf):
        super().__init__(conf)
        group = conf.fetcher_prometheus
        if not group.metric:
            raise exception.ConfigurationError(
                reason='[fetcher_prometheus] metric must name the metric whose '
                       '%s label lists the scopes' % group.scope_attribute)
        self.query = build_query(group.metric, group.scope_attribute, group.filters)
        self.scope_attribute = group.scope_attribute
        self.client = prometheus_client.PrometheusClient.from_conf_group(group)

    def get_tenants(self) -> list[str]:
        results = self.client.query(self.query)
        scopes = [result.get('metric', {}).get(self.scope_attribute) for result in results]
        found = list(dict.fromkeys(scope for scope in scopes if scope))
        LOG.debug('Prometheus fetcher found %d scopes', len(found))
        return found

"""Prometheus collector (contract §6.4): one instant query per metric/scope/period."""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator

from oslo_log import log as logging

from cloudkitty.collector import base, metrics_config
from cloudkitty.collector.metrics_config import ExtraArg
from cloudkitty.common import exception
from cloudkitty.common import prometheus as prometheus_client

LOG = logging.getLogger(__name__)

AGGREGATION_METHODS = ('avg', 'count', 'max', 'min', 'stddev', 'stdvar', 'sum')
QUERY_FUNCTIONS = ('abs', 'ceil', 'exp', 'floor', 'ln', 'log2', 'log10', 'round', 'sqrt')
RANGE_FUNCTIONS = ('changes', 'delta', 'deriv', 'idelta', 'irange', 'irate', 'rate')


def build_query(definition: metrics_config.MetricDefinition, scope_key: str,
                scope_id: str, period_seconds: int) -> str:
    """The PromQL of §6.4 step by step; kept separate so it can be checked exactly."""
    args = definition.extra_args
    aggregation = args.get('aggregation_method') or 'max'
    metric = definition.source
    inner = '%s{%s="%s"}[%ds]' % (metric, scope_key, scope_id, period_seconds)
    if args.get('range_function'):
        inner = '%s(%s)' % (args['range_function'], inner)
    else:
        inner = '%s_over_time(%s)' % (aggregation, inner)
    if args.get('query_function'):
        inner = '%s(%s)' % (args['query_function'], inner)
    labels = list(definition.groupby)
    if scope_key not in labels:
        labels.append(scope_key)
    labels.extend(definition.metadata)
    query = '%s(%s) by (%s)' % (aggregation, inner, ', '.join(labels))
    if args.get('query_prefix'):
        query = '%s %s' % (args['query_prefix'], query)
    if args.get('query_suffix'):
        query = '%s %s' % (query, args['query_suffix'])
    return query


class PrometheusCollector(base.BaseCollector):
    """Collects from a Prometheus server (``[collector_prometheus]``)."""

    name = 'prometheus'
    EXTRA_ARGS = {
        'aggregation_method': ExtraArg(default='max', choices=AGGREGATION_METHODS),
        'query_function': ExtraArg(choices=QUERY_FUNCTIONS),
        'range_function': ExtraArg(choices=RANGE_FUNCTIONS),
        'query_prefix': ExtraArg(default=''),
        'query_suffix': ExtraArg(default=''),
    }
    CONF_GROUP = 'collector_prometheus'

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self.client = prometheus_client.PrometheusClient.from_conf_group(
            conf[self.CONF_GROUP])

    def fetch(self, definition: metrics_config.MetricDefinition, scope_id: str,
              start: datetime.datetime, end: datetime.datetime) -> Iterator[base.RawSample]:
        period = int((end - start).total_seconds())
        query = build_query(definition, self.scope_key, scope_id, period)
        try:
            results = self.client.query(query, end)
        except prometheus_client.PrometheusError as error:
            raise exception.CollectError(error.message) from None
        for result in results:
            try:
                value = decimal.Decimal(result['value'][1])
                labels = result['metric']
            except (KeyError, IndexError, TypeError, decimal.InvalidOperation):
                raise exception.CollectError(
                    reason='unexpected sample in the answer to %s: %r' % (query, result)
                ) from None
            if not value.is_finite():
                LOG.warning('Skipping the non-finite value %s of %s for scope %s',
                            value, definition.key, scope_id)
                continue
            yield base.RawSample(labels, value)

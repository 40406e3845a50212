"""Prometheus collector (contract §6.4): one instant query per metric/scope/period."""
from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator

from oslo_log import log as logging

from cloudkitty.collector import base, metrics_config
from cloudkitty.collector.metrics_config import ExtraArg
from cloudkitty.common import exception, tz
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
        #: (metric key, scope, period end) -> samples answered ahead by prefetch().
        self._prefetched: dict[tuple[str, str, datetime.datetime], list[base.RawSample]] = {}

    def prefetch(self, metric_key: str, scope_id: str, first_start: datetime.datetime,
                 periods: int, period: datetime.timedelta) -> None:
        """Answer ``periods`` consecutive periods of one metric with one range query.

        A range query is evaluated exactly like the instant query at each
        step, so the next fetch() of each of those periods gets the same
        samples without a round trip. Only periods that are already complete
        may be prefetched; discard_prefetched() drops what was not used.
        """
        definition = self.metrics[metric_key]
        seconds = int(period.total_seconds())
        ends = [first_start + index * period for index in range(1, periods + 1)]
        query = build_query(definition, self.scope_key, scope_id, seconds)
        try:
            results = self.client.query_range(query, ends[0], ends[-1], seconds)
        except prometheus_client.PrometheusError as error:
            raise exception.CollectError(error.message) from None
        end_by_unix_time = {tz.to_aware_utc(end).timestamp(): end for end in ends}
        by_end: dict[datetime.datetime, list[base.RawSample]] = {end: [] for end in ends}
        for series in results:
            try:
                labels, values = series['metric'], series['values']
                for unix_time, text in values:
                    end = end_by_unix_time[float(unix_time)]
                    sample = self._sample(definition, scope_id, query, labels, text)
                    if sample is not None:
                        by_end[end].append(sample)
            except (KeyError, TypeError, ValueError):
                raise exception.CollectError(
                    reason='unexpected series in the answer to %s: %r' % (query, series)
                ) from None
        for end, samples in by_end.items():
            self._prefetched[(definition.key, scope_id, end)] = samples

    def discard_prefetched(self, scope_id: str) -> None:
        """Forget the prefetched samples of ``scope_id`` that no fetch() used."""
        for key in [key for key in self._prefetched if key[1] == scope_id]:
            self._prefetched.pop(key, None)

    def fetch(self, definition: metrics_config.MetricDefinition, scope_id: str,
              start: datetime.datetime, end: datetime.datetime) -> Iterator[base.RawSample]:
        prefetched = self._prefetched.pop((definition.key, scope_id, end), None)
        if prefetched is not None:
            yield from prefetched
            return
        period = int((end - start).total_seconds())
        query = build_query(definition, self.scope_key, scope_id, period)
        try:
            results = self.client.query(query, end)
        except prometheus_client.PrometheusError as error:
            raise exception.CollectError(error.message) from None
        for result in results:
            try:
                labels, text = result['metric'], result['value'][1]
            except (KeyError, IndexError, TypeError):
                raise exception.CollectError(
                    reason='unexpected sample in the answer to %s: %r' % (query, result)
                ) from None
            sample = self._sample(definition, scope_id, query, labels, text)
            if sample is not None:
                yield sample

    @staticmethod
    def _sample(definition: metrics_config.MetricDefinition, scope_id: str, query: str,
                labels: dict[str, str], text: str) -> base.RawSample | None:
        """One answered value as a sample; None (logged) for a non-finite value."""
        try:
            value = decimal.Decimal(text)
        except (TypeError, decimal.InvalidOperation):
            raise exception.CollectError(
                reason='unexpected value %r in the answer to %s' % (text, query)) from None
        if not value.is_finite():
            LOG.warning('Skipping the non-finite value %s of %s for scope %s',
                        value, definition.key, scope_id)
            return None
        return base.RawSample(labels, value)

"""Gnocchi collector (contract §6.3): one aggregates query per metric/scope/period.

Each group of the ``/v1/aggregates`` answer becomes a point whose quantity is
the group's first aggregated value. Resource metadata is not part of that
answer, so when a metric asks for metadata the resources of the scope are
searched once per collect and joined on ``resource_key``.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from oslo_log import log as logging

from cloudkitty.collector import base, metrics_config
from cloudkitty.collector.metrics_config import ExtraArg
from cloudkitty.common import exception
from cloudkitty.common import gnocchi as gnocchi_client

LOG = logging.getLogger(__name__)

BASIC_AGGREGATION_METHODS = ('mean', 'sum', 'last', 'max', 'min', 'std', 'median',
                             'first', 'count')
PERCENTILES = tuple('%dpct' % rank for rank in range(1, 100))
RATE_PREFIX = 'rate:'


def _with_rates(methods: Sequence[str]) -> tuple[str, ...]:
    return tuple(methods) + tuple(RATE_PREFIX + method for method in methods)


AGGREGATION_METHODS = _with_rates(BASIC_AGGREGATION_METHODS + PERCENTILES)
RE_AGGREGATION_METHODS = _with_rates(BASIC_AGGREGATION_METHODS)

Group = Mapping[str, Any]


def build_operations(definition: metrics_config.MetricDefinition) -> str | list:
    """The ``operations`` of the aggregates body: custom_query or the default form."""
    args = definition.extra_args
    if args['custom_query']:
        return (args['custom_query']
                .replace('RE_AGGREGATION_METHOD', args['re_aggregation_method'])
                .replace('AGGREGATION_METHOD', args['aggregation_method'])
                .replace('METRIC_NAME', definition.source))
    return ['aggregate', args['re_aggregation_method'],
            ['metric', definition.source, args['aggregation_method']]]


def build_search(resource_type: str, scope_key: str, scope_id: str | None,
                 extra_filter: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resources of ``resource_type`` in the scope (no scope clause without a scope)."""
    clauses: list[Mapping[str, Any]] = [{'=': {'type': resource_type}}]
    if scope_id:
        clauses.append({'=': {scope_key: scope_id}})
    if extra_filter:
        clauses.append(extra_filter)
    return {'and': clauses}


def build_resources_query(scope_key: str, scope_id: str | None,
                          start: datetime.datetime, end: datetime.datetime,
                          margin: datetime.timedelta) -> dict[str, Any]:
    """Resources alive at some point of [start - margin, end + margin].

    The margin catches resources deleted just before the period whose last
    measures still fall in it.
    """
    clauses: list[Mapping[str, Any]] = [
        {'or': [{'=': {'ended_at': None}},
                {'>=': {'ended_at': gnocchi_client.isoformat(start - margin)}}]},
        {'<=': {'started_at': gnocchi_client.isoformat(end + margin)}},
    ]
    if scope_id:
        clauses.append({'=': {scope_key: scope_id}})
    return {'and': clauses}


def query_start(definition: metrics_config.MetricDefinition,
                start: datetime.datetime) -> datetime.datetime:
    """A rate re-aggregation needs the previous granule too, so start one earlier."""
    args = definition.extra_args
    if args['re_aggregation_method'].startswith(RATE_PREFIX):
        return start - datetime.timedelta(seconds=args['force_granularity'])
    return start


def first_value(group: Mapping[str, Any]) -> Any:
    """The value of the first aggregated (timestamp, granularity, value) triple."""
    return group['measures']['measures']['aggregated'][0][2]


def merge_revisions(groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One group per resource id: the latest revision, carrying the sum of all.

    With ``use_history``, a resource updated during the period (a resize) comes
    back as one group per revision, each with its share of the usage. Without
    ``use_all_resource_revisions`` they are billed as one point, described by
    the revision with the greatest ``revision_start``.
    """
    by_id: dict[Any, list[Mapping[str, Any]]] = {}
    for group in groups:
        by_id.setdefault(group['group'].get('id'), []).append(group)
    merged = []
    for revisions in by_id.values():
        latest = max(revisions, key=lambda rev: str(rev['group'].get('revision_start') or ''))
        total = sum(_to_decimal(first_value(rev), 'id %s' % rev['group'].get('id'))
                    for rev in revisions)
        aggregated = list(latest['measures']['measures']['aggregated'])
        aggregated[0] = [aggregated[0][0], aggregated[0][1], total]
        merged.append({'group': dict(latest['group']),
                       'measures': {'measures': {'aggregated': aggregated}}})
    return merged


class GnocchiCollector(base.BaseCollector):
    """Collects from Gnocchi (``[collector_gnocchi]``)."""

    name = 'gnocchi'
    CONF_GROUP = 'collector_gnocchi'
    EXTRA_ARGS = {
        'resource_type': ExtraArg(required=True),
        'resource_key': ExtraArg(default='id'),
        'aggregation_method': ExtraArg(default='max', choices=AGGREGATION_METHODS),
        're_aggregation_method': ExtraArg(default='max', choices=RE_AGGREGATION_METHODS),
        'force_granularity': ExtraArg(default=3600, kind=int, minimum=0),
        'use_all_resource_revisions': ExtraArg(default=True, kind=bool),
        'custom_query': ExtraArg(default=''),
    }

    def __init__(self, conf, metrics: metrics_config.MetricsConfig | None = None,
                 client: gnocchi_client.GnocchiClient | None = None):
        super().__init__(conf, metrics)
        self.metrics = _with_resource_key_in_groupby(self.metrics)
        self.period = datetime.timedelta(seconds=conf.collect.period)
        self.client = client or gnocchi_client.GnocchiClient.from_conf(conf, self.CONF_GROUP)

    def fetch(self, definition: metrics_config.MetricDefinition, scope_id: str,
              start: datetime.datetime, end: datetime.datetime) -> Iterator[base.RawSample]:
        groups = self._fetch_groups(definition, scope_id, start, end)
        groups = [group for group in groups if group['measures']['measures']['aggregated']]
        if not groups:
            return
        if not definition.extra_args['use_all_resource_revisions'] and all(
                'id' in group['group'] for group in groups):
            groups = merge_revisions(groups)
        resources = None
        if definition.metadata:
            resources = self._fetch_resources(definition, scope_id, start, end)
        resource_key = definition.extra_args['resource_key']
        for group in groups:
            labels = dict(group['group'])
            if resources is not None:
                resource = resources.get(labels.get(resource_key))
                if resource is None:
                    LOG.warning('Skipping a group of %s for scope %s: no resource with '
                                '%s=%s was found for its metadata', definition.key,
                                scope_id, resource_key, labels.get(resource_key))
                    continue
                for attribute in definition.metadata:
                    labels[attribute] = resource.get(attribute, '')
            value = _to_decimal(first_value(group), definition.key)
            if not value.is_finite():
                LOG.warning('Skipping the non-finite value %s of %s for scope %s',
                            value, definition.key, scope_id)
                continue
            yield base.RawSample(labels, value)

    def _fetch_groups(self, definition: metrics_config.MetricDefinition, scope_id: str,
                      start: datetime.datetime,
                      end: datetime.datetime) -> list[Mapping[str, Any]]:
        args = definition.extra_args
        try:
            return self.client.aggregates(
                build_operations(definition),
                build_search(args['resource_type'], self.scope_key, scope_id),
                args['resource_type'], query_start(definition, start), end,
                groupby=definition.groupby, granularity=args['force_granularity'])
        except gnocchi_client.MetricNotFound:
            LOG.debug('Gnocchi has no %s for scope %s in [%s, %s)', definition.source,
                      scope_id, start, end)
            return []
        except gnocchi_client.GnocchiError as error:
            raise exception.CollectError(reason='%s for %s of scope %s' % (
                error.message, definition.key, scope_id)) from None

    def _fetch_resources(self, definition: metrics_config.MetricDefinition, scope_id: str,
                         start: datetime.datetime,
                         end: datetime.datetime) -> dict[Any, Mapping[str, Any]]:
        args = definition.extra_args
        query = build_resources_query(self.scope_key, scope_id, start, end, self.period)
        try:
            return {resource[args['resource_key']]: resource for resource in
                    self.client.iter_resources(args['resource_type'], query,
                                               args['resource_key'])}
        except gnocchi_client.GnocchiError as error:
            raise exception.CollectError(reason='%s while looking up the metadata of %s'
                                         % (error.message, definition.key)) from None


def _with_resource_key_in_groupby(
        metrics: metrics_config.MetricsConfig) -> metrics_config.MetricsConfig:
    """Each metric also groups by its ``resource_key``: one point per resource."""
    definitions = {}
    for key, definition in metrics.metrics.items():
        resource_key = definition.extra_args['resource_key']
        if resource_key in definition.metadata:
            raise exception.InvalidMetricsConfig(
                path=metrics.path, reason='metrics.%s: %r is the resource_key, which is '
                'always in groupby; remove it from metadata' % (key, resource_key))
        if resource_key not in definition.groupby:
            definition = dataclasses.replace(
                definition, groupby=definition.groupby + (resource_key,))
        definitions[key] = definition
    return dataclasses.replace(metrics, metrics=definitions)


def _to_decimal(value: Any, metric_key: str) -> decimal.Decimal:
    """Gnocchi values are JSON floats; their shortest repr is the intended number."""
    try:
        return decimal.Decimal(repr(value)) if isinstance(value, float) \
            else decimal.Decimal(value)
    except (TypeError, ValueError, decimal.InvalidOperation):
        raise exception.CollectError(reason='Gnocchi returned the non-numeric value %r '
                                     'for %s' % (value, metric_key)) from None

"""In-test collector, fetcher and pipeline: the processor's seams, owned by us.

They implement the interfaces the processor relies on (collector ``metrics``,
``metric_type``, ``collect``; fetcher ``get_tenants``; pipeline ``reload``, ``close``,
``rate``, ``quote``) with deterministic data, so tests can count exactly
what must be stored.
"""
from __future__ import annotations

import datetime
import decimal
import time

from cloudkitty import service
from cloudkitty.collector.metrics_config import MetricDefinition, MetricsConfig
from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint

HOUR = datetime.timedelta(hours=1)


def make_conf(**overrides):
    """A fresh configuration; ``group__option=value`` keyword overrides."""
    conf = service.prepare_service([], config_files=[], setup_logging=False)
    conf.set_override('collector', 'prometheus', group='collect')
    conf.set_override('backend', 'source', group='fetcher')
    conf.set_override('backend', 'sqlalchemy', group='storage')
    conf.set_override('max_threads', 4, group='orchestrator')
    for name, value in overrides.items():
        group, option = name.split('__')
        conf.set_override(option, value, group=None if group == 'DEFAULT' else group)
    return conf


def metrics(**skip_expressions: str | None) -> MetricsConfig:
    """Two metrics, ``cpu`` and ``image`` (rated as ``image.size``)."""
    definitions = {
        'cpu': MetricDefinition(key='cpu', source='cpu', unit='instance',
                                skip_datapoints_expression=skip_expressions.get('cpu')),
        'image': MetricDefinition(key='image', source='image', unit='MiB',
                                  alt_name='image.size',
                                  skip_datapoints_expression=skip_expressions.get(
                                      'image.size')),
    }
    return MetricsConfig(path='<test>', raw={}, metrics=definitions)


class Collector:
    """Every scope has, per metric and period, points of qty 1, 2, ... ``points``.

    ``failing`` scopes raise CollectError, ``empty`` scopes have no data;
    ``delay`` seconds per call make workers overlap in concurrency tests.
    """

    def __init__(self, points: int = 1, failing=(), empty=(), delay: float = 0.0,
                 skip_expressions: dict[str, str | None] | None = None):
        self.metrics = metrics(**(skip_expressions or {}))
        self.points = points
        self.failing = set(failing)
        self.empty = set(empty)
        self.delay = delay

    def metric_type(self, metric_key: str) -> str:
        return self.metrics[metric_key].metric_type

    def collect(self, metric_key, scope_id, start, end) -> list[DataPoint]:
        if self.delay:
            time.sleep(self.delay)
        if scope_id in self.failing:
            raise exception.CollectError(reason='source down for %s' % scope_id)
        if scope_id in self.empty:
            raise exception.NoDataCollected(collector='test', metric=metric_key)
        definition = self.metrics[metric_key]
        return [DataPoint.create(definition.unit, qty,
                                 groupby={'project_id': scope_id, 'id': 'r%d' % qty},
                                 metadata={'flavor': 'm1'})
                for qty in range(1, self.points + 1)]


class Fetcher:
    def __init__(self, scope_ids):
        self.scope_ids = list(scope_ids)

    def get_tenants(self) -> list[str]:
        return list(self.scope_ids)


class Pipeline:
    """Prices every point at qty x ``unit_price``; ``failing`` tenants raise."""

    def __init__(self, unit_price='1', failing=()):
        self.unit_price = decimal.Decimal(unit_price)
        self.failing = set(failing)
        self.reloads: list[tuple[datetime.datetime, str | None]] = []
        self.quoted: list[DataFrame] = []
        self._tenant = None

    def reload(self, start, tenant_id) -> None:
        self.reloads.append((start, tenant_id))
        self._tenant = tenant_id

    def close(self) -> None:
        """Nothing held."""

    def rate(self, frame: DataFrame) -> DataFrame:
        if self._tenant in self.failing:
            raise exception.RatingError(module='test', reason='script failed')
        return frame.replace_usage({
            metric_type: [point.with_price(point.qty * self.unit_price)
                          for point in points]
            for metric_type, points in frame.itertypes()})

    def quote(self, frame: DataFrame) -> decimal.Decimal:
        self.quoted.append(frame)
        return sum((point.price for _, point in self.rate(frame).iterpoints()),
                   decimal.Decimal(0))

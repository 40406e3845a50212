"""What every collector shares: turning raw samples into DataPoints (§6.1, §6.2).

A plugin only implements ``fetch()``: given one metric definition, a scope and
a period, return the raw samples (labels + value). The base class applies
factor, offset and mutate, builds groupby/metadata, adds the four time keys and
raises NoDataCollected when nothing came back, so every collector rates the
same raw data identically.
"""
from __future__ import annotations

import abc
import datetime
import decimal
import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, NamedTuple

from oslo_log import log as logging

from cloudkitty.collector import metrics_config
from cloudkitty.common import exception
from cloudkitty.dataframe import ZERO, DataPoint, to_decimal

LOG = logging.getLogger(__name__)

#: Quantities keep 9 significant digits, rounded half-up, like the reference
#: Prometheus collector; this also absorbs the binary noise of float factors.
QTY_CONTEXT = decimal.Context(prec=9, rounding=decimal.ROUND_HALF_UP)


class RawSample(NamedTuple):
    """One aggregated value of one group, as a data source returns it."""

    labels: Mapping[str, Any]
    value: decimal.Decimal


def time_groupby(start: datetime.datetime) -> dict[str, str]:
    """The four time keys backing the time-w/d/m/y summary groupbys (§6.2)."""
    return {
        'week_of_the_year': start.strftime('%U'),
        'day_of_the_year': str(start.timetuple().tm_yday),
        'month': str(start.month),
        'year': start.strftime('%Y'),
    }


def convert_quantity(raw: decimal.Decimal,
                     definition: metrics_config.MetricDefinition) -> Any:
    """raw × factor + offset, then the mutator; 9 digits half-up throughout."""
    # The context's own methods: the same operations as the operators under
    # decimal.localcontext(QTY_CONTEXT), without entering a context per point.
    context = QTY_CONTEXT
    qty = context.add(context.multiply(context.plus(raw), definition.factor),
                      definition.offset)
    return mutate(qty, definition.mutate, definition.mutate_map)


def mutate(value: decimal.Decimal, mutator: str,
           mutate_map: Mapping[float, float] | None = None) -> Any:
    """Apply a §6.1 mutator; NUMBOOL/NOTNUMBOOL/MAP give floats, FLOOR/CEIL ints."""
    if mutator == 'NONE':
        return value
    if mutator == 'NUMBOOL':
        return 1.0 if value != 0 else 0.0
    if mutator == 'NOTNUMBOOL':
        return 1.0 if value == 0 else 0.0
    if mutator == 'FLOOR':
        return math.floor(value)
    if mutator == 'CEIL':
        return math.ceil(value)
    # MAP: numbers of every type hash alike when equal, so a dict lookup
    # compares numerically.
    return (mutate_map or {}).get(value, 0.0)


class BaseCollector(abc.ABC):
    """A usage source. Thread-safe: the processor collects metrics in threads."""

    name: ClassVar[str]
    """Entry-point name of the plugin (``[collect] collector``)."""
    EXTRA_ARGS: ClassVar[metrics_config.ExtraArgsSchema] = {}
    """Schema of the ``extra_args`` a metric definition may carry."""

    def __init__(self, conf, metrics: metrics_config.MetricsConfig | None = None):
        self.conf = conf
        self.scope_key: str = conf.collect.scope_key
        if metrics is None:
            metrics = metrics_config.load_metrics_config(
                conf.collect.metrics_conf, self.name, self.scope_key)
        self.metrics = metrics

    def metric_type(self, metric_key: str) -> str:
        """Name under which ``metric_key`` is rated and stored (alt_name or key)."""
        return self.metrics[metric_key].metric_type

    def collect(self, metric_key: str, scope_id: str, start: datetime.datetime,
                end: datetime.datetime) -> list[DataPoint]:
        """Points of one metric for one scope over [start, end).

        Raises NoDataCollected when the source has nothing, CollectError when
        it fails.
        """
        definition = self.metrics[metric_key]
        samples = self.fetch(definition, scope_id, start, end)
        points = self._build_points(definition, scope_id, start, samples)
        if not points:
            raise exception.NoDataCollected(collector=self.name, metric=metric_key)
        return points

    @abc.abstractmethod
    def fetch(self, definition: metrics_config.MetricDefinition, scope_id: str,
              start: datetime.datetime, end: datetime.datetime) -> Iterable[RawSample]:
        """Raw samples of ``definition`` for one scope, one per group."""

    def _build_points(self, definition: metrics_config.MetricDefinition, scope_id: str,
                      start: datetime.datetime,
                      samples: Iterable[RawSample]) -> list[DataPoint]:
        time_keys = time_groupby(start)
        scope_key = self.scope_key
        groupby_keys = [key for key in definition.groupby if key != scope_key]
        points = []
        for labels, value in samples:
            groupby = {scope_key: scope_id}
            for key in groupby_keys:
                groupby[key] = labels.get(key, '')
            groupby.update(time_keys)
            metadata = {key: labels.get(key, '') for key in definition.metadata}
            qty = to_decimal(convert_quantity(value, definition))
            points.append(DataPoint(definition.unit, qty, ZERO, groupby, metadata,
                                    definition.description))
        return points

"""File collector: rates usage samples read from local JSON Lines files.

It lets an operator rate a cloud without a metrics server (an export from any
monitoring system, a billing test, the bundled sample cloud).

Format
------
``[collector_file] path`` is one file or a directory; in a directory every
``*.jsonl`` file is read (not recursively). Each line is one sample::

    {"metric": "instance", "time": "2025-01-31T10:00:00Z", "value": 1,
     "labels": {"project_id": "p1", "id": "vm-1", "flavor_name": "m1.small"}}

* ``metric``: the metric name, i.e. the key in metrics.yml;
* ``time``: ISO 8601 (naive means UTC) or seconds since the epoch;
* ``value``: a number (or a numeric string); decimals are read exactly;
* ``labels``: string attributes. The ``[collect] scope_key`` label (default
  ``project_id``) says which scope the sample belongs to; ``groupby`` and
  ``metadata`` attributes are read from the labels (missing ones give ``""``).

Blank lines and lines starting with ``#`` are ignored.

Collection
----------
For a scope and a period [start, end), the samples of the metric whose scope
label equals the scope and whose time is in [start, end) are grouped by the
values of the groupby and metadata attributes, and each group is reduced with
``extra_args.aggregation_method``: ``max`` (default), ``min``, ``sum``, ``avg``
or ``count`` (the number of samples). factor, offset and mutate then apply as
for every collector.

The files are parsed once per process and re-read only when a file's size or
modification time changes (or files appear or disappear).
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime
import decimal
import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from oslo_log import log as logging

from cloudkitty.collector import base, metrics_config
from cloudkitty.collector.metrics_config import ExtraArg
from cloudkitty.common import exception, tz
from cloudkitty.dataframe import parse_datetime, to_decimal

LOG = logging.getLogger(__name__)

FILE_SUFFIX = '.jsonl'


def _aggregate_avg(values: list[decimal.Decimal]) -> decimal.Decimal:
    return sum(values) / len(values)


AGGREGATIONS = {
    'max': max,
    'min': min,
    'sum': sum,
    'avg': _aggregate_avg,
    'count': lambda values: decimal.Decimal(len(values)),
}


@dataclasses.dataclass
class _Series:
    """The samples of one metric with one label set, sorted by time."""

    labels: dict[str, str]
    times: list[int] = dataclasses.field(default_factory=list)
    values: list[decimal.Decimal] = dataclasses.field(default_factory=list)

    def sort(self) -> None:
        if any(a > b for a, b in zip(self.times, self.times[1:], strict=False)):
            pairs = sorted(zip(self.times, self.values, strict=True), key=lambda p: p[0])
            self.times = [time for time, _ in pairs]
            self.values = [value for _, value in pairs]

    def between(self, start: int, end: int) -> list[decimal.Decimal]:
        """Values whose time is in [start, end)."""
        low = bisect.bisect_left(self.times, start)
        high = bisect.bisect_left(self.times, end, low)
        return self.values[low:high]


class SampleIndex:
    """Samples of a file or directory indexed by metric, then scope."""

    def __init__(self, path: str, scope_key: str):
        self.path = path
        self.scope_key = scope_key
        self._signature: tuple | None = None
        self._series: dict[str, dict[str, list[_Series]]] = {}
        self._lock = threading.Lock()

    def series(self, metric: str, scope_id: str) -> list[_Series]:
        """The series of ``metric`` in ``scope_id``, re-reading changed files."""
        self._refresh()
        return self._series.get(metric, {}).get(scope_id, [])

    def _files(self) -> list[str]:
        if os.path.isdir(self.path):
            return sorted(os.path.join(self.path, name) for name in os.listdir(self.path)
                          if name.endswith(FILE_SUFFIX))
        if os.path.exists(self.path):
            return [self.path]
        raise exception.CollectError(
            reason='[collector_file] path %s does not exist' % self.path)

    def _refresh(self) -> None:
        with self._lock:
            try:
                files = self._files()
                signature = tuple((name, os.stat(name).st_mtime_ns, os.stat(name).st_size)
                                  for name in files)
            except OSError as error:
                raise exception.CollectError(
                    reason='cannot read %s: %s' % (self.path, error.strerror)) from None
            if signature != self._signature:
                self._series = self._load(files)
                self._signature = signature

    def _load(self, files: list[str]) -> dict[str, dict[str, list[_Series]]]:
        by_labels: dict[tuple, _Series] = {}
        count = 0
        for name in files:
            try:
                with open(name, encoding='utf-8') as stream:
                    for number, line in enumerate(stream, 1):
                        line = line.strip()
                        if not line or line.startswith('#'):
                            continue
                        try:
                            metric, when, value, labels = _parse_sample(line)
                        except ValueError as error:
                            raise exception.CollectError(
                                reason='%s:%d: %s' % (name, number, error)) from None
                        key = (metric, tuple(sorted(labels.items())))
                        series = by_labels.get(key)
                        if series is None:
                            series = by_labels[key] = _Series(labels)
                        series.times.append(when)
                        series.values.append(value)
                        count += 1
            except OSError as error:
                raise exception.CollectError(
                    reason='cannot read %s: %s' % (name, error.strerror)) from None
        index: dict[str, dict[str, list[_Series]]] = {}
        for (metric, _), series in by_labels.items():
            series.sort()
            scope_id = series.labels.get(self.scope_key)
            if scope_id is not None:
                index.setdefault(metric, {}).setdefault(scope_id, []).append(series)
        LOG.info('Indexed %d usage samples (%d series) from %s', count, len(by_labels),
                 self.path)
        return index


_INDEXES: dict[tuple[str, str], SampleIndex] = {}
_INDEXES_LOCK = threading.Lock()


def shared_index(path: str, scope_key: str) -> SampleIndex:
    """One index per (path, scope_key) per process, whoever builds collectors."""
    with _INDEXES_LOCK:
        index = _INDEXES.get((path, scope_key))
        if index is None:
            index = _INDEXES[path, scope_key] = SampleIndex(path, scope_key)
        return index


def _parse_sample(line: str) -> tuple[str, int, decimal.Decimal, dict[str, str]]:
    """(metric, epoch seconds, value, labels) of one line; ValueError if invalid."""
    try:
        sample = json.loads(line, parse_float=decimal.Decimal)
    except json.JSONDecodeError as error:
        raise ValueError('not valid JSON (%s)' % error.msg) from None
    if not isinstance(sample, dict):
        raise ValueError('expected a JSON object')
    missing = [key for key in ('metric', 'time', 'value') if key not in sample]
    if missing:
        raise ValueError('missing key %r' % missing[0])
    metric, when, labels = sample['metric'], sample['time'], sample.get('labels') or {}
    if not isinstance(metric, str) or not metric:
        raise ValueError('"metric" must be a non-empty string')
    if not isinstance(labels, dict):
        raise ValueError('"labels" must be an object')
    if isinstance(when, (int, decimal.Decimal)) and not isinstance(when, bool):
        epoch = int(when)
    else:
        epoch = tz.to_epoch(parse_datetime(when))
    value = to_decimal(sample['value'])
    return metric, epoch, value, {str(k): _label(v) for k, v in labels.items()}


def _label(value: Any) -> str:
    return '' if value is None else str(value)


class FileCollector(base.BaseCollector):
    """Collects from JSON Lines files (``[collector_file] path``)."""

    name = 'file'
    EXTRA_ARGS = {
        'aggregation_method': ExtraArg(default='max', choices=tuple(AGGREGATIONS)),
    }

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self.index = shared_index(conf.collector_file.path, self.scope_key)

    def fetch(self, definition: metrics_config.MetricDefinition, scope_id: str,
              start: datetime.datetime, end: datetime.datetime) -> Iterator[base.RawSample]:
        start_epoch, end_epoch = tz.to_epoch(start), tz.to_epoch(end)
        keys = definition.groupby + definition.metadata
        groups: dict[tuple[str, ...], list[decimal.Decimal]] = {}
        for series in self.index.series(definition.source, scope_id):
            values = series.between(start_epoch, end_epoch)
            if values:
                group = tuple(series.labels.get(key, '') for key in keys)
                groups.setdefault(group, []).extend(values)
        aggregate = AGGREGATIONS[definition.extra_args['aggregation_method']]
        for group, values in groups.items():
            yield base.RawSample(dict(zip(keys, group, strict=True)), aggregate(values))

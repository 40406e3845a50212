"""metrics.yml: loading and validation (contract §6.1).

The file says what to collect and how to turn a raw value into a rated
quantity. It is validated once, up front, so that a typo is reported with the
file name and the path of the offending key (``metrics.cpu[1].factor``) rather
than as a traceback in the middle of a rating cycle.

Validation is hand-written instead of using a schema library because the error
message is the user interface here: every rule names the key it rejects.
"""
from __future__ import annotations

import dataclasses
import decimal
import fractions
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from cloudkitty import collector
from cloudkitty.common import exception

MUTATORS = ('NONE', 'NUMBOOL', 'NOTNUMBOOL', 'FLOOR', 'CEIL', 'MAP')

#: Separates a source metric name from the alt_name of one of its definitions.
ALT_NAME_SEPARATOR = '@#'

_DEFINITION_KEYS = frozenset((
    'unit', 'description', 'alt_name', 'factor', 'offset', 'groupby', 'metadata',
    'mutate', 'mutate_map', 'skip_datapoints_expression', 'extra_args'))


class _Invalid(Exception):
    """A rule broken at ``key_path``; turned into InvalidMetricsConfig."""

    def __init__(self, key_path: str, reason: str):
        super().__init__('%s: %s' % (key_path, reason))


@dataclasses.dataclass(frozen=True)
class ExtraArg:
    """How a collector validates one ``extra_args`` key.

    ``choices`` restricts a string to a set of values, ``minimum`` bounds an
    integer; ``default`` is used when the key is absent (``None`` means "not
    set" and is kept as None).
    """

    default: Any = None
    kind: type = str
    choices: tuple[str, ...] | None = None
    required: bool = False
    minimum: int | None = None

    def validate(self, key_path: str, value: Any) -> Any:
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise _Invalid(key_path, 'expected an integer, got %r' % (value,))
        if self.minimum is not None and value < self.minimum:
            raise _Invalid(key_path, 'expected an integer >= %d, got %r'
                           % (self.minimum, value))
        if self.kind is bool and not isinstance(value, bool):
            raise _Invalid(key_path, 'expected a boolean, got %r' % (value,))
        if self.kind is str and not isinstance(value, str):
            raise _Invalid(key_path, 'expected a string, got %r' % (value,))
        if self.choices is not None and value not in self.choices:
            raise _Invalid(key_path, 'invalid value %r, expected one of: %s'
                           % (value, ', '.join(self.choices)))
        return value


ExtraArgsSchema = Mapping[str, ExtraArg]


@dataclasses.dataclass(frozen=True)
class MetricDefinition:
    """One validated way of rating one source metric."""

    key: str
    """Internal key: the metric name, or ``<metric>@#<alt_name>`` in a list."""
    source: str
    """The metric name in the data source (the YAML key)."""
    unit: str
    alt_name: str | None = None
    description: str | None = None
    factor: decimal.Decimal = decimal.Decimal(1)
    offset: decimal.Decimal = decimal.Decimal(0)
    groupby: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()
    mutate: str = 'NONE'
    mutate_map: Mapping[Any, Any] | None = None
    skip_datapoints_expression: str | None = None
    extra_args: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def metric_type(self) -> str:
        """Name of the metric in dataframes, storage and hashmap services."""
        return self.alt_name or self.source


@dataclasses.dataclass(frozen=True)
class MetricInfo:
    """What ``/v1/info/metrics`` shows about one metric."""

    metric_id: str
    unit: str
    metadata: list[str]


@dataclasses.dataclass(frozen=True)
class MetricsConfig:
    """A validated metrics.yml, plus the raw document it came from."""

    path: str
    raw: dict[str, Any]
    """The YAML document as written (``/v1/info/config`` returns it as-is)."""
    metrics: dict[str, MetricDefinition]
    """Definitions by internal key, sorted by key (the processing order)."""

    def __getitem__(self, metric_key: str) -> MetricDefinition:
        return self.metrics[metric_key]

    def __iter__(self):
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    def by_metric_type(self, metric_type: str) -> MetricDefinition | None:
        """The first definition rated under ``metric_type`` (alt_name or key)."""
        for definition in self.metrics.values():
            if definition.metric_type == metric_type:
                return definition
        return None

    def metrics_info(self) -> list[MetricInfo]:
        """One entry per definition: metric_id, unit and de-duplicated metadata."""
        return [MetricInfo(d.metric_type, d.unit, list(dict.fromkeys(d.metadata)))
                for d in self.metrics.values()]

    def metric_info(self, metric_id: str) -> MetricInfo | None:
        """The entry whose metric_id (alt_name, else key) is ``metric_id``."""
        for info in self.metrics_info():
            if info.metric_id == metric_id:
                return info
        return None


def load_metrics_config(path: str, collector_name: str,
                        scope_key: str = 'project_id') -> MetricsConfig:
    """Read and validate ``path`` for the collector plugin ``collector_name``.

    Raises InvalidMetricsConfig (file unreadable, bad YAML, broken rule) or
    ConfigurationError (unknown collector).
    """
    schema = collector.get_collector_class(collector_name).EXTRA_ARGS
    try:
        with open(path, encoding='utf-8') as stream:
            document = yaml.safe_load(stream)
    except OSError as error:
        raise exception.InvalidMetricsConfig(
            path=path, reason='cannot read the file: %s' % error.strerror) from None
    except yaml.YAMLError as error:
        raise exception.InvalidMetricsConfig(
            path=path, reason='not valid YAML: %s' % ' '.join(str(error).split())
        ) from None
    return parse_metrics_config(document, schema, scope_key, path)


def load_from_conf(conf) -> MetricsConfig:
    """Load ``[collect] metrics_conf`` for ``[collect] collector`` and scope_key."""
    collect = conf.collect
    return load_metrics_config(collect.metrics_conf, collect.collector, collect.scope_key)


def parse_metrics_config(document: Any, extra_args_schema: ExtraArgsSchema,
                         scope_key: str = 'project_id',
                         path: str = '<metrics>') -> MetricsConfig:
    """Validate an already loaded document (see load_metrics_config)."""
    try:
        metrics = _parse_document(document, extra_args_schema, scope_key)
    except _Invalid as error:
        raise exception.InvalidMetricsConfig(path=path, reason=str(error)) from None
    return MetricsConfig(path, document, metrics)


def _parse_document(document: Any, schema: ExtraArgsSchema,
                    scope_key: str) -> dict[str, MetricDefinition]:
    if not isinstance(document, dict):
        raise _Invalid('(top level)', 'expected a mapping with a "metrics" key')
    if 'metrics' not in document:
        raise _Invalid('metrics', 'required key missing')
    unknown = sorted(str(key) for key in document if key != 'metrics')
    if unknown:
        raise _Invalid(unknown[0], 'unknown key (only "metrics" is allowed)')
    metrics = document['metrics']
    if not isinstance(metrics, dict) or not metrics:
        raise _Invalid('metrics', 'expected a non-empty mapping of metric names')
    parsed: dict[str, MetricDefinition] = {}
    for name, value in metrics.items():
        name_path = 'metrics.%s' % name
        if not isinstance(name, str) or not name:
            raise _Invalid(name_path, 'a metric name must be a non-empty string')
        if isinstance(value, list):
            if not value:
                raise _Invalid(name_path, 'expected at least one definition')
            for index, item in enumerate(value):
                item_path = '%s[%d]' % (name_path, index)
                definition = _parse_definition(item_path, name, item, schema, scope_key)
                key = '%s%s%s' % (name, ALT_NAME_SEPARATOR, definition.alt_name or name)
                if key in parsed:
                    raise _Invalid(item_path, 'another definition of %s already uses '
                                   'alt_name %r; each needs a distinct alt_name'
                                   % (name, definition.alt_name or name))
                parsed[key] = dataclasses.replace(definition, key=key)
        else:
            parsed[name] = _parse_definition(name_path, name, value, schema, scope_key)
    return dict(sorted(parsed.items()))


def _parse_definition(key_path: str, name: str, value: Any, schema: ExtraArgsSchema,
                      scope_key: str) -> MetricDefinition:
    if not isinstance(value, dict):
        raise _Invalid(key_path, 'expected a mapping (or a list of mappings)')
    unknown = sorted(str(key) for key in value if key not in _DEFINITION_KEYS)
    if unknown:
        raise _Invalid('%s.%s' % (key_path, unknown[0]), 'unknown key')
    if 'unit' not in value:
        raise _Invalid(key_path + '.unit', 'required key missing')

    def field(key: str, check: Callable[[str, Any], Any], default: Any = None) -> Any:
        if key not in value:
            return default
        return check('%s.%s' % (key_path, key), value[key])

    groupby = list(dict.fromkeys(field('groupby', _string_list, [])))
    if scope_key not in groupby:
        groupby.append(scope_key)
    metadata = list(dict.fromkeys(field('metadata', _string_list, [])))
    both = [key for key in metadata if key in groupby]
    if both:
        raise _Invalid(key_path, '%r is listed in both groupby and metadata%s' % (
            both[0], ' (the scope key is always in groupby)' if both[0] == scope_key
            else ''))
    mutate = field('mutate', _mutator, 'NONE')
    mutate_map = field('mutate_map', _number_map)
    if mutate == 'MAP' and mutate_map is None:
        raise _Invalid(key_path + '.mutate_map', 'required when mutate is MAP')
    if mutate != 'MAP' and mutate_map is not None:
        raise _Invalid(key_path + '.mutate_map', 'only allowed when mutate is MAP')
    return MetricDefinition(
        key=name,
        source=name,
        unit=field('unit', _non_empty_string),
        alt_name=field('alt_name', _non_empty_string),
        description=field('description', _non_empty_string),
        factor=field('factor', _number, decimal.Decimal(1)),
        offset=field('offset', _number, decimal.Decimal(0)),
        groupby=tuple(groupby),
        metadata=tuple(metadata),
        mutate=mutate,
        mutate_map=mutate_map,
        skip_datapoints_expression=field('skip_datapoints_expression', _non_empty_string),
        extra_args=_extra_args(key_path + '.extra_args', value.get('extra_args', {}),
                               schema),
    )


def _non_empty_string(key_path: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _Invalid(key_path, 'expected a non-empty string, got %r' % (value,))
    return value


def _string_list(key_path: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid(key_path, 'expected a list of strings, got %r' % (value,))
    return [_non_empty_string('%s[%d]' % (key_path, index), item)
            for index, item in enumerate(value)]


def _number(key_path: str, value: Any) -> decimal.Decimal:
    """An int, a float or a fraction string such as ``"1/1048576"``.

    Fractions go through float, like the reference implementation, so factors
    give the same quantities; collectors round the result to 9 digits.
    """
    if isinstance(value, bool):
        raise _Invalid(key_path, 'expected a number or a fraction, got %r' % (value,))
    if isinstance(value, (int, float)):
        return decimal.Decimal(value)
    if isinstance(value, str):
        try:
            return decimal.Decimal(float(fractions.Fraction(value.strip())))
        except (ValueError, ZeroDivisionError):
            pass
    raise _Invalid(key_path, 'expected a number or a fraction like "1/1024", got %r'
                   % (value,))


def _mutator(key_path: str, value: Any) -> str:
    if value not in MUTATORS:
        raise _Invalid(key_path, 'invalid value %r, expected one of: %s'
                       % (value, ', '.join(MUTATORS)))
    return value


def _number_map(key_path: str, value: Any) -> dict[float, float]:
    if not isinstance(value, dict) or not value:
        raise _Invalid(key_path, 'expected a non-empty mapping of number to number')
    result = {}
    for key, mapped in value.items():
        for item in (key, mapped):
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise _Invalid('%s.%s' % (key_path, key),
                               'expected numbers on both sides, got %r' % (item,))
        result[float(key)] = float(mapped)
    return result


def _extra_args(key_path: str, value: Any, schema: ExtraArgsSchema) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise _Invalid(key_path, 'expected a mapping, got %r' % (value,))
    unknown = sorted(str(key) for key in value if key not in schema)
    if unknown:
        raise _Invalid('%s.%s' % (key_path, unknown[0]), 'unknown key for this '
                       'collector (allowed: %s)' % (', '.join(sorted(schema)) or 'none'))
    result = {}
    for key, arg in schema.items():
        if key in value:
            result[key] = arg.validate('%s.%s' % (key_path, key), value[key])
        elif arg.required:
            raise _Invalid('%s.%s' % (key_path, key), 'required key missing')
        else:
            result[key] = arg.default
    return result

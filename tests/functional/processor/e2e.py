"""A small priced cloud for end-to-end runs of the processor (test and benchmark).

Usage of four kinds of resources (instances with a flavor, volumes with a type
and a size in GiB, floating IPs, images with a size in bytes) is generated
here, written into a real Prometheus, collected with the metrics.yml below and
priced with the hashmap rules of ``TARIFF``, created through the API exactly
as an operator would. Both ``test_prometheus_e2e`` and
``tools/bench/processor.py`` use it, so the benchmark measures the very path
the test proves correct.
"""
from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from cloudkitty.common import tz
from cloudkitty.processor import service as processor_service
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.processor.reprocessor import Reprocessor
from tests.fixtures.synthetic_cloud import Series

HOUR = datetime.timedelta(hours=1)
GIB = 2 ** 30
HASHMAP = '/v1/rating/module_config/hashmap'
FLAVORS = ('m1.small', 'm1.medium', 'm1.large')
VOLUME_TYPES = ('ssd', 'hdd')

#: Prometheus metric -> its metrics.yml definition; alt_name is the metric type.
METRICS = {
    'ck_instance': {'unit': 'instance', 'alt_name': 'instance',
                    'groupby': ['id', 'project_id'], 'metadata': ['flavor']},
    'ck_volume_size_gib': {'unit': 'GiB', 'alt_name': 'volume.size',
                           'groupby': ['id', 'project_id'], 'metadata': ['volume_type']},
    'ck_ip_floating': {'unit': 'ip', 'alt_name': 'ip.floating',
                       'groupby': ['id', 'project_id']},
    'ck_image_size_bytes': {'unit': 'GiB', 'alt_name': 'image.size',
                            'groupby': ['id', 'project_id'], 'factor': '1/1073741824'},
}
PROMETHEUS_NAME = {definition['alt_name']: name for name, definition in METRICS.items()}
#: The label of each type that hashmap fields look at (metadata in metrics.yml).
ATTRIBUTE = {'instance': 'flavor', 'volume.size': 'volume_type'}


@dataclasses.dataclass(frozen=True)
class Tariff:
    """The price list, as plain numbers; ``create_rules`` turns it into hashmap rules."""

    flavor_flat: dict[str, Decimal]
    """instance: field ``flavor`` flat mapping per flavor (per instance-hour)."""
    override_scope: str
    override_flavor: str
    override_flat: Decimal
    """instance: the same mapping for one tenant only, replacing the global one."""
    volume_flat: Decimal
    """volume.size: service flat mapping (per GiB-hour)."""
    volume_type_rate: dict[str, Decimal]
    """volume.size: field ``volume_type`` rate mapping (multiplies the flat)."""
    ip_flat: Decimal
    """ip.floating: service flat mapping."""
    image_flat: Decimal
    """image.size: service flat mapping (per GiB-hour)."""
    image_threshold_level: Decimal
    image_threshold_rate: Decimal
    """image.size: service rate threshold: images of at least ``level`` GiB get a discount."""


TARIFF = Tariff(
    flavor_flat={'m1.small': Decimal('0.05'), 'm1.medium': Decimal('0.12'),
                 'm1.large': Decimal('0.31')},
    override_scope='scope-1', override_flavor='m1.small', override_flat=Decimal('0.04'),
    volume_flat=Decimal('0.0004'), volume_type_rate={'ssd': Decimal('2.5')},
    ip_flat=Decimal('0.006'),
    image_flat=Decimal('0.0002'), image_threshold_level=Decimal('10'),
    image_threshold_rate=Decimal('0.75'))


@dataclasses.dataclass(frozen=True)
class Resource:
    """One resource's raw usage: what Prometheus holds, before any conversion."""

    metric_type: str
    scope_id: str
    resource_id: str
    attribute: str | None
    """Value of the type's ATTRIBUTE label (flavor, volume type), if it has one."""
    values: dict[int, int]
    """Hour index -> raw sample; an hour without a sample is an hour without the
    resource."""


def scope_id(index: int) -> str:
    return 'scope-%d' % index


def generate(scopes: int, resources: int, hours: int) -> list[Resource]:
    """``resources`` resources of each type per scope, with usage that varies.

    Instances vanish now and then (no sample, nothing to rate), volumes grow
    every day, floating IPs are released at three different hours, and images
    have quarter-GiB sizes on both sides of the image threshold.
    """
    cloud = []
    for s in range(scopes):
        scope = scope_id(s)
        for r in range(resources):
            cloud.append(Resource(
                'instance', scope, 'vm-%d-%d' % (s, r), FLAVORS[(s + r) % len(FLAVORS)],
                {h: 1 for h in range(hours) if (h + 3 * r + s) % 13}))
            cloud.append(Resource(
                'volume.size', scope, 'vol-%d-%d' % (s, r),
                VOLUME_TYPES[(s + r) % len(VOLUME_TYPES)],
                {h: 10 * (r + 1) + 5 * (h // 24) for h in range(hours)}))
            cloud.append(Resource(
                'ip.floating', scope, 'ip-%d-%d' % (s, r), None,
                {h: 1 for h in range(max(1, hours - 8 * (r % 3)))}))
            cloud.append(Resource(
                'image.size', scope, 'img-%d-%d' % (s, r), None,
                {h: GIB * (12 + 16 * r + 2 * s + h % 3) // 4 for h in range(hours)}))
    return cloud


def to_series(cloud: Iterable[Resource], start: datetime.datetime,
              period: int = 3600) -> list[Series]:
    """Prometheus series of the cloud, one sample in the middle of each period.

    A resource's "hours" are periods of ``period`` seconds: shorter periods let
    tests rate a live cloud in seconds.
    """
    first = tz.to_epoch(start) + period // 2
    series = []
    for resource in cloud:
        labels = {'project_id': resource.scope_id, 'id': resource.resource_id}
        if resource.attribute is not None:
            labels[ATTRIBUTE[resource.metric_type]] = resource.attribute
        series.append(Series(PROMETHEUS_NAME[resource.metric_type], labels,
                             [(first + hour * period, value)
                              for hour, value in sorted(resource.values.items())]))
    return series


def _created(response, key: str) -> str:
    assert response.status == 201, response.text
    return response.json[key]


def create_rules(client, since: datetime.datetime, tariff: Tariff = TARIFF) -> None:
    """Enable hashmap and create the tariff's rules through the API.

    Mappings start at ``since`` (in the past, hence ``force=true``) so that
    they price the history.
    """
    response = client.put('/v2/rating/modules/hashmap', json={'enabled': True})
    assert response.status == 204, response.text
    services = {name: _created(client.post(HASHMAP + '/services', json={'name': name}),
                               'service_id')
                for name in PROMETHEUS_NAME}
    fields = {name: _created(client.post(HASHMAP + '/fields', json={
        'name': attribute, 'service_id': services[name]}), 'field_id')
        for name, attribute in ATTRIBUTE.items()}

    def mapping(cost: Decimal, map_type: str = 'flat', **parent) -> None:
        _created(client.post(HASHMAP + '/mappings', params={'force': 'true'}, json={
            'cost': str(cost), 'type': map_type, 'start': since.isoformat(), **parent}),
            'mapping_id')

    for flavor, cost in tariff.flavor_flat.items():
        mapping(cost, field_id=fields['instance'], value=flavor)
    mapping(tariff.override_flat, field_id=fields['instance'], value=tariff.override_flavor,
            tenant_id=tariff.override_scope)
    mapping(tariff.volume_flat, service_id=services['volume.size'])
    for volume_type, rate in tariff.volume_type_rate.items():
        mapping(rate, 'rate', field_id=fields['volume.size'], value=volume_type)
    mapping(tariff.ip_flat, service_id=services['ip.floating'])
    mapping(tariff.image_flat, service_id=services['image.size'])
    _created(client.post(HASHMAP + '/thresholds', json={
        'service_id': services['image.size'], 'level': str(tariff.image_threshold_level),
        'type': 'rate', 'cost': str(tariff.image_threshold_rate)}), 'threshold_id')


def start_scopes(client, scope_ids: Iterable[str], last_processed: datetime.datetime) -> None:
    """Create the scopes' states so that rating resumes after ``last_processed``."""
    for scope in scope_ids:
        response = client.post('/v2/scope', json={
            'scope_id': scope, 'last_processed_timestamp': last_processed.isoformat()})
        assert response.status == 200, response.text


def conf_overrides(metrics_conf: str, prometheus_url: str, scope_ids: list[str],
                   lock_dir: str) -> dict[str, dict]:
    """``[group] option`` settings of a processor on that Prometheus (API test style)."""
    return {
        'collect': {'metrics_conf': metrics_conf, 'collector': 'prometheus',
                    'period': 3600, 'wait_periods': 2},
        'collector_prometheus': {'prometheus_url': prometheus_url},
        'fetcher': {'backend': 'source'},
        'fetcher_source': {'sources': scope_ids},
        'orchestrator': {'coordination_url': 'file://%s' % lock_dir, 'max_threads': 4},
    }


def _run_passes(conf, name: str, loop: Callable[..., Any]) -> int:
    """Build a worker like a ``cloudkitty-processor`` process does, then run
    ``loop(components, worker).run_pass()`` until a pass rates nothing.

    Returns the number of periods rated.
    """
    components = processor_service.build_components(conf, name)
    worker = processor_service.build_worker(conf, components)
    try:
        runner = loop(components, worker)
        rated = 0
        while passed := runner.run_pass():
            rated += passed
        return rated
    finally:
        worker.close()
        components.coordinator.stop()
        components.db.dispose()


def run_until_caught_up(conf, clock: Callable[[], datetime.datetime]) -> int:
    """The real orchestrator in-process, until nothing is ready; ``clock`` is the wall clock."""
    return _run_passes(conf, 'e2e', lambda components, worker: Orchestrator(
        conf, components.db, components.fetcher, worker, components.coordinator, clock=clock))


def run_reprocessor(conf) -> int:
    """The real reprocessing loop in-process, until no schedule has work left."""
    return _run_passes(conf, 'reprocessor-test', lambda components, worker: Reprocessor(
        conf, components.db, components.storage, worker, components.coordinator))

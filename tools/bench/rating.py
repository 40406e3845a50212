#!/usr/bin/env python
"""Measure the rating pipeline's throughput with a realistic hashmap rule set.

Builds a throwaway SQLite database (created by the migrations) holding 20
hashmap services, 40 fields, 500 mappings, 50 thresholds and 5 groups
(flavors, images, volume types, network tiers, per-tenant overrides), then
rates 1,000,000 points spread over 5 metric types with ``RatingPipeline.rate``
on one core. Reports the median of several runs, measured in CPU time of this
process (wall time is also shown: on a shared machine it includes waiting for
a core), and the time of a reload.

    python -m tools.bench.rating [--points N] [--runs N] [--output result.json]
"""
from __future__ import annotations

import argparse
import datetime
import decimal
import os
import random
import sys
import tempfile
import time
import uuid

from cloudkitty import service
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import migration, models
from cloudkitty.db import modules as modules_db
from cloudkitty.db.engine import Database
from cloudkitty.rating.pipeline import RatingPipeline
from tools.bench.common import Table, median, number, timed, write_json

PERIOD_START = datetime.datetime(2026, 11, 1)
PERIOD_END = PERIOD_START + datetime.timedelta(hours=1)
RULES_START = datetime.datetime(2026, 1, 1)
SCOPE = 'project-0007'
GROUPS = ('compute', 'license', 'storage', 'network', 'discount')
FLAVORS = ['%s.%s' % (family, size) for family in ('m1', 'm2', 'c1', 'r1', 'g1', 'x1')
           for size in ('tiny', 'small', 'medium', 'large', 'xlarge', 'xxlarge',
                        '2xlarge', '4xlarge', '8xlarge', '16xlarge')]
IMAGES = ['image-%03d' % index for index in range(120)]
VOLUME_TYPES = ['ssd', 'hdd', 'nvme', 'archive', 'replicated', 'encrypted']
ZONES = ['az-1', 'az-2', 'az-3', 'az-4']
RATED_TYPES = ('instance', 'volume.size', 'image.size', 'ip.floating', 'network.bw.out')
OTHER_SERVICES = ('network.bw.in', 'radosgw.objects.size', 'cpu', 'memory', 'disk.read',
                  'disk.write', 'snapshot.size', 'backup.size', 'lb.listener',
                  'dns.zone', 'secret', 'share.size', 'container.cpu', 'gpu.hours',
                  'object.requests')
# Fields per service: 16 for the rated types, 24 spread over the others.
SERVICE_FIELDS = {
    'instance': ('flavor_name', 'image_id', 'os_type', 'vcpus', 'availability_zone'),
    'volume.size': ('volume_type', 'availability_zone', 'encrypted'),
    'image.size': ('disk_format', 'container_format', 'visibility'),
    'ip.floating': ('pool', 'status'),
    'network.bw.out': ('network_type', 'availability_zone', 'qos_policy'),
}
for _index, _service in enumerate(OTHER_SERVICES):
    SERVICE_FIELDS[_service] = ('kind',) if _index % 2 == 0 else ('kind', 'tier')
for _service in OTHER_SERVICES[:2]:
    SERVICE_FIELDS[_service] += ('region',)


def _d(value) -> decimal.Decimal:
    return decimal.Decimal(str(value))


class RuleSet:
    """Creates the rows; counts what it created so the report can show it."""

    def __init__(self, session):
        self.session = session
        self.rng = random.Random(42)
        self.services: dict[str, models.HashMapService] = {}
        self.fields: dict[tuple[str, str], models.HashMapField] = {}
        self.groups: dict[str, models.HashMapGroup] = {}
        self.mappings = 0
        self.thresholds = 0

    def _add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def build(self) -> None:
        for name in GROUPS:
            self.groups[name] = self._add(models.HashMapGroup(group_id=str(uuid.uuid4()),
                                                              name=name))
        for service_name, field_names in SERVICE_FIELDS.items():
            service_row = self._add(models.HashMapService(service_id=str(uuid.uuid4()),
                                                          name=service_name))
            self.services[service_name] = service_row
            for field_name in field_names:
                self.fields[service_name, field_name] = self._add(models.HashMapField(
                    field_id=str(uuid.uuid4()), name=field_name, service_id=service_row.id))
        self._instance_rules()
        self._volume_rules()
        self._image_ip_network_rules()
        self._other_rules()

    def mapping(self, cost, *, service=None, field=None, value=None, map_type='flat',
                group=None, tenant=None) -> None:
        self.mappings += 1
        self.session.add(models.HashMapMapping(
            mapping_id=str(uuid.uuid4()), value=value, cost=_d(cost), map_type=map_type,
            service_id=self.services[service].id if service else None,
            field_id=self.fields[field].id if field else None,
            group_id=self.groups[group].id if group else None, tenant_id=tenant,
            start=RULES_START, created_by='bench', name=uuid.uuid4().hex))

    def threshold(self, level, cost, *, service=None, field=None, map_type='flat',
                  group=None, tenant=None) -> None:
        self.thresholds += 1
        self.session.add(models.HashMapThreshold(
            threshold_id=str(uuid.uuid4()), level=_d(level), cost=_d(cost),
            map_type=map_type, service_id=self.services[service].id if service else None,
            field_id=self.fields[field].id if field else None,
            group_id=self.groups[group].id if group else None, tenant_id=tenant))

    def _instance_rules(self) -> None:
        flavor = ('instance', 'flavor_name')
        for index, name in enumerate(FLAVORS):  # 60 flavors
            self.mapping(0.01 * (index + 1), field=flavor, value=name, group='compute')
        for index, name in enumerate(FLAVORS[:40]):  # tenant price lists
            tenant = 'project-%04d' % (index % 10)
            self.mapping(0.009 * (index + 1), field=flavor, value=name, group='compute',
                         tenant=tenant)
        for index, image in enumerate(IMAGES):  # 120 licensed images
            self.mapping(0.002 * (index % 15 + 1), field=('instance', 'image_id'),
                         value=image, group='license')
        self.mapping(1.5, field=('instance', 'os_type'), value='windows', map_type='rate',
                     group='license')
        self.mapping(0.005, field=('instance', 'os_type'), value='linux', group='license')
        self.mapping(0.95, service='instance', map_type='rate', group='compute')
        for zone, cost in zip(ZONES, (1, 1.05, 1.1, 0.9), strict=True):
            self.mapping(cost, field=('instance', 'availability_zone'), value=zone,
                         map_type='rate', group='compute')
        for level, cost in ((2, 0.01), (4, 0.02), (8, 0.04), (16, 0.08), (32, 0.16)):
            self.threshold(level, cost, field=('instance', 'vcpus'), group='compute')
        for level, cost in ((8, 0.98), (16, 0.95), (32, 0.9)):
            self.threshold(level, cost, field=('instance', 'vcpus'), map_type='rate',
                           group='discount', tenant=SCOPE)

    def _volume_rules(self) -> None:
        self.mapping(0.0005, service='volume.size', group='storage')
        for index, name in enumerate(VOLUME_TYPES):
            self.mapping(0.0004 * (index + 1), field=('volume.size', 'volume_type'),
                         value=name, group='storage')
            self.mapping(0.0003 * (index + 1), field=('volume.size', 'volume_type'),
                         value=name, group='storage', tenant=SCOPE)
        self.mapping(1.2, field=('volume.size', 'encrypted'), value='True', map_type='rate',
                     group='storage')
        for zone in ZONES:
            self.mapping(1.01, field=('volume.size', 'availability_zone'), value=zone,
                         map_type='rate', group='storage')
        for level, cost in ((100, 0.97), (500, 0.93), (1000, 0.9), (5000, 0.85)):
            self.threshold(level, cost, service='volume.size', map_type='rate',
                           group='storage')
        self.threshold(0, 0.01, service='volume.size', group='discount')

    def _image_ip_network_rules(self) -> None:
        for index, name in enumerate(('qcow2', 'raw', 'vmdk', 'iso', 'vhd')):
            self.mapping(0.0001 * (index + 1), field=('image.size', 'disk_format'),
                         value=name, group='storage')
        for name in ('bare', 'ovf', 'docker'):
            self.mapping(1.1, field=('image.size', 'container_format'), value=name,
                         map_type='rate', group='storage')
        for name, cost in (('public', 0.5), ('private', 1), ('shared', 0.8)):
            self.mapping(cost, field=('image.size', 'visibility'), value=name,
                         map_type='rate', group='storage')
        self.mapping(0.004, service='ip.floating', group='network')
        for index in range(8):
            self.mapping(0.003 + index * 0.001, field=('ip.floating', 'pool'),
                         value='pool-%d' % index, group='network')
        self.mapping(0.5, field=('ip.floating', 'status'), value='DOWN', map_type='rate',
                     group='network')
        self.mapping(0.00002, service='network.bw.out', group='network')
        for index, name in enumerate(('vxlan', 'vlan', 'flat', 'geneve')):
            self.mapping(0.00001 * (index + 1), field=('network.bw.out', 'network_type'),
                         value=name, group='network')
        for index in range(6):
            self.mapping(1 - index * 0.05, field=('network.bw.out', 'qos_policy'),
                         value='qos-%d' % index, map_type='rate', group='network')
        for zone in ZONES:
            self.mapping(1.02, field=('network.bw.out', 'availability_zone'), value=zone,
                         map_type='rate', group='network')

    def _other_rules(self) -> None:
        """Spread the remaining mappings and thresholds over the unrated services."""
        other_fields = [key for key in self.fields if key[0] in OTHER_SERVICES]
        index = 0
        while self.mappings < 500:
            field = other_fields[index % len(other_fields)]
            self.mapping(self.rng.randint(1, 1000) / 10000, field=field,
                         value='%s-%d' % (field[1], index), group=GROUPS[index % 3])
            index += 1
        index = 0
        while self.thresholds < 50:
            service_name = OTHER_SERVICES[index % len(OTHER_SERVICES)]
            self.threshold(10 * (index + 1), 0.95, service=service_name, map_type='rate',
                           group='discount')
            index += 1


def _points(metric_type: str, count: int, rng: random.Random) -> list[DataPoint]:
    """Points of one metric type; some field values match rules, some do not."""
    qty_one = decimal.Decimal(1)
    sizes = [decimal.Decimal(size) for size in (1, 10, 20, 50, 80, 100, 250, 500, 1000,
                                                2000, 8000)]
    bandwidth = [decimal.Decimal(rng.randint(1, 10**7)) / 1000 for _ in range(500)]
    projects = ['project-%04d' % index for index in range(12)]
    points = []
    for index in range(count):
        groupby = {'id': str(uuid.UUID(int=rng.getrandbits(128))),
                   'project_id': projects[index % len(projects)],
                   'user_id': 'user-%03d' % (index % 200)}
        if metric_type == 'instance':
            # vcpus follow the flavor and the OS follows the image, as in a cloud.
            flavor = rng.randrange(len(FLAVORS) + 4)
            image = rng.randrange(len(IMAGES) + 50)
            metadata = {'flavor_name': FLAVORS[flavor] if flavor < len(FLAVORS) else
                        'custom-%d' % flavor,
                        'image_id': IMAGES[image] if image < len(IMAGES) else
                        'image-private-%d' % image,
                        'os_type': 'windows' if image % 5 == 0 else 'linux',
                        'vcpus': str(2 ** (flavor % 10 % 6)),
                        'availability_zone': ZONES[index % 4]}
            qty = qty_one
        elif metric_type == 'volume.size':
            metadata = {'volume_type': VOLUME_TYPES[index % 7 % len(VOLUME_TYPES)],
                        'availability_zone': ZONES[index % 4],
                        'encrypted': index % 4 == 0}
            qty = sizes[index % len(sizes)]
        elif metric_type == 'image.size':
            metadata = {'disk_format': ('qcow2', 'raw', 'ami')[index % 3],
                        'container_format': 'bare', 'visibility': 'private'}
            qty = sizes[index % 5]
        elif metric_type == 'ip.floating':
            metadata = {'pool': 'pool-%d' % (index % 10), 'status': 'ACTIVE'}
            qty = qty_one
        else:
            metadata = {'network_type': ('vxlan', 'vlan', 'gre')[index % 3],
                        'availability_zone': ZONES[index % 4],
                        'qos_policy': 'qos-%d' % (index % 8)}
            qty = bandwidth[index % len(bandwidth)]
        points.append(DataPoint('unit', qty, decimal.Decimal(0), groupby, metadata))
    return points


def measure(points: int, runs: int) -> dict[str, object]:
    """Rate ``points`` points ``runs`` times on fresh caches; CPU and wall times."""
    conf = service.prepare_service([], setup_logging=False)
    with tempfile.TemporaryDirectory() as tmp_dir:
        db = Database('sqlite:///%s' % os.path.join(tmp_dir, 'bench.sqlite'))
        migration.upgrade(db)
        with db.session() as session:
            rules = RuleSet(session)
            rules.build()
            modules_db.save_state(session, 'hashmap', enabled=True)

        pipeline = RatingPipeline(conf, db)
        reload_times, _ = timed(lambda: pipeline.reload(PERIOD_START, SCOPE), 5)

        rng = random.Random(7)
        per_type = max(1, points // len(RATED_TYPES))
        usage = {metric_type: _points(metric_type, per_type, rng)
                 for metric_type in RATED_TYPES}
        frame = DataFrame(PERIOD_START, PERIOD_END, usage)

        rate_times, wall_times = [], []
        for _ in range(runs):
            pipeline.reload(PERIOD_START, SCOPE)  # fresh caches, as every period
            began, wall_began = time.process_time(), time.perf_counter()
            rated = pipeline.rate(frame)
            rate_times.append(time.process_time() - began)
            wall_times.append(time.perf_counter() - wall_began)
        total_price = sum((point.price for _type, point in rated.iterpoints()),
                          decimal.Decimal(0))
        db.dispose()

    cpu = median(rate_times)
    return {
        'modules': pipeline.module_names,
        'rules': {'services': len(rules.services), 'fields': len(rules.fields),
                  'groups': len(rules.groups), 'mappings': rules.mappings,
                  'thresholds': rules.thresholds},
        'points': len(frame),
        'metric_types': len(RATED_TYPES),
        'runs': runs,
        'runs_cpu_seconds': [round(value, 4) for value in rate_times],
        'runs_wall_seconds': [round(value, 4) for value in wall_times],
        'median_cpu_seconds': round(cpu, 4),
        'median_wall_seconds': round(median(wall_times), 4),
        'points_per_second': round(len(frame) / cpu),
        'reload_median_ms': round(median(reload_times) * 1000, 2),
        'total_price': str(total_price),
    }


def rules_summary(result: dict[str, object]) -> str:
    return ('%(services)d services, %(fields)d fields, %(groups)d groups, '
            '%(mappings)d mappings, %(thresholds)d thresholds' % result['rules'])


def table(results: list[dict[str, object]]) -> Table:
    """One row per size: the growth of the rating cost with the points rated."""
    return Table('rating', 'Rating core (hashmap, one core; %s)' % rules_summary(results[0]),
                 ['points', 'CPU s (median)', 'points/s (CPU)', 'wall s (median)',
                  'reload ms', 'runs'],
                 [[number(result['points']), number(result['median_cpu_seconds'], 3),
                   number(result['points_per_second']),
                   number(result['median_wall_seconds'], 3),
                   number(result['reload_median_ms'], 1), str(result['runs'])]
                  for result in results])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--points', type=int, default=1_000_000,
                        help='points rated per run, spread over 5 metric types')
    parser.add_argument('--runs', type=int, default=3, help='timed runs (median reported)')
    parser.add_argument('--output', help='also write the results as JSON to this path')
    args = parser.parse_args()
    result = measure(args.points, args.runs)
    table([result]).print()
    print('CPU time per run (s): %s; total price %s' % (
        ', '.join('%.3f' % value for value in result['runs_cpu_seconds']),
        result['total_price']))
    if args.output:
        write_json(args.output, result)
    return 0


if __name__ == '__main__':
    sys.exit(main())

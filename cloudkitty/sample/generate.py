"""Usage of a small, made-up cloud for the file collector (the quick start's data).

Three projects run instances of several flavors, volumes of two types, floating
IPs and images; one sample per resource per hour over the last ``days`` days
(relative to now), written as JSON Lines (format: ``cloudkitty.collector.file``).
The same seed always gives the same cloud and, for the same ``now``, the same
samples.

Usage::

    python -m cloudkitty.sample.generate --output /var/lib/cloudkitty/usage --days 31

writes ``usage.jsonl`` and ``cloud.json`` (the projects and resources, so a
caller can configure ``[fetcher_source] sources``) in the output directory.
``metrics.yml`` and ``hashmap.yml`` next to this module describe how to rate it.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import sys
import uuid
from collections.abc import Iterator
from importlib import resources
from typing import Any

from cloudkitty.common import tz

#: name -> (vcpus, ram in MiB)
FLAVORS = {
    'm1.tiny': (1, 512),
    'm1.small': (1, 2048),
    'm1.medium': (2, 4096),
    'm1.large': (4, 8192),
}
VOLUME_TYPES = ('ssd', 'hdd')
PROJECT_NAMES = ('acme-web', 'acme-data', 'research')
GIB = 1024 ** 3

#: Files bundled with this package that describe how to rate the sample cloud.
METRICS_FILE = 'metrics.yml'
HASHMAP_FILE = 'hashmap.yml'


@dataclasses.dataclass
class Resource:
    """One resource of the sample cloud and the hours it exists."""

    metric: str
    labels: dict[str, str]
    first_hour: int
    last_hour: int
    value: float
    traffic: bool = False


def sample_file(name: str) -> str:
    """Path of a bundled sample file (metrics.yml, hashmap.yml)."""
    return str(resources.files('cloudkitty.sample') / name)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_cloud(hours: int, seed: int = 42) -> tuple[list[dict[str, str]], list[Resource]]:
    """The projects and resources of the cloud, for a window of ``hours`` hours."""
    rng = random.Random(seed)
    projects = [{'id': uuid.UUID(int=rng.getrandbits(128)).hex, 'name': name}
                for name in PROJECT_NAMES]
    cloud: list[Resource] = []

    def lifetime() -> tuple[int, int]:
        # Most resources live the whole window; some are created or deleted in it.
        first = 0 if rng.random() < 0.6 else rng.randrange(hours)
        last = hours - 1 if rng.random() < 0.8 else rng.randrange(first, hours)
        return first, last

    for project in projects:
        scope = {'project_id': project['id']}
        for _ in range(rng.randint(2, 4)):
            flavor = rng.choice(sorted(FLAVORS))
            vcpus, ram = FLAVORS[flavor]
            instance_id = _uuid(rng)
            first, last = lifetime()
            cloud.append(Resource('instance', {
                **scope, 'id': instance_id, 'flavor_name': flavor,
                'flavor_id': 'flavor-%s' % flavor, 'vcpus': str(vcpus), 'ram': str(ram),
            }, first, last, 1))
            cloud.append(Resource('network.outgoing.bytes', {**scope, 'id': instance_id},
                                  first, last, rng.randint(5, 500) * 1024 ** 2, traffic=True))
        for _ in range(rng.randint(1, 3)):
            cloud.append(Resource('volume.size', {
                **scope, 'id': _uuid(rng), 'volume_type': rng.choice(VOLUME_TYPES),
            }, *lifetime(), rng.choice((10, 20, 50, 100))))
        for _ in range(rng.randint(1, 2)):
            cloud.append(Resource('ip.floating', {**scope, 'id': _uuid(rng)},
                                  *lifetime(), 1))
        for _ in range(rng.randint(1, 2)):
            cloud.append(Resource('image.size', {
                **scope, 'id': _uuid(rng), 'disk_format': rng.choice(('qcow2', 'raw')),
            }, *lifetime(), rng.randint(1, 20) * GIB // 4))
    return projects, cloud


def iter_samples(days: int, seed: int = 42,
                 now: datetime.datetime | None = None) -> Iterator[dict[str, Any]]:
    """Hourly samples over the ``days`` days before the current hour, in time order."""
    hours = days * 24
    end = (now or tz.utcnow()).replace(minute=0, second=0, microsecond=0)
    start = end - datetime.timedelta(hours=hours)
    _, cloud = build_cloud(hours, seed)
    traffic_rng = random.Random(seed + 1)
    for hour in range(hours):
        when = (start + datetime.timedelta(hours=hour)).isoformat() + 'Z'
        for resource in cloud:
            if resource.first_hour <= hour <= resource.last_hour:
                value = resource.value
                if resource.traffic:
                    value = int(value * traffic_rng.uniform(0.2, 1.8))
                yield {'metric': resource.metric, 'time': when, 'value': value,
                       'labels': resource.labels}


def generate(output_dir: str, days: int = 31, seed: int = 42,
             now: datetime.datetime | None = None) -> dict[str, Any]:
    """Write usage.jsonl and cloud.json into ``output_dir``; return the summary."""
    os.makedirs(output_dir, exist_ok=True)
    projects, cloud = build_cloud(days * 24, seed)
    usage_path = os.path.join(output_dir, 'usage.jsonl')
    count = 0
    with open(usage_path, 'w', encoding='utf-8') as stream:
        for sample in iter_samples(days, seed, now):
            stream.write(json.dumps(sample, separators=(',', ':')) + '\n')
            count += 1
    summary = {
        'projects': projects,
        'resources': [{'metric': r.metric, **r.labels} for r in cloud],
        'samples': count,
        'usage_file': usage_path,
        'metrics_file': sample_file(METRICS_FILE),
        'hashmap_file': sample_file(HASHMAP_FILE),
    }
    with open(os.path.join(output_dir, 'cloud.json'), 'w', encoding='utf-8') as stream:
        json.dump(summary, stream, indent=2)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--output', required=True, help='directory to write into')
    parser.add_argument('--days', type=int, default=31, help='days of history (default 31)')
    parser.add_argument('--seed', type=int, default=42, help='random seed (default 42)')
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error('--days must be at least 1')
    summary = generate(args.output, args.days, args.seed)
    print('Wrote %d samples for projects %s to %s' % (
        summary['samples'], ', '.join(p['id'] for p in summary['projects']),
        summary['usage_file']))
    return 0


if __name__ == '__main__':
    sys.exit(main())

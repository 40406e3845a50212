"""What the suite measures, at which sizes, and how long that is expected to take.

``quick`` checks that every benchmark works (tiny sizes, minutes); ``full``
is what the documentation shows: three sizes of each kind of work, a decade
apart, so the growth of the cost with the work is visible. The expected
durations come from a simple cost model whose rates were measured on the
2-core machine of the documentation; they are estimates, printed before a run
so nobody starts an hour-long run by mistake.
"""
from __future__ import annotations

import dataclasses

from tools.bench.api import QUERIES, HttpSettings
from tools.bench.processor import CloudSize
from tools.bench.storage import HOURS

STAGES = ('rating', 'storage', 'processor')
#: The small cloud of the targets: 3 scopes, about 7 points a period, 525 hourly periods.
SMALL_CLOUD = CloudSize(3, 2, 525)
#: One scope of 10,000 resources of each type: 40,000 points a period.
ONE_LARGE_SCOPE = CloudSize(1, 10_000, 6)


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    runs: int
    """Runs of each figure (its median is reported)."""
    backends: tuple[str, ...]
    rating_points: tuple[int, ...]
    """Points rated by the rating core, one size a row."""
    storage_points: tuple[int, ...]
    """Points of the stored month (push, then report queries and load through the API)."""
    storage_projects: int
    storage_single_run_from: int
    """Stores this large are pushed once: one push takes minutes."""
    max_points: dict[str, int]
    """Backends skipped above a size: their month summaries take tens of seconds there."""
    http: HttpSettings
    processor_sizes: tuple[CloudSize, ...]
    processor_workers: tuple[int, ...]
    processor_single_run_from: int
    """Clouds of this many resources are rated once."""
    processor_timeout: float

    def storage_runs(self, points: int) -> int:
        return 1 if points >= self.storage_single_run_from else self.runs

    def storage_backends(self, points: int) -> list[str]:
        return [backend for backend in self.backends
                if points <= self.max_points.get(backend, points)]

    def processor_runs(self, cloud: CloudSize) -> int:
        return 1 if cloud.total_resources >= self.processor_single_run_from else self.runs


QUICK = Profile(
    name='quick', runs=2, backends=('sqlite', 'postgresql', 'influxdb'),
    rating_points=(2_000, 10_000, 50_000),
    storage_points=(2_000, 6_000, 20_000), storage_projects=20,
    storage_single_run_from=10 ** 9, max_points={},
    http=HttpSettings(repeat=5, connections=20, threads=2, duration=2, runs=2),
    processor_sizes=(CloudSize(1, 5, 3), CloudSize(2, 10, 3), CloudSize(4, 20, 3)),
    processor_workers=(1, 2), processor_single_run_from=10 ** 9, processor_timeout=300)

FULL = Profile(
    name='full', runs=3, backends=('sqlite', 'postgresql', 'influxdb'),
    rating_points=(10_000, 100_000, 1_000_000),
    storage_points=(100_000, 1_000_000, 10_000_000), storage_projects=100,
    storage_single_run_from=10_000_000,
    max_points={'sqlite': 1_000_000, 'influxdb': 1_000_000},
    http=HttpSettings(repeat=20, connections=20, threads=2, duration=10, runs=3),
    processor_sizes=(CloudSize(10, 25, 6), CloudSize(50, 50, 6), CloudSize(100, 250, 6),
                     SMALL_CLOUD, ONE_LARGE_SCOPE),
    processor_workers=(1, 2), processor_single_run_from=100_000, processor_timeout=3600)

PROFILES = {profile.name: profile for profile in (QUICK, FULL)}

# The cost model: rates on 2 quiet cores (seconds, points per second).
_RATE_POINTS_PER_S = 500_000
_GENERATE_POINTS_PER_S = 80_000
_PUSH_POINTS_PER_S = {'sqlite': 11_000, 'postgresql': 45_000, 'influxdb': 25_000}
_PUSH_SECONDS_PER_FRAME = 0.004
_SUMMARY_SECONDS_PER_POINT = {'sqlite': 2.6e-6, 'postgresql': 1e-7, 'influxdb': 1.2e-6}
_PAGE_SECONDS = 0.05
_PAGE_SECONDS_PER_POINT = {'sqlite': 1e-7, 'postgresql': 3e-7, 'influxdb': 2.3e-6}
_API_START_SECONDS = 8
_PROCESSOR_POINTS_PER_S = {'sqlite': 15_000, 'postgresql': 10_000, 'influxdb': 1_500}
_PROCESSOR_START_SECONDS = 6
_PROMETHEUS_SAMPLES_PER_S = 200_000


def _storage_seconds(profile: Profile, points: int) -> float:
    seconds = points / _GENERATE_POINTS_PER_S
    http = profile.http
    for backend in profile.storage_backends(points):
        push = points / _PUSH_POINTS_PER_S[backend] + HOURS * _PUSH_SECONDS_PER_FRAME
        summary_count = sum(name.startswith('summary') for name in QUERIES)
        summaries = summary_count * (http.repeat + 1) * points * _SUMMARY_SECONDS_PER_POINT[
            backend]
        pages = (len(QUERIES) - summary_count) * (http.repeat + 1) * (
            _PAGE_SECONDS + points * _PAGE_SECONDS_PER_POINT[backend])
        load = 2 * (http.runs * (http.duration + 1) + 1)
        seconds += (profile.storage_runs(points) * push + _API_START_SECONDS + summaries
                    + pages + load)
    return seconds


def _processor_seconds(profile: Profile, cloud: CloudSize) -> float:
    points = cloud.total_resources * cloud.hours
    seconds = points / _PROMETHEUS_SAMPLES_PER_S + 5
    for backend in profile.backends:
        per_run = _PROCESSOR_START_SECONDS + points / _PROCESSOR_POINTS_PER_S[backend]
        seconds += len(profile.processor_workers) * profile.processor_runs(cloud) * per_run
    return seconds


def expected_seconds(profile: Profile) -> dict[str, float]:
    """Stage -> the expected wall seconds of a run of ``profile`` on 2 quiet cores."""
    return {
        'rating': sum(5 + points / _GENERATE_POINTS_PER_S
                      + profile.runs * points / _RATE_POINTS_PER_S
                      for points in profile.rating_points),
        'storage': sum(_storage_seconds(profile, points) for points in profile.storage_points),
        'processor': sum(_processor_seconds(profile, cloud)
                         for cloud in profile.processor_sizes),
    }

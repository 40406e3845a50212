"""The benchmark suite: every benchmark at the sizes of a profile, into one JSON file.

    python -m tools.bench --quick              # minutes: does everything work?
    python -m tools.bench                      # the full profile (see --plan)
    python -m tools.bench --write-doc          # full profile, then the doc tables
    python -m tools.bench --plan               # sizes and expected duration only

Stages: ``rating`` (the rating core alone), ``storage`` (push a month of rated
data into each backend, then report queries and load through a real
``cloudkitty-api`` on it) and ``processor`` (end to end, Prometheus to
storage, 1 and 2 workers). Each figure is the median of the profile's runs.
The JSON is written after each stage, so a failure keeps what was measured;
``--write-doc`` writes it to ``doc/source/benchmarks.json`` and regenerates the
tables of ``doc/source/benchmarks.rst`` (:mod:`tools.bench.report`).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from typing import Any

from tools.bench import api, machine, processor, rating, report, storage
from tools.bench.common import medians, size, write_json
from tools.bench.profiles import PROFILES, STAGES, Profile, expected_seconds
from tools.bench.stores import fresh_store, influx_server_for

FORMAT = 1


def _say(message: str) -> None:
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), message), file=sys.stderr, flush=True)


def run_rating(profile: Profile) -> list[dict[str, Any]]:
    results = []
    for points in profile.rating_points:
        _say('rating: %s points, %d runs' % (size(points), profile.runs))
        results.append(rating.measure(points, profile.runs))
    return results


def _storage_entry(profile: Profile, backend: str, frames, influx, points: int
                   ) -> dict[str, Any]:
    """Pushes into fresh stores; the last one stays up for the HTTP benchmarks."""
    runs = profile.storage_runs(points)
    pushes, entry = [], {}
    for run in range(runs):
        _say('storage: %s, %s points, push %d/%d' % (backend, size(points), run + 1, runs))
        with tempfile.TemporaryDirectory(prefix='ck-bench-') as workdir, \
                fresh_store(backend, workdir, influx) as store:
            pushes.append(storage.push_month(store.driver(), frames))
            if run == runs - 1:
                entry['analyze_seconds'] = round(storage.refresh_statistics(store), 3)
                _say('api: %s, %s points' % (backend, size(points)))
                entry['api'] = api.measure(store, frames, profile.http, workdir)
    return {'backend': backend, 'size': points, 'points': pushes[-1]['points'],
            'push': medians(pushes), **entry}


def run_storage(profile: Profile) -> list[dict[str, Any]]:
    results = []
    with influx_server_for(profile.backends) as influx:
        for points in profile.storage_points:
            _say('storage: generating a month of %s points' % size(points))
            frames = storage.build_month(points, profile.storage_projects)
            for backend in profile.storage_backends(points):
                results.append(_storage_entry(profile, backend, frames, influx, points))
            del frames
    return results


def run_processor(profile: Profile) -> list[dict[str, Any]]:
    results = []
    with influx_server_for(profile.backends) as influx:
        for cloud in profile.processor_sizes:
            with tempfile.TemporaryDirectory(prefix='ck-bench-') as workdir, \
                    processor.prometheus_history(cloud, workdir) as history:
                for backend in profile.backends:
                    for workers in profile.processor_workers:
                        results.append(processor.measure(
                            backend, workers, processor.THREADS, history,
                            profile.processor_runs(cloud), influx, profile.processor_timeout))
    return results


RUNNERS = {'rating': run_rating, 'storage': run_storage, 'processor': run_processor}


def missing_requirements(profile: Profile, stages: list[str]) -> list[str]:
    """What the stages need and this machine lacks (servers on loopback, binaries)."""
    needs = set()
    if set(stages) & {'storage', 'processor'}:
        if set(profile.backends) & {'postgresql', 'influxdb'}:
            needs.add('postgresql')
        if 'influxdb' in profile.backends:
            needs.add('influxd')
    if 'storage' in stages:
        needs.add('wrk')
    if 'processor' in stages:
        needs.update(('prometheus', 'promtool'))
    problems = ['%s is not installed (Debian package %s)' % (
        binary, {'influxd': 'influxdb', 'promtool': 'prometheus'}.get(binary, binary))
        for binary in sorted(needs - {'postgresql'}) if shutil.which(binary) is None]
    if 'postgresql' in needs and machine.postgresql_version() is None:
        problems.append('PostgreSQL does not answer (CLOUDKITTY_TEST_POSTGRES_URL)')
    return problems


def describe_plan(profile: Profile, stages: list[str]) -> str:
    expected = expected_seconds(profile)
    lines = ['profile %s: %d runs of each figure; backends %s' % (
        profile.name, profile.runs, ', '.join(profile.backends))]
    if 'rating' in stages:
        lines.append('  rating: %s points' % ', '.join(map(size, profile.rating_points)))
    if 'storage' in stages:
        points = profile.storage_points
        lines.append('  storage + API: a month of %s points (%s projects)%s%s; %d requests per '
                     'query, wrk %d clients x %d s x %d runs' % (
                         ', '.join(map(size, points)), profile.storage_projects,
                         ''.join('; %s up to %s' % (backend, size(limit))
                                 for backend, limit in profile.max_points.items()
                                 if limit < max(points)),
                         '; pushed once from %s' % size(profile.storage_single_run_from)
                         if profile.storage_single_run_from <= max(points) else '',
                         profile.http.repeat, profile.http.connections, profile.http.duration,
                         profile.http.runs))
    if 'processor' in stages:
        clouds = profile.processor_sizes
        lines.append('  processor: %s resources (%s), %s worker(s)%s' % (
            ', '.join(size(cloud.total_resources) for cloud in clouds),
            ', '.join('%d scopes x %d x 4 types x %d h' % (c.scopes, c.resources, c.hours)
                      for c in clouds),
            ' and '.join(map(str, profile.processor_workers)),
            '; rated once from %s resources' % size(profile.processor_single_run_from)
            if profile.processor_single_run_from <= max(c.total_resources for c in clouds)
            else ''))
    lines.append('  expected duration on 2 quiet cores: about %d min (%s)' % (
        round(sum(expected[stage] for stage in stages) / 60),
        ', '.join('%s %d min' % (stage, round(expected[stage] / 60)) for stage in stages)))
    return '\n'.join(lines)


def run(profile: Profile, stages: list[str], output: str) -> dict[str, Any]:
    """Run the stages, writing the JSON document to ``output`` after each."""
    expected = expected_seconds(profile)
    document: dict[str, Any] = {
        'format': FORMAT, 'profile': profile.name, 'runs': profile.runs,
        'machine': machine.describe(),
        'expected_seconds': {stage: round(expected[stage]) for stage in stages},
        'stage_seconds': {}}
    for stage in stages:
        started = time.perf_counter()
        document[stage] = RUNNERS[stage](profile)
        document['stage_seconds'][stage] = round(time.perf_counter() - started)
        document['machine']['load_average_at_end'] = [round(value, 2)
                                                      for value in os.getloadavg()]
        write_json(output, document)
        for table in report.stage_tables(document, stage):
            table.print()
        _say('%s done in %d s; results in %s' % (stage, document['stage_seconds'][stage],
                                                 output))
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tools.bench',
                                     description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='The quick profile: tiny sizes, to check that all works.')
    parser.add_argument('--only', help='Comma-separated stages: %s.' % ', '.join(STAGES))
    parser.add_argument('--output', help='The JSON results (default: %s, or the docs\' '
                                         'JSON with --write-doc).' % os.path.join(
                                             tempfile.gettempdir(),
                                             'cloudkitty-bench-PROFILE.json'))
    parser.add_argument('--write-doc', action='store_true',
                        help='Write the results to %s and regenerate the tables of %s.' % (
                            report.RESULTS_FILE, report.DOC_FILE))
    parser.add_argument('--plan', action='store_true',
                        help='Print the sizes and the expected duration, run nothing.')
    args = parser.parse_args(argv)
    profile = PROFILES['quick' if args.quick else 'full']
    stages = args.only.split(',') if args.only else list(STAGES)
    unknown = set(stages) - set(STAGES)
    if unknown:
        parser.error('unknown stage(s): %s' % ', '.join(sorted(unknown)))
    if args.write_doc and (args.quick or args.only):
        parser.error('--write-doc documents a complete full run: no --quick, no --only')
    print(describe_plan(profile, stages))
    if args.plan:
        return 0
    problems = missing_requirements(profile, stages)
    if problems:
        print('cannot run the benchmarks:\n  %s' % '\n  '.join(problems), file=sys.stderr)
        return 2
    output = args.output or (report.RESULTS_FILE if args.write_doc else os.path.join(
        tempfile.gettempdir(), 'cloudkitty-bench-%s.json' % profile.name))
    document = run(profile, stages, output)
    for table in report.tables(document):
        table.print()
    if args.write_doc:
        report.update_doc(report.DOC_FILE, report.tables(document))
        print('regenerated the tables of %s from %s' % (report.DOC_FILE, output))
    return 0

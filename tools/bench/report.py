"""Turn the suite's JSON results into the tables of ``doc/source/benchmarks.rst``.

Each table lives between two comment lines of the page::

    .. begin generated table: rating
    ...
    .. end generated table: rating

and only what is between them is replaced, so the hand-written prose around
the tables stays. The tables are built by the same functions that print them
during a run (:class:`tools.bench.common.Table`).

    python -m tools.bench.report [--results doc/source/benchmarks.json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from tools.bench import api, processor, rating, storage
from tools.bench.common import REPO_ROOT, Table, number, size
from tools.bench.stores import BACKENDS

RESULTS_FILE = os.path.join(REPO_ROOT, 'doc', 'source', 'benchmarks.json')
DOC_FILE = os.path.join(REPO_ROOT, 'doc', 'source', 'benchmarks.rst')
BEGIN = '.. begin generated table: %s'
END = '.. end generated table: %s'


def machine_table(document: dict[str, Any]) -> Table:
    machine = document['machine']
    durations = ', '.join('%s %d min' % (stage, round(seconds / 60))
                          for stage, seconds in document['stage_seconds'].items())
    rows = [
        ('profile', '%s (%d runs of each figure, medians)' % (document['profile'],
                                                              document['runs'])),
        ('measured', '%s, revision %s' % (machine['recorded_at'], machine['git_revision'])),
        ('duration', durations),
        ('CPU', '%s cores, %s' % (machine['cores'], machine['cpu_model'])),
        ('memory', '%s GiB' % machine['memory_gib']),
        ('load average', 'at start %s; at end %s' % (
            ' '.join(map(str, machine['load_average_at_start'])),
            ' '.join(map(str, machine.get('load_average_at_end', ['?']))))),
        ('system', '%s, Linux %s' % (machine['os'], machine['kernel'])),
        ('versions', 'Python %(python)s, SQLite %(sqlite)s, PostgreSQL %(postgresql)s, '
                     'Prometheus %(prometheus)s, InfluxDB %(influxdb)s, wrk %(wrk)s' % machine),
    ]
    return Table('machine', 'Machine', ['Item', 'Value'], [list(row) for row in rows])


def _find(entries: list[dict[str, Any]], **wanted) -> dict[str, Any] | None:
    return next((entry for entry in entries
                 if all(entry.get(key) == value for key, value in wanted.items())), None)


def _storage_targets(document: dict[str, Any]) -> list[list[str]]:
    rows = []
    stored = document.get('storage') or []
    pushed = _find(stored, backend='postgresql', size=1_000_000)
    if pushed:
        rows.append(['Push of a month of 1M points, PostgreSQL', '≤ 15 s',
                     '%s s' % number(pushed['push']['push_seconds'], 1)])
        query = pushed['api']['queries']['summary_by_project']
        rows.append(['Month summary by project over 1M points, PostgreSQL, '
                     'through the API (p50)', '≤ 1 s', '%s s' % number(query['p50_ms'] / 1000,
                                                                      3)])
    largest = _find(stored, backend='postgresql', size=10_000_000)
    query = largest and largest['api']['queries'].get('summary_by_project_and_type')
    if query:
        rows.append(['Month summary by project and type over 10M points, PostgreSQL, '
                     'through the API (p95)', '≤ 300 ms', '%s ms' % number(query['p95_ms'], 1)])
    return rows


def _processor_targets(document: dict[str, Any]) -> list[list[str]]:
    rows = []
    runs = document.get('processor') or []
    for backend in ('sqlite', 'postgresql'):
        small = _find(runs, backend=backend, workers=1, scopes=3, hours=525)
        if small:
            rows.append(['Small cloud (3 scopes × 525 hourly periods, %s points) caught up, '
                         '%s, 1 worker' % (number(small['rated_points']), backend),
                         '≤ 8 s (CloudKitty 25.0.0: about 160 s)',
                         '%s s' % number(small['wall_seconds'], 2)])
    large = _find(runs, backend='postgresql', workers=1, scopes=1, resources=40_000)
    if large:
        rate = large['points_per_second_running'] or large['points_per_second']
        per_period = large['rated_points'] / large['hours']
        rows.append(['One period of one scope of 10,000 resources × 4 types (%s points) '
                     'rated and stored, PostgreSQL' % number(round(per_period)), '≤ 3 s',
                     '%s s' % number(per_period / rate, 2)])
    end_to_end = _find(runs, backend='postgresql', workers=2, resources=100_000)
    if end_to_end:
        rows.append(['End to end, Prometheus + PostgreSQL, 2 workers, 100k resources '
                     '(points/s)', '≥ 20,000', number(end_to_end['points_per_second'])])
    if large:
        rows.append(['Peak RSS of a processor worker rating those 40,000-point periods, '
                     'PostgreSQL', '≤ 150 MB', _megabytes(large['peak_rss_worker_max_mib'])])
    if runs:
        rows.append(['Peak RSS of a processor worker, every run above (no target)', '—',
                     _megabytes(max(run['peak_rss_worker_max_mib'] for run in runs))])
    return rows


def _megabytes(mebibytes: float) -> str:
    """``144 MB (137 MiB)``: the issue's targets are in MB, the tables in MiB."""
    return '%s MB (%s MiB)' % (number(round(mebibytes * 2 ** 20 / 10 ** 6)),
                               number(round(mebibytes)))


def targets_table(document: dict[str, Any]) -> Table:
    """The figures with a target, and whether it is met."""
    rows = []
    ratings = document.get('rating') or []
    if ratings:
        best = ratings[-1]
        rows.append(['Rating core, points/s on one core (%s points)' % size(best['points']),
                     '≥ 500,000', number(best['points_per_second'])])
    rows += _storage_targets(document) + _processor_targets(document)
    return Table('targets', 'Targets', ['Measure', 'Target', 'Result'], rows)


def stage_tables(document: dict[str, Any], stage: str) -> list[Table]:
    """The tables of one stage of the suite, each backend's sizes together (growth)."""
    results = document.get(stage) or []
    if not results:
        return []
    if stage == 'rating':
        return [rating.table(results)]
    if stage == 'storage':
        results = sorted(results, key=lambda entry: (BACKENDS.index(entry['backend']),
                                                     entry['size']))
        return [storage.push_table(results), *api.tables(results)]
    return [processor.table(sorted(results, key=lambda entry: (
        BACKENDS.index(entry['backend']), entry['workers'], entry['resources'])))]


def tables(document: dict[str, Any]) -> list[Table]:
    """Every table of the page, from the suite's JSON document."""
    return [machine_table(document), targets_table(document),
            *(table for stage in ('rating', 'storage', 'processor')
              for table in stage_tables(document, stage))]


def render(table: Table) -> str:
    """A reStructuredText list-table."""
    if not table.rows:
        return 'Not measured in this run.\n'
    lines = ['.. list-table:: %s' % table.title, '   :header-rows: 1', '']
    for row in [table.header, *table.rows]:
        lines.append('   * - %s' % (row[0] or ' '))
        lines.extend('     - %s' % (cell or ' ') for cell in row[1:])
    return '\n'.join(lines) + '\n'


def update_doc(path: str, new_tables: list[Table]) -> None:
    """Replace the text between each table's markers in the page at ``path``."""
    with open(path, encoding='utf-8') as stream:
        text = stream.read()
    for table in new_tables:
        pattern = re.compile(r'(^%s\n).*?(^%s$)' % (re.escape(BEGIN % table.key),
                                                   re.escape(END % table.key)),
                             re.DOTALL | re.MULTILINE)
        if not pattern.search(text):
            raise ValueError('%s has no markers for table %r (%s ... %s)' % (
                path, table.key, BEGIN % table.key, END % table.key))
        text = pattern.sub(lambda match, table=table: '%s\n%s\n%s' % (
            match.group(1), render(table), match.group(2)), text)
    with open(path, 'w', encoding='utf-8') as stream:
        stream.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--results', default=RESULTS_FILE, help='The suite\'s JSON results.')
    parser.add_argument('--doc', default=DOC_FILE, help='The page to update.')
    args = parser.parse_args(argv)
    with open(args.results, encoding='utf-8') as stream:
        document = json.load(stream)
    update_doc(args.doc, tables(document))
    print('regenerated the tables of %s from %s' % (args.doc, args.results))
    return 0


if __name__ == '__main__':
    sys.exit(main())

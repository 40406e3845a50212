"""What the benchmarks share: repeated timings, tables, JSON output, config files.

A figure is measured several times and reported as its median (latencies
also as p95/p99 over many requests). Every benchmark prints its figures as
:class:`Table` rows; the same rows become the reStructuredText tables of
``doc/source/benchmarks.rst`` (see :mod:`tools.bench.report`), so what a run
prints and what the documentation shows cannot drift apart.
"""
from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))
RULES_FILE = os.path.join(BENCH_DIR, 'hashmap.yml')
"""The hashmap rules every benchmark that goes through the API loads."""
BIN_DIR = os.path.dirname(sys.executable)


def console_script(name: str) -> str:
    """Path of a console script of this interpreter's environment (e.g. the venv's)."""
    return os.path.join(BIN_DIR, name)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the value below which ``fraction`` of the runs fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed(action: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Wall seconds of ``repeat`` calls of ``action``, and its last answer."""
    timings, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = action()
        timings.append(time.perf_counter() - started)
    return timings, answer


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per numeric key, the median over the runs (other values from the last run).

    Counts stay whole numbers; a figure some runs could not give (None) is the
    median of the runs that gave it.
    """
    merged = dict(runs[-1])
    for key in runs[-1]:
        values = [run[key] for run in runs if run.get(key) is not None]
        if values and all(_is_number(value) for value in values):
            middle = median(values)
            whole = all(isinstance(value, int) for value in values)
            merged[key] = round(middle) if whole else round(middle, 4)
    merged['runs'] = len(runs)
    return merged


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclasses.dataclass
class Table:
    """One table of figures: printed by the scripts, rendered into the docs."""

    key: str
    """Its marker in benchmarks.rst."""
    title: str
    header: list[str]
    rows: list[list[str]]

    def print(self, stream=sys.stdout) -> None:
        cells = [self.header, *self.rows]
        widths = [max(len(row[column]) for row in cells) for column in range(len(self.header))]
        print('\n%s' % self.title, file=stream)
        for index, row in enumerate(cells):
            print('  '.join(cell.rjust(width) if index and column else cell.ljust(width)
                            for column, (cell, width) in enumerate(zip(row, widths,
                                                                       strict=True))),
                  file=stream)
            if index == 0:
                print('  '.join('-' * width for width in widths), file=stream)


def number(value: float, digits: int = 0) -> str:
    """A figure as the tables show it: thousands separated, fixed decimals."""
    return '{:,.{}f}'.format(value, digits)


def size(value: int) -> str:
    """A count of points or resources: 1k, 100k, 1M, 10M."""
    for unit, scale in (('M', 10 ** 6), ('k', 10 ** 3)):
        if value >= scale:
            return ('%.1f' % (value / scale)).removesuffix('.0') + unit
    return str(value)


def write_json(path: str, document: Any) -> None:
    with open(path, 'w', encoding='utf-8') as stream:
        json.dump(document, stream, indent=2)
        stream.write('\n')


def write_config(path: str, sections: dict[str, dict[str, Any]]) -> None:
    """An oslo.config file from ``{group: {option: value}}`` (lists comma-joined)."""
    with open(path, 'w', encoding='utf-8') as stream:
        for group, options in sections.items():
            stream.write('[%s]\n' % group)
            for name, value in options.items():
                if isinstance(value, (list, tuple)):
                    value = ','.join(str(item) for item in value)
                stream.write('%s = %s\n' % (name, value))
            stream.write('\n')


def merge_sections(*layers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{group: {option: value}}`` settings, later layers overriding earlier ones."""
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for group, options in layer.items():
            merged.setdefault(group, {}).update(options)
    return merged


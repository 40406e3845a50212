"""A fleet of ``cloudkitty-processor`` processes, each started from its own file.

Every processor is the virtualenv's console script run with ``--config-file``,
as an operator (or systemd) starts it, in a session of its own: a SIGKILL to
the process group takes down its cotyledon master and its rating worker
together, like a machine that is lost. :meth:`Fleet.restart_exited` plays
systemd's ``Restart=always``: whatever exited is started again.

Everything done to the fleet is written to a journal (``chaos-events.log``
next to the processors' logs) with the time since the fleet started, to read
a failed run against the processors' own logs.
"""
from __future__ import annotations

import dataclasses
import datetime
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

import psutil
import sqlalchemy as sa

STOP_TIMEOUT = 30
#: A processor that just exited is started again after this pause.
RESTART_DELAY = 0.5
#: What a rating worker logs for every period it stores.
RATED_LINE = 'Rated scope'


def write_config(path: str, sections: Mapping[str, Mapping[str, Any]]) -> None:
    """An ini file of ``{group: {option: value}}``; lists become comma-separated."""
    with open(path, 'w', encoding='utf-8') as stream:
        for group, options in sections.items():
            stream.write('[%s]\n' % group)
            for name, value in options.items():
                if isinstance(value, list | tuple):
                    value = ','.join(value)
                stream.write('%s = %s\n' % (name, value))
            stream.write('\n')


@dataclasses.dataclass
class Processor:
    name: str
    config: str
    log_path: str
    process: subprocess.Popen | None = None
    exited_at: float | None = None
    """When the supervisor saw it exit by itself (None while running)."""

    def log_text(self) -> str:
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as stream:
                return stream.read()
        except FileNotFoundError:
            return ''


@dataclasses.dataclass
class FleetFigures:
    starts: int = 0
    node_kills: int = 0
    """SIGKILL of a whole processor (master and worker)."""
    worker_kills: int = 0
    """SIGKILL of the rating worker only (its cotyledon master starts another)."""
    self_exits: int = 0
    """Processors that exited on their own (e.g. started while the database was down)."""


class Fleet:
    """``count`` processors sharing one configuration but each with its own file."""

    def __init__(self, workdir: str, count: int, sections: Mapping[str, Mapping[str, Any]]):
        self.figures = FleetFigures()
        self.processors: list[Processor] = []
        self.journal_path = os.path.join(workdir, 'chaos-events.log')
        self._born = time.monotonic()
        for index in range(count):
            name = 'chaos-node-%d' % index
            config = os.path.join(workdir, '%s.conf' % name)
            write_config(config, {
                **sections, 'DEFAULT': {**sections.get('DEFAULT', {}), 'host': name},
                # Its name in pg_stat_activity, to see who is writing.
                'database': {**sections['database'], 'connection': sa.engine.make_url(
                    sections['database']['connection']).update_query_dict(
                        {'application_name': name}).render_as_string(hide_password=False)}})
            self.processors.append(Processor(name, config,
                                             os.path.join(workdir, '%s.log' % name)))

    def note(self, event: str) -> None:
        """Add a line to the journal: wall clock (as in the logs), seconds since start."""
        with open(self.journal_path, 'a', encoding='utf-8') as journal:
            journal.write('%s +%7.2fs %s\n' % (
                datetime.datetime.now().strftime('%H:%M:%S.%f')[:-3],
                time.monotonic() - self._born, event))

    def start(self, processor: Processor) -> None:
        script = os.path.join(os.path.dirname(sys.executable), 'cloudkitty-processor')
        with open(processor.log_path, 'ab') as log:
            processor.process = subprocess.Popen(
                [script, '--config-file', processor.config], stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        processor.exited_at = None
        self.figures.starts += 1
        self.note('start %s (pid %d)' % (processor.name, processor.process.pid))

    def start_all(self) -> None:
        for processor in self.processors:
            self.start(processor)

    def wait_until_rating(self, timeout: float) -> None:
        """Until every processor has stored a period: the faults must find them at work."""
        deadline = time.monotonic() + timeout
        while waiting := [processor.name for processor in self.processors
                          if RATED_LINE not in processor.log_text()]:
            self.restart_exited()
            if time.monotonic() > deadline:
                raise AssertionError('%s rated nothing within %d s\n%s' % (
                    waiting, timeout, self.log_tails()))
            time.sleep(0.2)
        self.note('every processor is rating')

    def running(self) -> list[Processor]:
        return [processor for processor in self.processors
                if processor.process is not None and processor.process.poll() is None]

    def kill_node(self, processor: Processor, why: str) -> None:
        """SIGKILL the processor's whole process group, then start it again."""
        assert processor.process is not None
        _kill_group(processor.process)
        self.figures.node_kills += 1
        self.note('SIGKILL %s, master and worker (%s)' % (processor.name, why))
        self.start(processor)

    def signal(self, processor: Processor, signum: int) -> None:
        """Send ``signum`` to every process of the processor (master and worker)."""
        assert processor.process is not None
        try:
            os.killpg(processor.process.pid, signum)
        except ProcessLookupError:
            pass
        self.note('%s to %s' % (signal.Signals(signum).name, processor.name))

    def kill_worker(self, processor: Processor, why: str) -> bool:
        """SIGKILL the rating worker of a processor; False if it has none right now."""
        assert processor.process is not None
        try:
            worker = psutil.Process(processor.process.pid).children()[0]
            worker.kill()
        except (psutil.NoSuchProcess, IndexError):
            return False
        self.figures.worker_kills += 1
        self.note('SIGKILL the worker (pid %d) of %s (%s)' % (worker.pid, processor.name, why))
        return True

    def restart_exited(self) -> None:
        """Start again, after a short pause, every processor that exited on its own."""
        now = time.monotonic()
        for processor in self.processors:
            if processor.process is None or processor.process.poll() is None:
                continue
            if processor.exited_at is None:
                processor.exited_at = now
                self.figures.self_exits += 1
                self.note('%s exited by itself with status %s' % (
                    processor.name, processor.process.returncode))
                # Its worker may outlive the master for a moment: no stale worker
                # may keep rating next to the new one.
                _kill_group(processor.process)
            elif now - processor.exited_at >= RESTART_DELAY:
                self.start(processor)

    def stop_all(self) -> list[int | None]:
        """SIGTERM every processor (a graceful stop) and wait; the exit codes."""
        self.note('SIGTERM to every processor')
        for processor in self.running():
            processor.process.send_signal(signal.SIGTERM)
        codes = []
        for processor in self.processors:
            if processor.process is None:
                codes.append(None)
                continue
            try:
                codes.append(processor.process.wait(STOP_TIMEOUT))
            except subprocess.TimeoutExpired:
                codes.append(None)
            _kill_group(processor.process)
        return codes

    def log_tails(self, chars: int = 3000) -> str:
        try:
            with open(self.journal_path, encoding='utf-8') as journal:
                tails = ['--- events\n%s' % journal.read()[-chars:]]
        except FileNotFoundError:
            tails = []
        tails.extend('--- %s\n%s' % (processor.name, processor.log_text()[-chars:])
                     for processor in self.processors)
        return '\n'.join(tails)

    def count_in_logs(self, text: str) -> int:
        return sum(processor.log_text().count(text) for processor in self.processors)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the session of ``process`` and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()

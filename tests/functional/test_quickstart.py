"""The README's quick start, driven as an operator runs it.

From a clean copy of the tracked files and with no virtual environment yet,
``tools/quickstart.sh`` must install the service, bring up the API and the
processor on embedded defaults, get the sample cloud rated with non-zero
prices, answer the official CLI it printed, stop both daemons on Ctrl-C, and
resume on a second run without rating any period twice.
"""
from __future__ import annotations

import datetime
import json
import os
import pathlib
import queue
import signal
import socket
import subprocess
import threading
import time
from decimal import Decimal

import pytest
import requests

from tests.fixtures import source_tree

READY_LINE = 'Press Ctrl-C to stop both daemons.'
WAIT_PERIODS = 2  # the default [collect] wait_periods the quick start keeps

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class QuickStart:
    """One run of tools/quickstart.sh in its own process group."""

    def __init__(self, clone: pathlib.Path, port: int):
        env = {name: value for name, value in os.environ.items()
               if name not in ('CLOUDKITTY_VENV', 'CLOUDKITTY_QUICKSTART_DIR', 'VIRTUAL_ENV')}
        env['CLOUDKITTY_QUICKSTART_PORT'] = str(port)
        self.process = subprocess.Popen(
            [str(clone / 'tools' / 'quickstart.sh')], cwd=clone, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip('\n'))
        self._queue.put(None)

    @property
    def output(self) -> str:
        return '\n'.join(self.lines)

    def wait_until_ready(self, timeout: float = 900) -> None:
        """Wait for the instructions; the first run includes a fresh pip install."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail('quickstart.sh exited before it was ready:\n' + self.output)
            self.lines.append(line)
            if line == READY_LINE:
                return
        pytest.fail('quickstart.sh not ready after %ss:\n%s' % (timeout, self.output))

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the whole foreground group, as a terminal does."""
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=90)
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return code

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def _openstack(clone: pathlib.Path, port: int, *args: str):
    """The client the quick start installed, configured as it printed."""
    env = dict(os.environ, OS_AUTH_TYPE='cloudkitty-noauth',
               OS_ENDPOINT='http://127.0.0.1:%d' % port)
    result = subprocess.run([str(clone / '.venv' / 'bin' / 'openstack'), *args, '-f', 'json'],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _last_rateable_period() -> datetime.datetime:
    """Start of the newest period the processor rates now (naive UTC)."""
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        hours=WAIT_PERIODS + 1)


def _wait_until_caught_up(port: int, timeout: float = 420) -> datetime.datetime:
    """Wait until every scope is rated up to now; return the newest period start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = requests.get('http://127.0.0.1:%d/v2/scope' % port, timeout=10)
        # 404 until the processor has registered a first scope.
        scopes = response.json().get('results', []) if response.ok else []
        states = {datetime.datetime.fromisoformat(scope['last_processed_timestamp'])
                  .replace(tzinfo=None) for scope in scopes}
        if len(scopes) == 3 and min(states) >= _last_rateable_period():
            return min(states)
        time.sleep(2)
    pytest.fail('the processor did not catch up within %ss: %s' % (timeout, scopes))


def _daemons_gone(quickstart: QuickStart) -> bool:
    try:
        os.killpg(quickstart.process.pid, 0)
    except ProcessLookupError:
        return True
    return False


def _month_start_is_rateable() -> bool:
    """False in the first hours of a month, when no period of it can be rated yet."""
    now = datetime.datetime.now(datetime.UTC)
    return not (now.day == 1 and now.hour <= WAIT_PERIODS)


def test_quickstart_rates_the_sample_stops_on_ctrl_c_and_resumes(tmp_path):
    rateable = _month_start_is_rateable()
    clone = source_tree.clean_copy(tmp_path / 'clone')
    port = _free_port()
    first = QuickStart(clone, port)
    try:
        first.wait_until_ready()
        assert 'Created hashmap rules for instance' in first.output
        assert 'export OS_AUTH_TYPE=cloudkitty-noauth OS_ENDPOINT=http://127.0.0.1:%d' % (
            port) in first.output
        if rateable:
            newest = _wait_until_caught_up(port)
            end = (newest + datetime.timedelta(hours=1)).isoformat()
            summary = _openstack(clone, port, 'rating', 'summary', 'get', '-e', end)
            by_type = _openstack(clone, port, 'rating', 'summary', 'get', '-e', end, '-g', 'type')
            assert Decimal(str(summary[0]['Rate'])) > 0
            assert {row['Type'] for row in by_type} == {
                'instance', 'volume.size', 'ip.floating', 'image.size',
                'network.outgoing.bytes'}
            assert _openstack(clone, port, 'rating', 'dataframes', 'get', '--limit', '3')

        assert first.interrupt() != 0
        assert _daemons_gone(first), 'a daemon survived Ctrl-C'
        assert 'Stopping cloudkitty-api and cloudkitty-processor' in first.output
    finally:
        first.kill()

    second = QuickStart(clone, port)
    try:
        second.wait_until_ready()
        assert 'Hashmap rules already loaded' in second.output
        if rateable:
            _wait_until_caught_up(port)
            again = _openstack(clone, port, 'rating', 'summary', 'get', '-e', end)
            assert again == summary, 'the second run rated some periods twice'
        second.interrupt()
        assert _daemons_gone(second)
    finally:
        second.kill()

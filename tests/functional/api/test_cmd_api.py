"""``cloudkitty-api``: a real server process, stopped by a signal."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.fixtures.api import METRICS_FILE, PASTE_FILE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _write_config(path, db_url: str, port: int) -> None:
    path.write_text(
        '[DEFAULT]\nauth_strategy = noauth\napi_paste_config = %s\n'
        '[api]\nhost = 127.0.0.1\nport = %d\n'
        '[database]\nconnection = %s\n'
        '[storage]\nbackend = sqlalchemy\n'
        '[collect]\ncollector = prometheus\nmetrics_conf = %s\n'
        % (PASTE_FILE, port, db_url, METRICS_FILE))


def _command(config) -> list[str]:
    script = 'import sys; from cloudkitty.cmd.api import main; sys.exit(main())'
    return [sys.executable, '-c', script, '--config-file', str(config)]


def _wait_for(url: str, process: subprocess.Popen) -> dict:
    for _attempt in range(200):
        if process.poll() is not None:
            pytest.fail('cloudkitty-api exited: %s' % process.stderr.read())
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                return json.load(reply)
        except OSError:
            time.sleep(0.1)
    pytest.fail('cloudkitty-api did not answer on %s' % url)


@pytest.mark.parametrize('stop_signal', [signal.SIGTERM, signal.SIGINT])
def test_serves_then_stops_on_signal(sqlite_db, tmp_path, stop_signal):
    port = _free_port()
    config = tmp_path / 'cloudkitty.conf'
    _write_config(config, sqlite_db.engine.url.render_as_string(hide_password=False),
                  port)
    process = subprocess.Popen(_command(config), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED='1'))
    try:
        versions = _wait_for('http://127.0.0.1:%d/' % port, process)
        assert [version['id'] for version in versions['versions']] == ['v1', 'v2']
        process.send_signal(stop_signal)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_bad_configuration_is_one_line(tmp_path):
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[DEFAULT]\napi_paste_config = /nonexistent/api_paste.ini\n'
                      '[database]\nconnection = sqlite://\n')
    result = subprocess.run(_command(config), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert 'api_paste_config file /nonexistent/api_paste.ini not found' in lines[0]

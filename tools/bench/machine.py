"""The machine a benchmark ran on, recorded next to its figures.

Figures mean little without the cores, the CPU, how busy the machine was and
the versions of the servers; a missing server or binary is recorded as such
(``None``) rather than failing here: the stage that needs it says so.
"""
from __future__ import annotations

import datetime
import os
import platform
import re
import sqlite3
import subprocess

import sqlalchemy as sa

from tests.fixtures import servers
from tools.bench.common import REPO_ROOT


def _first_line(command: list[str]) -> str | None:
    """The first line a version command prints (to stdout or stderr), if it runs."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (result.stdout or result.stderr).strip()
    return text.splitlines()[0] if text else None


def _version(command: list[str], pattern: str = r'(\d+\.\d+(?:\.\d+)?)') -> str | None:
    line = _first_line(command)
    match = re.search(pattern, line or '')
    return match.group(1) if match else line


def _proc_field(path: str, field: str) -> str | None:
    try:
        with open(path, encoding='utf-8') as stream:
            for line in stream:
                name, _, value = line.partition(':')
                if name.strip() == field:
                    return value.strip()
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        with open('/etc/os-release', encoding='utf-8') as stream:
            for line in stream:
                if line.startswith('PRETTY_NAME='):
                    return line.split('=', 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def postgresql_version() -> str | None:
    engine = sa.create_engine(servers.POSTGRES_URL)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql('SHOW server_version').scalar().split()[0]
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()


def describe() -> dict[str, object]:
    """Cores, CPU, memory, load, OS and the versions of everything measured."""
    memory_kib = _proc_field('/proc/meminfo', 'MemTotal')
    return {
        'recorded_at': datetime.datetime.now(datetime.UTC).isoformat(
            timespec='seconds'),
        'cores': os.cpu_count(),
        'cpu_model': _proc_field('/proc/cpuinfo', 'model name') or platform.processor(),
        'memory_gib': round(int(memory_kib.split()[0]) / 2 ** 20, 1) if memory_kib else None,
        'load_average_at_start': [round(value, 2) for value in os.getloadavg()],
        'os': _os_name(),
        'kernel': platform.release(),
        'python': platform.python_version(),
        'sqlite': sqlite3.sqlite_version,
        'postgresql': postgresql_version(),
        'prometheus': _version(['prometheus', '--version']),
        'influxdb': _version(['influxd', 'version']),
        'wrk': _version(['wrk', '--version']),
        'git_revision': _first_line(['git', '-C', REPO_ROOT, 'describe', '--always',
                                     '--dirty']),
    }

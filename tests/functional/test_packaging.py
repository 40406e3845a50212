"""A non-editable install carries every file the service reads at run time.

Migrations (alembic's env.py, the revision scripts), the bundled sample cloud
and any other data file must be in the wheel: ``pip install .`` followed by
``cloudkitty-dbsync upgrade`` is how the documentation installs a server.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _tracked_files() -> list[str]:
    """Files tracked by git: what a clean clone holds."""
    listed = subprocess.run(['git', 'ls-files'], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split()
    return [name for name in listed if (ROOT / name).is_file()]


def _clean_copy(destination: pathlib.Path) -> pathlib.Path:
    """The tracked files alone, so no stale build/ directory hides a gap."""
    for name in _tracked_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return destination


def test_wheel_contains_every_file_of_the_package(tmp_path):
    source = _clean_copy(tmp_path / 'source')
    wheel_dir = tmp_path / 'wheel'
    build = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
         '--wheel-dir', str(wheel_dir), str(source)],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel, = wheel_dir.glob('cloudkitty-*.whl')

    packaged = set(zipfile.ZipFile(wheel).namelist())

    expected = {name for name in _tracked_files() if name.startswith('cloudkitty/')}
    missing = sorted(expected - packaged)
    assert not missing, 'not installed by "pip install .": %s' % ', '.join(missing)

"""A non-editable install carries every file the service reads at run time.

Migrations (alembic's env.py, the revision scripts), the bundled sample cloud
and any other data file must be in the wheel: ``pip install .`` followed by
``cloudkitty-dbsync upgrade`` is how the documentation installs a server.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.fixtures import source_tree

pytestmark = pytest.mark.slow


def test_wheel_contains_every_file_of_the_package(tmp_path):
    source = source_tree.clean_copy(tmp_path / 'source')
    wheel_dir = tmp_path / 'wheel'
    build = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
         '--wheel-dir', str(wheel_dir), str(source)],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel, = wheel_dir.glob('cloudkitty-*.whl')

    packaged = set(zipfile.ZipFile(wheel).namelist())

    expected = {name for name in source_tree.tracked_files()
                if name.startswith('cloudkitty/')}
    missing = sorted(expected - packaged)
    assert not missing, 'not installed by "pip install .": %s' % ', '.join(missing)

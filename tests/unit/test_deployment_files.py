"""The operator-facing files agree with the package they deploy.

systemd units, the DevStack plugin, the quick start and CI name console
scripts and commands; a renamed script or a README edit must not leave them
pointing at something that no longer exists.
"""
from __future__ import annotations

import configparser
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHELL_SCRIPTS = ['.ci/run', 'tools/run-tests.sh', 'tools/quickstart.sh',
                 'devstack/plugin.sh', 'devstack/settings']


def _console_scripts() -> set[str]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / 'setup.cfg')
    entries = setup['options.entry_points']['console_scripts'].strip().splitlines()
    return {entry.split('=')[0].strip() for entry in entries}


def _readme_commands() -> list[str]:
    """The literal blocks of the README's "Try it" section, in order."""
    readme = (ROOT / 'README.rst').read_text()
    section = readme.split('Try it\n======\n', 1)[1].split('\n=', 1)[0]
    return re.findall(r'::\n\n    (\S.*)\n', section)


@pytest.mark.parametrize('script', SHELL_SCRIPTS)
def test_shell_scripts_parse(script):
    result = subprocess.run(['bash', '-n', str(ROOT / script)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize('unit', sorted((ROOT / 'etc' / 'systemd').glob('*.service')),
                         ids=lambda path: path.name)
def test_systemd_units_start_an_installed_console_script(unit):
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(unit)
    command = pathlib.PurePath(service['Service']['ExecStart'].split()[0]).name

    assert command == unit.stem
    assert command in _console_scripts()


def test_devstack_runs_only_installed_console_scripts():
    plugin = (ROOT / 'devstack' / 'plugin.sh').read_text()
    used = set(re.findall(r'\$CLOUDKITTY_BIN_DIR/(cloudkitty-[a-z-]+)', plugin))

    assert {'cloudkitty-api', 'cloudkitty-processor', 'cloudkitty-dbsync',
            'cloudkitty-storage-init'} <= used
    assert used <= _console_scripts()


def test_readme_gives_the_quick_start_then_the_test_command_that_ci_runs():
    quick_start, tests = _readme_commands()

    assert quick_start == './tools/quickstart.sh'
    assert tests == './tools/run-tests.sh'
    ci_lines = [line.strip() for line in (ROOT / '.ci' / 'run').read_text().splitlines()]
    assert tests in ci_lines
    for command in (quick_start, tests):
        assert (ROOT / command).stat().st_mode & 0o111, '%s is not executable' % command

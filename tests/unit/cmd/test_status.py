"""``cloudkitty-status upgrade check`` as an operator runs it."""
from __future__ import annotations

import json

import pytest

from cloudkitty.cmd import status
from cloudkitty.db import migration

SUCCESS, WARNING, FAILURE = 0, 1, 2


def _run_check(monkeypatch, capsys, tmp_path, config: str) -> tuple[int, dict[str, dict]]:
    """Run the command with ``config`` as its file; return its exit code and checks."""
    config_file = tmp_path / 'cloudkitty.conf'
    config_file.write_text(config)
    monkeypatch.setattr('sys.argv', ['cloudkitty-status', '--config-file',
                                     str(config_file), 'upgrade', 'check', '--json'])
    code = status.main()
    report = json.loads(capsys.readouterr().out)
    return code, {check['check']: check for check in report['checks']}


def _database_section(url: str) -> str:
    return '[database]\nconnection = %s\n' % url


@pytest.fixture
def migrated_url(sqlite_db) -> str:
    return sqlite_db.engine.url.render_as_string(hide_password=False)


def test_up_to_date_deployment_passes_every_check(monkeypatch, capsys, tmp_path,
                                                  migrated_url):
    code, checks = _run_check(monkeypatch, capsys, tmp_path, _database_section(migrated_url))

    assert code == SUCCESS
    assert [check['result'] for check in checks.values()] == [SUCCESS] * 3


def test_storage_v1_is_a_warning(monkeypatch, capsys, tmp_path, migrated_url):
    code, checks = _run_check(monkeypatch, capsys, tmp_path,
                              _database_section(migrated_url) + '[storage]\nversion = 1\n')

    assert code == WARNING
    assert checks['Storage version']['result'] == WARNING
    assert '[storage] version = 1 is deprecated' in checks['Storage version']['details']


@pytest.mark.parametrize('content, expected', [
    ('{"rating:get_summary": ""}', WARNING),
    ('"rating:get_summary": ""\n', SUCCESS),
])
def test_json_policy_file_is_a_warning(monkeypatch, capsys, tmp_path, migrated_url,
                                       content, expected):
    policy = tmp_path / 'policy.file'
    policy.write_text(content)
    config = _database_section(migrated_url) + '[oslo_policy]\npolicy_file = %s\n' % policy

    code, checks = _run_check(monkeypatch, capsys, tmp_path, config)

    assert code == expected
    assert checks['Policy file format']['result'] == expected
    if expected == WARNING:
        assert str(policy) in checks['Policy file format']['details']


def test_unmigrated_database_fails_and_names_the_fix(monkeypatch, capsys, tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'empty.sqlite')

    code, checks = _run_check(monkeypatch, capsys, tmp_path, _database_section(url))

    assert code == FAILURE
    details = checks['Database migrations']['details']
    assert 'hashmap (at nothing' in details
    assert 'cloudkitty-dbsync upgrade' in details


def test_database_one_revision_behind_fails(monkeypatch, capsys, tmp_path, sqlite_db,
                                            migrated_url):
    with sqlite_db.engine.begin() as connection:
        connection.exec_driver_sql('DELETE FROM %s' % migration.MODULES['pyscripts'])
    try:
        code, checks = _run_check(monkeypatch, capsys, tmp_path,
                                  _database_section(migrated_url))
    finally:
        migration.stamp(sqlite_db, 'head', 'pyscripts')

    assert code == FAILURE
    details = checks['Database migrations']['details']
    assert 'pyscripts (at nothing' in details
    assert 'hashmap' not in details


def test_unreachable_database_fails_without_traceback(monkeypatch, capsys, tmp_path):
    url = 'postgresql+psycopg2://nobody@127.0.0.1:9/none'

    code, checks = _run_check(monkeypatch, capsys, tmp_path, _database_section(url))

    assert code == FAILURE
    details = checks['Database migrations']['details']
    assert '[database] connection' in details
    assert 'Traceback' not in details


def test_missing_config_file_is_one_line_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr('sys.argv', ['cloudkitty-status', '--config-file',
                                     str(tmp_path / 'absent.conf'), 'upgrade', 'check'])

    assert status.main() == 1
    error = capsys.readouterr().err
    assert error.count('\n') == 1
    assert 'absent.conf' in error

"""Services started before their database wait for it, as ``[database] max_retries`` says."""
import os
import subprocess
import sys
import time

from tests.fixtures.private_postgres import PrivatePostgres

BIN_DIR = os.path.dirname(sys.executable)


def _dbsync_command(tmp_path, url: str, max_retries: int) -> list[str]:
    conf = tmp_path / 'cloudkitty.conf'
    conf.write_text('[database]\nconnection = %s\nmax_retries = %d\nretry_interval = 1\n'
                    % (url, max_retries))
    return [os.path.join(BIN_DIR, 'cloudkitty-dbsync'), '--config-file', str(conf), 'upgrade']


def _dbsync(tmp_path, url: str, max_retries: int) -> subprocess.CompletedProcess:
    return subprocess.run(_dbsync_command(tmp_path, url, max_retries), capture_output=True,
                          text=True, timeout=120)


def test_dbsync_waits_for_a_database_that_comes_up(tmp_path, private_postgres: PrivatePostgres):
    private_postgres.stop()
    process = subprocess.Popen(_dbsync_command(tmp_path, private_postgres.url, max_retries=30),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        # The server comes back once the command has said it is retrying.
        first_line = process.stderr.readline()
        private_postgres.start()
        rest = process.communicate(timeout=120)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0, first_line + rest
    assert 'Database not reachable yet' in first_line
    assert _dbsync(tmp_path, private_postgres.url, max_retries=0).returncode == 0


def test_gives_up_after_max_retries_with_one_clear_line(tmp_path,
                                                        private_postgres: PrivatePostgres):
    private_postgres.stop()
    started = time.monotonic()

    result = _dbsync(tmp_path, private_postgres.url, max_retries=2)

    assert result.returncode == 1
    assert time.monotonic() - started >= 2  # two retries, one second apart
    assert result.stderr.count('Database not reachable yet') == 2
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith('cloudkitty-dbsync: error: The database is unavailable: '
                                'no connection to the database server could be made')
    assert 'Traceback' not in result.stderr

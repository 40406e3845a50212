"""Three processor processes share 30 scopes: every period is rated exactly once."""
import hashlib
import uuid

import pytest

from cloudkitty import coordination
from cloudkitty.common import exception
from tests.fixtures import servers
from tests.functional.coordination import processes

SCOPES = 30
WORKERS = 3


@pytest.fixture(params=['redis', 'file'])
def coordination_url(request, tmp_path):
    if request.param == 'redis':
        servers.require_port('Redis', '127.0.0.1', 6379)
        return servers.REDIS_URL
    return 'file://%s' % (tmp_path / 'locks')


def test_three_processes_rate_every_period_once(sqlite_db, coordination_url):
    scope_ids = ['%s-%02d' % (uuid.uuid4().hex[:8], index) for index in range(SCOPES)]
    rated = processes.counter()
    children = [processes.start(str(sqlite_db.engine.url), coordination_url, scope_ids,
                                rated)
                for _ in range(WORKERS)]
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0] * WORKERS
    assert processes.stored_rows(sqlite_db, scope_ids) == processes.expected_rows(
        scope_ids)
    # Each period was rated by one worker only: none was rated then refused.
    assert rated.value == SCOPES * processes.PERIODS


def test_lock_is_exclusive_and_released(coordination_url):
    first = coordination.Coordinator(coordination_url)
    second = coordination.Coordinator(coordination_url)
    name = coordination.scope_lock_name(uuid.uuid4().hex, 'c', 'f', 'project_id')
    try:
        with first.lock(name) as held:
            assert held
            with second.lock(name) as also_held:
                assert not also_held
        with second.lock(name) as held_after_release:
            assert held_after_release
        with pytest.raises(RuntimeError):
            with first.lock(name) as held:
                assert held
                raise RuntimeError('scope failed')
        with second.lock(name) as held_after_error:
            assert held_after_error
    finally:
        first.stop()
        second.stop()


def test_an_unreachable_backend_skips_instead_of_crashing(tmp_path):
    # A lock directory below a regular file cannot be opened by the driver.
    blocker = tmp_path / 'locks'
    blocker.write_text('not a directory')
    unreachable = coordination.Coordinator('file://%s/dir' % blocker)
    with unreachable.lock('any') as held:
        assert held is False
    with unreachable.lock('any') as held:
        assert held is False
    # Once the backend is back (and the retry delay over), locks work again.
    blocker.unlink()
    blocker.mkdir()
    unreachable._next_attempt = 0.0
    try:
        with unreachable.lock('any') as held:
            assert held is True
    finally:
        unreachable.stop()


def test_lock_names_follow_the_upstream_recipe():
    assert coordination.scope_lock_name('p1', 'gnocchi', 'keystone', 'project_id') == \
        hashlib.sha256(b'cloudkitty-p1-gnocchi-keystone-project_id').hexdigest()


def test_an_unwritable_lock_directory_is_a_clear_configuration_error(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    with pytest.raises(exception.ConfigurationError, match='coordination_url'):
        coordination.ensure_file_backend_directory('file://%s/locks' % blocker)

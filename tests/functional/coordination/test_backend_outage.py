"""A coordination backend that crashes and comes back: workers skip, then reconnect."""
import time
import uuid

from cloudkitty import coordination
from tests.fixtures.etcd import running_etcd

RECONNECT_DEADLINE = 30


def test_a_crashed_etcd_means_skip_and_a_restarted_one_is_used_again(tmp_path):
    with running_etcd(str(tmp_path)) as etcd:
        coordinator = coordination.Coordinator(etcd.coordination_url + '?lock_timeout=5',
                                               first_reconnect_delay=0.1)
        name = coordination.scope_lock_name(uuid.uuid4().hex, 'c', 'f', 'project_id')
        try:
            with coordinator.lock(name) as held:
                assert held
            etcd.kill()
            # The member in use fails, then reconnecting fails: both mean "skip".
            for _ in range(3):
                with coordinator.lock(name) as held:
                    assert held is False
                time.sleep(0.2)
            etcd.start()
            deadline = time.monotonic() + RECONNECT_DEADLINE
            while True:
                with coordinator.lock(name) as held:
                    if held:
                        break
                assert time.monotonic() < deadline, 'etcd is back but locks are not'
                time.sleep(0.2)
        finally:
            coordinator.stop()

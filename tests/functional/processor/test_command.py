"""``cloudkitty-processor`` end to end: file collector, SQL storage, SIGTERM."""
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from cloudkitty import messaging, service
from cloudkitty.cmd import processor as processor_cmd
from cloudkitty.common import tz
from cloudkitty.db.models import ScopeState
from cloudkitty.storage.v2.sqlalchemy.models import rated_points
from tests.fixtures import servers

METRICS_YML = """
metrics:
  instance:
    unit: instance
    groupby: [id, project_id]
    metadata: [flavor_name]
    mutate: NUMBOOL
"""


def _write_config(tmp_path, db_url, **sections):
    (tmp_path / 'metrics.yml').write_text(METRICS_YML)
    month = tz.month_start()
    with open(tmp_path / 'usage.jsonl', 'w') as usage:
        for hour in range(3):
            usage.write(json.dumps({
                'metric': 'instance', 'value': 1,
                'time': (month + datetime.timedelta(hours=hour, minutes=5)).isoformat(),
                'labels': {'project_id': 'p1', 'id': 'vm1', 'flavor_name': 'm1'}}) + '\n')
    values = {
        'database': {'connection': db_url},
        # Daily periods keep the month's backlog short.
        'collect': {'collector': 'file', 'metrics_conf': tmp_path / 'metrics.yml',
                    'period': 86400},
        'collector_file': {'path': tmp_path / 'usage.jsonl'},
        'fetcher': {'backend': 'source'},
        'fetcher_source': {'sources': 'p1'},
        'storage': {'backend': 'sqlalchemy', 'version': 2},
        'orchestrator': {'coordination_url': 'file://%s' % (tmp_path / 'locks'),
                         'max_workers': 1, 'max_workers_reprocessing': 1},
    }
    for section, options in sections.items():
        values.setdefault(section, {}).update(options)
    path = tmp_path / 'cloudkitty.conf'
    path.write_text(''.join(
        '[%s]\n%s\n' % (section, ''.join('%s = %s\n' % item for item in options.items()))
        for section, options in values.items()))
    return path


def _state(db):
    with db.session() as session:
        return session.scalar(sa.select(ScopeState.last_processed_timestamp).where(
            ScopeState.identifier == 'p1'))


def _start(config, log):
    with open(log, 'wb') as output:
        return subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), 'cloudkitty-processor'),
             '--config-file', str(config)], stdout=output, stderr=subprocess.STDOUT)


def _stop(process, log):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_processor_rates_the_month_and_stops_cleanly_on_sigterm(sqlite_db, tmp_path):
    config = _write_config(tmp_path, str(sqlite_db.engine.url))
    log = tmp_path / 'processor.log'
    process = _start(config, log)
    try:
        # Rated up to the day that starts wait_periods (2) days before today.
        today = tz.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        expected_last = max(today - datetime.timedelta(days=2), tz.month_start())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (_state(sqlite_db) or
                                               datetime.datetime.min) < expected_last:
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        _stop(process, log)
    assert _state(sqlite_db) >= expected_last
    with sqlite_db.session() as session:
        starts = sorted(session.scalars(sa.select(rated_points.c.begin)))
    # The three hourly samples of day one are one point of the first day.
    assert starts == [tz.month_start()]


def test_a_running_processor_answers_quotes_over_rabbitmq(sqlite_db, tmp_path):
    servers.require_port('RabbitMQ', '127.0.0.1', 5672)
    private = 'ck-test-%s' % uuid.uuid4().hex[:8]
    config = _write_config(
        tmp_path, str(sqlite_db.engine.url),
        DEFAULT={'transport_url': servers.RABBIT_URL, 'control_exchange': private},
        orchestrator={'rpc_topic': private, 'max_workers_reprocessing': 0,
                      'quote_timeout': 2})
    conf = service.prepare_service(['--config-file', str(config)], setup_logging=False)
    log = tmp_path / 'processor.log'
    process = _start(config, log)
    try:
        client = messaging.get_rpc_client(conf)
        deadline = time.monotonic() + 45
        while True:
            assert process.poll() is None, log.read_text()
            try:
                # Only the noop module is enabled: the quote is free.
                assert client.quote([{'service': 'instance', 'volume': 2,
                                      'desc': {'groupby': {}, 'metadata': {}}}]) == '0'
                break
            except messaging.ProcessorUnavailable:
                # The worker process is still starting its RPC server.
                assert time.monotonic() < deadline, log.read_text()
    finally:
        messaging.cleanup(conf)
        _stop(process, log)


@pytest.mark.parametrize('sections, message', [
    ({'collect': {'collector': 'nope'}}, '[collect] collector = nope'),
    ({'fetcher': {'backend': 'nope'}}, '[fetcher] backend = nope'),
    ({'storage': {'backend': 'nope'}}, "[storage] backend 'nope'"),
    ({'collect': {'metrics_conf': '/nonexistent/metrics.yml'}},
     '/nonexistent/metrics.yml: cannot read the file'),
    ({'database': {'connection': 'nosuchdriver://x'}}, '[database] connection'),
    ({'DEFAULT': {'transport_url': 'rabbit://guest@[broken'}},
     '[DEFAULT] transport_url cannot be used'),
    ({'orchestrator': {'max_workers': 0, 'max_workers_reprocessing': 0}},
     'there is nothing to run'),
])
def test_a_bad_configuration_is_one_clear_line(sqlite_db, tmp_path, monkeypatch, capsys,
                                               sections, message):
    config = _write_config(tmp_path, str(sqlite_db.engine.url), **sections)
    monkeypatch.setattr(sys, 'argv', ['cloudkitty-processor', '--config-file',
                                      str(config)])
    assert processor_cmd.main() == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert message in error

"""python-cloudkittyclient 6.2.0 (standalone ``cloudkitty``) against a live server (§9).

Covers the commands served by the framework routes (modules, scopes,
collector, info, summary, reprocessing, v1 reports); the hashmap/pyscripts
commands are in test_hashmap_cli.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

# The standalone client: the same commands as "openstack rating", faster to start.
CLOUDKITTY = os.path.join(os.path.dirname(sys.executable), 'cloudkitty')


def _cli(server, *args: str, api_version: str = '2') -> str:
    command = [CLOUDKITTY, '--os-auth-type', 'none', '--os-endpoint', server.url,
               '--os-rating-api-version', api_version, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _json(server, *args: str, api_version: str = '2'):
    return json.loads(_cli(server, *args, '-f', 'json', api_version=api_version))


def _post(server, path: str, body: dict) -> dict:
    request = urllib.request.Request(server.url + path, method='POST',
                                     data=json.dumps(body).encode(),
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)


def test_module_commands_v1_and_v2(live_api_server):
    server = live_api_server
    modules = _json(server, 'module', 'list')
    assert {'hashmap', 'noop', 'pyscripts'} <= {row['Module'] for row in modules}
    _cli(server, 'module', 'enable', 'hashmap')
    # v1 answers the full-object PUT with 302; the client follows by re-PUTting.
    _cli(server, 'module', 'set', 'priority', 'hashmap', '7', api_version='1')
    [hashmap] = _json(server, 'module', 'get', 'hashmap')
    assert (hashmap['Enabled'], hashmap['Priority']) == (True, 7)
    [v1_hashmap] = _json(server, 'module', 'get', 'hashmap', api_version='1')
    assert v1_hashmap['Priority'] == 7


def test_scope_and_reprocessing_commands(live_api_server):
    server = live_api_server
    _post(server, '/v2/scope', {'scope_id': 'scope-a',
                                'last_processed_timestamp': '2019-01-01T00:00:00'})
    states = _json(server, 'scope', 'state', 'get', '--scope-id', 'scope-a')
    assert [row['Scope ID'] for row in states] == ['scope-a']
    # The client sends the removed "state" key; accepted as an alias (§12.1).
    _cli(server, 'scope', 'state', 'reset', '--scope-id', 'scope-a',
         '2018-12-01T00:00:00')
    _cli(server, 'tasks', 'reprocessing', 'create', '--scope-id', 'scope-a',
         '--start-reprocess-time', '2018-11-01T00:00:00+00:00',
         '--end-reprocess-time', '2018-11-02T00:00:00+00:00', '--reason', 'cli test')
    tasks = _json(server, 'tasks', 'reprocessing', 'get')
    assert [task['Scope ID'] for task in tasks] == ['scope-a']


def test_collector_info_and_report_commands(live_api_server):
    server = live_api_server
    _cli(server, 'collector-mapping', 'create', 'instance', 'prometheus')
    mappings = _json(server, 'collector-mapping', 'list')
    assert [(row['Service'], row['Collector']) for row in mappings] == \
        [('instance', 'prometheus')]
    _cli(server, 'collector', 'enable', 'prometheus')
    [state] = _json(server, 'collector', 'state', 'get', 'prometheus')
    assert state['State'] is True
    metrics = _json(server, 'info', 'metric', 'list')
    assert 'instance' in {row['Metric'] for row in metrics}
    summary = _json(server, 'summary', 'get', '-b', '2015-01-01T00:00:00+00:00',
                    '-e', '2015-02-01T00:00:00+00:00')
    assert summary == []
    total = _cli(server, 'total', 'get', '-a', '-b', '2015-01-01', '-e', '2015-02-01',
                 api_version='1')
    assert '0' in total

"""The real ``openstack rating hashmap|pyscript`` CLI against a live server (§9.2).

One round trip through every resource, as an operator would do it: the CLI
sends ids in DELETE bodies, full objects on PUT to collection URLs, and
follows the 302 of updates by repeating the PUT.
"""
import json
import os
import subprocess
import sys
import urllib.request

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')


def _cli(server, *args: str) -> str:
    """Run ``openstack rating ARGS`` and return its output."""
    command = [OPENSTACK, '--os-auth-type', 'none', '--os-endpoint', server.url,
               'rating', *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _json(server, *args: str):
    """The JSON output of a command that shows or lists rows."""
    return json.loads(_cli(server, *args, '-f', 'json'))


def _show(server, *args: str) -> dict:
    """A create/get/update command's single row, as a dict."""
    rows = _json(server, *args)
    assert len(rows) == 1
    return rows[0]


def test_hashmap_round_trip(live_api_server):
    server = live_api_server
    service_id = _show(server, 'hashmap', 'service', 'create', 'instance')['Service ID']
    field_id = _show(server, 'hashmap', 'field', 'create', service_id, 'flavor')['Field ID']
    group_id = _show(server, 'hashmap', 'group', 'create', 'uptime')['Group ID']
    mapping = _show(server, 'hashmap', 'mapping', 'create', '--field-id', field_id,
                    '--value', 'm1.tiny', '-g', group_id, '0.1')
    assert mapping['Cost'] == '0.1000000000000000000000000000'
    assert [row['Mapping ID'] for row in _json(
        server, 'hashmap', 'mapping', 'list', '--field-id', field_id)] == [
        mapping['Mapping ID']]
    # Ending a running mapping: the CLI PUTs the full object to the collection.
    _cli(server, 'hashmap', 'mapping', 'update', mapping['Mapping ID'],
         '--end', '2099-01-01')
    # ``mapping get`` does not show dates: read the end through the API.
    url = '%s/v1/rating/module_config/hashmap/mappings/%s' % (server.url,
                                                             mapping['Mapping ID'])
    with urllib.request.urlopen(url, timeout=30) as response:
        assert json.load(response)['end'] == '2099-01-01T23:59:59'
    threshold = _show(server, 'hashmap', 'threshold', 'create', '-s', service_id,
                      '-g', group_id, '10', '0.5')
    updated = _show(server, 'hashmap', 'threshold', 'update', threshold['Threshold ID'],
                    '-l', '20', '--cost', '2')
    assert (updated['Level'], updated['Cost']) == ('20.00000000',
                                                   '2.0000000000000000000000000000')
    grouped = _json(server, 'hashmap', 'group', 'mappings', 'get', group_id)
    assert [row['Mapping ID'] for row in grouped] == [mapping['Mapping ID']]
    _cli(server, 'hashmap', 'group', 'delete', '--recursive', group_id)
    assert _json(server, 'hashmap', 'threshold', 'list', '-s', service_id) == []
    _cli(server, 'hashmap', 'field', 'delete', field_id)
    _cli(server, 'hashmap', 'service', 'delete', service_id)
    assert _json(server, 'hashmap', 'service', 'list') == []


def test_pyscript_round_trip(live_api_server):
    server = live_api_server
    script = _show(server, 'pyscript', 'create', 'p1', 'a = 0')
    assert script['Checksum'].startswith('4c612e33')
    listed = _json(server, 'pyscript', 'list', '-n')
    assert [(row['Script ID'], row['Data']) for row in listed] == [
        (script['Script ID'], None)]
    updated = _show(server, 'pyscript', 'update', script['Script ID'],
                    '--end', '2099-01-01')
    assert (updated['Data'], updated['Script End Date']) == ('a = 0',
                                                             '2099-01-01T23:59:59')
    _cli(server, 'pyscript', 'delete', script['Script ID'])
    assert _json(server, 'pyscript', 'list') == []

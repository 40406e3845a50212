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


def _cli_error(server, *args: str) -> str:
    """Runs a command expected to fail and returns what the client printed."""
    command = [CLOUDKITTY, '--os-auth-type', 'none', '--os-endpoint', server.url, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode != 0, result.stdout
    return result.stderr


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


# Rated data seeded through POST /v2/dataframes: two hourly periods of 2015-01-01,
# two projects, two metric types. Prices are binary-exact so the CLI's floats compare.
HOUR_1 = ('2015-01-01T00:00:00+00:00', '2015-01-01T01:00:00+00:00')
HOUR_2 = ('2015-01-01T01:00:00+00:00', '2015-01-01T02:00:00+00:00')
SEED_POINTS = [
    # (period, type, project, qty, price)
    (HOUR_1, 'instance', 'project-a', 2, 1.5),
    (HOUR_1, 'instance', 'project-b', 1, 0.25),
    (HOUR_1, 'image.size', 'project-a', 10, 3.125),
    (HOUR_2, 'instance', 'project-a', 1, 0.5),
]
WINDOW = ('-b', '2015-01-01T00:00:00+00:00', '-e', '2015-01-02T00:00:00+00:00')
V1_WINDOW = ('-b', '2015-01-01T00:00:00', '-e', '2015-01-02T00:00:00')


def _frames(points) -> dict:
    """The POST /v2/dataframes body holding the given (period, type, project, qty, price)."""
    frames: dict[tuple[str, str], dict[str, list]] = {}
    for period, metric, project, qty, price in points:
        frames.setdefault(period, {}).setdefault(metric, []).append({
            'vol': {'unit': 'unit-of-' + metric, 'qty': qty},
            'rating': {'price': price},
            'groupby': {'project_id': project, 'id': '%s-%s' % (metric, project)},
            'metadata': {'flavor_name': 'm1.small'}})
    return {'dataframes': [{'period': {'begin': begin, 'end': end}, 'usage': usage}
                           for (begin, end), usage in frames.items()]}


def _seed(server, points=SEED_POINTS) -> None:
    request = urllib.request.Request(server.url + '/v2/dataframes', method='POST',
                                     data=json.dumps(_frames(points)).encode(),
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 204


def _sum_price(keep) -> float:
    return sum(price for period, metric, project, qty, price in SEED_POINTS
               if keep(period, metric, project))


def _get(server, path: str):
    with urllib.request.urlopen(server.url + path) as reply:
        return json.load(reply)


def test_v2_summary_get_groupby_filters_window_and_pagination(live_api_server):
    server = live_api_server
    _seed(server)
    [whole] = _json(server, 'summary', 'get', *WINDOW)
    assert whole['Qty'] == sum(point[3] for point in SEED_POINTS)
    assert whole['Rate'] == _sum_price(lambda *_: True)

    by_type = _json(server, 'summary', 'get', *WINDOW, '-g', 'type')
    assert {row['Type']: row['Rate'] for row in by_type} == {
        metric: _sum_price(lambda p, m, pr, metric=metric: m == metric)
        for metric in ('instance', 'image.size')}

    instance_by_project = _json(server, 'summary', 'get', *WINDOW, '-g', 'project_id',
                                '--filter', 'type:instance')
    expected = {project: _sum_price(lambda p, m, pr, project=project:
                                    m == 'instance' and pr == project)
                for project in ('project-a', 'project-b')}
    assert {row['Project id']: row['Rate'] for row in instance_by_project} == expected

    # Only the first hour: the second hour's instance point is outside [begin, end).
    first_hour = _json(server, 'summary', 'get', '-b', HOUR_1[0], '-e', HOUR_1[1],
                       '-g', 'project_id', '--filter', 'type:instance')
    assert {row['Project id']: row['Rate'] for row in first_hour} == {
        'project-a': 1.5, 'project-b': 0.25}

    by_both = _json(server, 'summary', 'get', *WINDOW, '-g', 'type', '-g', 'project_id')
    assert len(by_both) == 3
    page = _json(server, 'summary', 'get', *WINDOW, '-g', 'type', '-g', 'project_id',
                 '--limit', '1', '--offset', '1')
    assert page == by_both[1:2]


def test_v2_dataframes_add_file_then_get_with_filter(live_api_server, tmp_path):
    server = live_api_server
    frames_file = tmp_path / 'frames.json'
    frames_file.write_text(json.dumps(_frames(SEED_POINTS)))
    assert _cli(server, 'dataframes', 'add', str(frames_file)).strip() == ''

    every_point = _json(server, 'dataframes', 'get', *WINDOW)
    assert sorted((row['Begin'], row['Metric Type'], row['Quantity'], row['Price'])
                  for row in every_point) == sorted(
        (period[0], metric, qty, price) for period, metric, _, qty, price in SEED_POINTS)

    project_b = _json(server, 'dataframes', 'get', *WINDOW, '--filter',
                      'project_id:project-b')
    assert [(row['Metric Type'], row['Unit'], row['Price'], row['Group By'])
            for row in project_b] == [
        ('instance', 'unit-of-instance', 0.25,
         'project_id="project-b" id="instance-project-b"')]

    images = _json(server, 'dataframes', 'get', *WINDOW, '--filter', 'type:image.size')
    assert [(row['Quantity'], row['Metadata']) for row in images] == \
        [(10, 'flavor_name="m1.small"')]


def test_v1_summary_total_and_dataframes(live_api_server):
    server = live_api_server
    _seed(server)

    def v1(*args: str):
        return _json(server, *args, api_version='1')

    [everything] = v1('summary', 'get', *V1_WINDOW, '-a')
    assert (everything['Tenant ID'], everything['Resource Type']) == ('ALL', 'ALL')
    assert float(everything['Rate']) == _sum_price(lambda *_: True)

    [project_a] = v1('summary', 'get', *V1_WINDOW, '-t', 'project-a')
    assert float(project_a['Rate']) == _sum_price(lambda p, m, pr: pr == 'project-a')

    # Filtering a dimension without grouping it still shows "ALL" (as upstream on v2).
    [instances] = v1('summary', 'get', *V1_WINDOW, '-a', '-s', 'instance')
    assert instances['Resource Type'] == 'ALL'
    assert float(instances['Rate']) == _sum_price(lambda p, m, pr: m == 'instance')

    grouped = v1('summary', 'get', *V1_WINDOW, '-a', '-g', 'res_type', 'tenant_id')
    assert {(row['Resource Type'], row['Tenant ID']): float(row['Rate'])
            for row in grouped} == {
        ('instance', 'project-a'): 2.0, ('instance', 'project-b'): 0.25,
        ('image.size', 'project-a'): 3.125}

    total = v1('total', 'get', *V1_WINDOW, '-a')
    assert total == {'Total': _sum_price(lambda *_: True)}
    total_b = v1('total', 'get', *V1_WINDOW, '-t', 'project-b', '-s', 'instance')
    assert total_b == {'Total': 0.25}

    frames_a = v1('dataframes', 'get', *V1_WINDOW, '-p', 'project-a')
    assert {row['Project ID'] for row in frames_a} == {'project-a'}
    assert sorted(float(resource['rating']) for row in frames_a
                  for resource in row['Resources']) == [0.5, 1.5, 3.125]
    images = v1('dataframes', 'get', *V1_WINDOW, '-r', 'image.size')
    assert [[(resource['service'], float(resource['volume']))
             for resource in row['Resources']] for row in images] == [[('image.size', 10.0)]]


def test_scope_state_get_reset_patch_and_report_tenants(live_api_server):
    server = live_api_server
    for scope_id, collector in (('scope-a', 'prometheus'), ('scope-b', 'gnocchi')):
        _post(server, '/v2/scope', {'scope_id': scope_id, 'collector': collector,
                                    'fetcher': 'keystone', 'scope_key': 'project_id',
                                    'last_processed_timestamp': '2019-01-01T00:00:00'})
    by_collector = _json(server, 'scope', 'state', 'get', '--collector', 'gnocchi')
    assert [(row['Scope ID'], row['Collector']) for row in by_collector] == \
        [('scope-b', 'gnocchi')]
    both = _json(server, 'scope', 'state', 'get', '--fetcher', 'keystone',
                 '--scope-key', 'project_id')
    assert sorted(row['Scope ID'] for row in both) == ['scope-a', 'scope-b']
    # No match is a 404 (§2.1), which the client reports as an error.
    assert 'No resource found for provided filters.' in _cli_error(
        server, 'scope', 'state', 'get', '--fetcher', 'gnocchi')

    _cli(server, 'scope', 'state', 'reset', '--all-scopes', '--collector', 'gnocchi',
         '2018-06-01T00:00:00')
    stamps = {row['scope_id']: row['last_processed_timestamp']
              for row in _get(server, '/v2/scope')['results']}
    assert stamps['scope-b'].startswith('2018-06-01T00:00:00')
    assert stamps['scope-a'].startswith('2019-01-01T00:00:00')

    # The server answers the updated scope (§2.1); the client's command returns that
    # dict as its exit status, so it exits 1 and prints it: the patch is applied anyway.
    for active in (False, True):
        printed = _cli_error(server, 'scope', 'patch', '--scope-id', 'scope-a',
                             '--active', str(active).lower())
        assert "'scope_id': 'scope-a'" in printed and "'active': %s" % active in printed
        [scope_a] = _get(server, '/v2/scope?scope_id=scope-a')['results']
        assert scope_a['active'] is active

    tenants = _json(server, 'report', 'tenant', 'list')
    assert sorted(row['Tenant ID'] for row in tenants) == ['scope-a', 'scope-b']


def test_reprocessing_tasks_order(live_api_server):
    server = live_api_server
    for scope_id in ('scope-first', 'scope-second'):
        _post(server, '/v2/scope', {'scope_id': scope_id,
                                    'last_processed_timestamp': '2019-01-01T00:00:00'})
        _post(server, '/v2/task/reprocesses', {
            'scope_ids': scope_id, 'reason': 'redo ' + scope_id,
            'start_reprocess_time': '2018-12-01T00:00:00',
            'end_reprocess_time': '2018-12-02T00:00:00'})
    ascending = _json(server, 'tasks', 'reprocessing', 'get', '--order', 'ASC')
    assert [(row['Scope ID'], row['Reason']) for row in ascending] == [
        ('scope-first', 'redo scope-first'), ('scope-second', 'redo scope-second')]
    assert ascending[0]['Start reprocessing time'].startswith('2018-12-01T00:00:00')
    descending = _json(server, 'tasks', 'reprocessing', 'get', '--order', 'DESC')
    assert [row['Scope ID'] for row in descending] == ['scope-second', 'scope-first']
    only_first = _json(server, 'tasks', 'reprocessing', 'get', '--scope-id', 'scope-first')
    assert [row['Scope ID'] for row in only_first] == ['scope-first']


def test_module_get_enable_disable_priority_v2_and_v1(live_api_server):
    server = live_api_server
    [hashmap] = _json(server, 'module', 'enable', 'hashmap')
    assert (hashmap['Module'], hashmap['Enabled']) == ('hashmap', True)
    [hashmap] = _json(server, 'module', 'set', 'priority', 'hashmap', '3')
    assert (hashmap['Enabled'], hashmap['Priority']) == (True, 3)
    [hashmap] = _json(server, 'module', 'disable', 'hashmap')
    assert (hashmap['Enabled'], hashmap['Priority']) == (False, 3)
    # noop is pinned: always enabled, priority 1 (§4.1), whatever is asked.
    [noop] = _json(server, 'module', 'disable', 'noop')
    assert (noop['Enabled'], noop['Priority']) == (True, 1)

    def v1(*args: str):
        return _json(server, 'module', *args, api_version='1')

    assert {row['Module'] for row in v1('list')} >= {'hashmap', 'noop', 'pyscripts'}
    [pyscripts] = v1('disable', 'pyscripts')
    assert pyscripts['Enabled'] is False
    [pyscripts] = v1('set', 'priority', 'pyscripts', '9')
    assert pyscripts['Priority'] == 9
    [pyscripts] = v1('enable', 'pyscripts')
    assert (pyscripts['Enabled'], pyscripts['Priority']) == (True, 9)
    [from_v2] = _json(server, 'module', 'get', 'pyscripts')
    assert (from_v2['Enabled'], from_v2['Priority']) == (True, 9)
    [from_v1] = v1('get', 'hashmap')
    assert (from_v1['Enabled'], from_v1['Priority']) == (False, 3)


def test_info_and_collector_mapping_and_state_commands(live_api_server):
    server = live_api_server
    config = {row['Section']: row['Value'] for row in _json(server, 'info', 'config', 'get')}
    assert config['metrics']['instance']['unit'] == 'instance'
    [image] = _json(server, 'info', 'metric', 'get', 'image.size')
    assert (image['Metric'], image['Unit']) == ('image.size', 'GiB')
    assert image['Metadata'] == ['disk_format']
    metrics = {row['Metric'] for row in _json(server, 'info', 'metric', 'list')}
    assert {'instance', 'volume.size', 'ip.floating', 'image.size'} <= metrics

    _cli(server, 'collector-mapping', 'create', 'volume.size', 'gnocchi')
    [mapping] = _json(server, 'collector-mapping', 'get', 'volume.size')
    assert (mapping['Service'], mapping['Collector']) == ('volume.size', 'gnocchi')
    _cli(server, 'collector-mapping', 'delete', 'volume.size')
    assert _json(server, 'collector-mapping', 'list') == []

    [state] = _json(server, 'collector', 'disable', 'gnocchi')
    assert state['State'] is False
    [state] = _json(server, 'collector', 'state', 'get', 'gnocchi')
    assert (state['Collector'], state['State']) == ('gnocchi', False)

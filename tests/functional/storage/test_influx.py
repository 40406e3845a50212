"""What only the InfluxDB backend has: its layout, custom_fields, its limits.

The shared contract (``test_contract.py``) runs on it too; these tests use
the real ``influxd`` of :mod:`tests.fixtures.influxdb`.
"""
from __future__ import annotations

import datetime
import http.server
import threading
import types
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from cloudkitty import service
from cloudkitty.common import exception
from cloudkitty.storage import get_storage
from cloudkitty.storage.v2 import influx
from tests.fixtures import prometheus
from tests.functional.storage import data
from tests.functional.storage.data import MARCH, P1


def _conf(server, database: str, **options):
    conf = service.prepare_service([], setup_logging=False)
    conf.set_override('backend', 'influxdb', group='storage')
    for name, value in {'host': server.host, 'port': server.port, 'database': database,
                        **options}.items():
        conf.set_override(name, value, group='storage_influxdb')
    return conf


@pytest.fixture
def influx_storage(influxdb_server, influxdb_database) -> influx.InfluxStorage:
    storage = get_storage(_conf(influxdb_server, influxdb_database))
    storage.init()
    return storage


def _show(server, database: str, statement: str) -> dict[str, str]:
    [series] = server.query(statement, database)['results'][0]['series']
    return {row[0]: row[1] if len(row) > 1 else None for row in series['values']}


def test_layout_is_the_documented_one(influx_storage, influxdb_server, influxdb_database):
    influx_storage.push(data.small_cloud(), 'p1')

    tags = _show(influxdb_server, influxdb_database, 'SHOW TAG KEYS FROM dataframes')
    fields = _show(influxdb_server, influxdb_database, 'SHOW FIELD KEYS FROM dataframes')
    [series] = influxdb_server.query(
        "SELECT * FROM dataframes WHERE \"id\"='v1'", influxdb_database)['results'][0]['series']
    row = dict(zip(series['columns'], series['values'][0], strict=True))

    assert set(tags) == {'type', 'project_id', 'id', 'volume_type', 'day_of_the_year',
                         'week_of_the_year', 'month', 'year'}
    assert fields == {'qty': 'float', 'price': 'float', 'unit': 'string',
                      'groupby': 'string', 'metadata': 'string', 'flavor': 'string',
                      '__ck_collect_period': 'integer'}
    assert row['time'] == '2024-03-01T00:00:00.000000002Z'   # frame start + third point
    assert (row['type'], row['qty'], row['price'], row['__ck_collect_period']) == (
        'volume', 10, 0.1, 3600)
    assert row['groupby'] == 'project_id|id|day_of_the_year|week_of_the_year|month|year|' \
                             'volume_type'
    assert row['metadata'] == 'flavor'


def test_pushing_the_same_points_twice_keeps_both(influx_storage):
    influx_storage.push(data.small_cloud(), 'p1')
    influx_storage.push(data.small_cloud(), 'p1')

    assert influx_storage.retrieve(*MARCH)['total'] == 10
    [row] = influx_storage.total(begin=MARCH[0], end=MARCH[1])['results']
    assert (row['qty'], row['rate']) == (38, Decimal('4.8'))


def test_non_text_values_round_trip(influx_storage):
    point = data.DataPoint.create('u', 1, 1, {'project_id': 'p1', 'ratio': 1.5, 'empty': '',
                                              'gone': None, 'ends': 'back\\'},
                                  {'count': 3, 'enabled': False, 'missing': None,
                                   'huge': 2 ** 60, 'qty': 'shadowed'})
    influx_storage.push([data.frame(P1, {'cpu': [point]})], 'p1')

    [frame] = influx_storage.retrieve(*MARCH)['dataframes']

    assert frame.points('cpu') == [point]
    assert influx_storage.retrieve(*MARCH, filters={'ends': 'back\\'})['total'] == 1
    assert influx_storage.retrieve(*MARCH, filters={'enabled': False})['total'] == 1


def test_custom_fields_choose_the_aggregates(influx_storage):
    data.push_by_scope(influx_storage, data.small_cloud())

    result = influx_storage.total(
        groupby=['type'], begin=MARCH[0], end=MARCH[1],
        custom_fields='sum("qty") AS quantity, COUNT(price) AS points, MAX(price) AS top')

    assert result['results'] == [
        {'begin': MARCH[0], 'end': MARCH[1], 'quantity': 4, 'points': 3,
         'top': Decimal('1.25'), 'type': 'cpu'},
        {'begin': MARCH[0], 'end': MARCH[1], 'quantity': 15, 'points': 2,
         'top': Decimal('0.1'), 'type': 'volume'}]


@pytest.mark.parametrize('custom_fields, message', [
    ('SUM(qty) AS qty; DROP DATABASE cloudkitty', 'forbidden keyword drop'),
    ('SUM(qty) AS qty FROM dataframes', 'forbidden keyword from'),
    ('SUM(qty) AS qty, select', 'forbidden keyword select'),
    ('SUM(qty)', "Invalid custom_fields item 'SUM(qty)': expected FUNCTION(field) AS alias"),
    ('qty AS qty', 'expected FUNCTION(field) AS alias'),
    ('SUM(qty) AS "rate"', 'expected FUNCTION(field) AS alias'),
    ('SUM(qty + price) AS total', 'expected FUNCTION(field) AS alias'),
    ('SUM(qty) AS qty)', 'expected FUNCTION(field) AS alias'),
    ('', 'expected FUNCTION(field) AS alias'),
    ('EVAL(qty) AS x', 'EVAL is not one of the aggregates'),
    ('SUM(qty) AS begin', "alias 'begin'"),
    ('SUM(qty) AS a, MAX(qty) AS a', "alias 'a'"),
])
def test_custom_fields_accept_nothing_but_a_select_list(influx_storage, custom_fields,
                                                         message):
    data.push_by_scope(influx_storage, data.small_cloud())

    with pytest.raises(exception.Invalid, match='custom_fields') as error:
        influx_storage.total(begin=MARCH[0], end=MARCH[1], custom_fields=custom_fields)

    assert message in str(error.value)
    assert error.value.code == 400
    assert influx_storage.retrieve(*MARCH)['total'] == 5


def test_total_by_time_uses_the_collect_period(influxdb_server, influxdb_database):
    conf = _conf(influxdb_server, influxdb_database)
    conf.set_override('period', 86400, group='collect')
    storage = get_storage(conf)
    storage.init()
    data.push_by_scope(storage, data.small_cloud())

    rows = storage.total(groupby=['time'], begin=MARCH[0], end=MARCH[1])['results']

    day = datetime.timedelta(days=1)
    assert [(row['begin'], row['end'], row['qty']) for row in rows] == [
        (data.P1, data.P1 + day, 13), (data.P2, data.P2 + day, 6)]


def test_delete_refuses_metadata_filters(influx_storage):
    data.push_by_scope(influx_storage, data.small_cloud())

    with pytest.raises(exception.Invalid, match="'flavor' is a metadata attribute"):
        influx_storage.delete(MARCH[0], MARCH[1], {'flavor': 'small'})
    assert influx_storage.retrieve(*MARCH)['total'] == 5


def test_commit_period_replaces_an_earlier_attempt(influx_storage):
    frames = [data.frame(P1, {'cpu': [data.point(P1, 'p1', 'i1', '1', '3')]})]
    data.push_by_scope(influx_storage, data.small_cloud())

    influx_storage.commit_period('p1', P1, P1 + data.HOUR, frames, lambda session: None)

    assert [(f.start, t, p.groupby['project_id'], p.price)
            for f in influx_storage.retrieve(P1, P1 + data.HOUR)['dataframes']
            for t, p in f.iterpoints()] == [(P1, 'cpu', 'p2', Decimal('1.25')),
                                            (P1, 'cpu', 'p1', 3)]


def test_points_without_the_scope_key_are_scoped_by_push(influx_storage):
    point = data.DataPoint.create('u', 1, 2, {'id': 'i1'}, {})
    influx_storage.push([data.frame(P1, {'cpu': [point]})], 'p9')

    [row] = influx_storage.total(groupby=['project_id'], begin=MARCH[0],
                                 end=MARCH[1])['results']
    [frame] = influx_storage.retrieve(*MARCH, filters={'project_id': 'p9'})['dataframes']

    assert row['project_id'] == 'p9'
    assert frame.points('cpu') == [point]


def test_init_warns_about_servers_that_lose_writes_racing_deletes(influxdb_server,
                                                                  influxdb_database, caplog):
    version = requests.get(influxdb_server.url + '/ping', timeout=10).headers[
        'X-Influxdb-Version']

    get_storage(_conf(influxdb_server, influxdb_database)).init()

    warned = 'can lose writes that race a DELETE' in caplog.text
    assert warned == (tuple(map(int, version.lstrip('v').split('.')[:2])) < (1, 7))


def test_init_creates_the_database(influxdb_server, influxdb_database):
    database = influxdb_database + '_new'
    storage = get_storage(_conf(influxdb_server, database))
    try:
        storage.init()
        storage.init()
        storage.push(data.small_cloud(), 'p1')
        assert storage.retrieve(*MARCH)['total'] == 5
    finally:
        influxdb_server.query('DROP DATABASE "%s"' % database)


def test_other_retention_policy(influxdb_server, influxdb_database):
    influxdb_server.query('CREATE RETENTION POLICY "short" ON "%s" DURATION 0s '
                          'REPLICATION 1' % influxdb_database)
    storage = get_storage(_conf(influxdb_server, influxdb_database,
                                retention_policy='short'))
    storage.init()
    storage.push(data.small_cloud(), 'p1')

    assert storage.retrieve(*MARCH)['total'] == 5
    assert influxdb_server.query('SELECT COUNT(qty) FROM "autogen"."dataframes"',
                                 influxdb_database)['results'][0].get('series') is None


def test_missing_retention_policy_is_a_configuration_error(influxdb_server,
                                                           influxdb_database):
    storage = get_storage(_conf(influxdb_server, influxdb_database,
                                retention_policy='nope'))

    with pytest.raises(exception.ConfigurationError,
                       match="retention_policy 'nope' does not exist"):
        storage.init()


def test_influxdb_2_is_refused(influxdb_server, influxdb_database):
    with pytest.raises(exception.ConfigurationError, match='version = 2 is not supported'):
        get_storage(_conf(influxdb_server, influxdb_database, version=2))


def test_unreachable_server_is_a_clear_error():
    conf = service.prepare_service([], setup_logging=False)
    conf.set_override('backend', 'influxdb', group='storage')
    conf.set_override('host', '127.0.0.1', group='storage_influxdb')
    conf.set_override('port', prometheus.free_port(), group='storage_influxdb')

    with pytest.raises(influx.InfluxDBError, match='cannot reach http://127.0.0.1:'):
        get_storage(conf).retrieve(*MARCH)


class _ForgetfulInflux(http.server.ThreadingHTTPServer):
    """An HTTP proxy to the real ``influxd`` that can acknowledge writes and drop them.

    It plays the InfluxDB 1.x servers that lose a write racing a ``DELETE``:
    the client gets its 204, the points are never seen. Every InfluxQL
    statement that goes through is recorded.
    """

    def __init__(self, target: str):
        self.target = target
        self.writes_to_drop = 0
        self.statements: list[str] = []
        super().__init__(('127.0.0.1', 0), _ForgetfulHandler)


class _ForgetfulHandler(http.server.BaseHTTPRequestHandler):
    server: _ForgetfulInflux

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        path, _, query = self.path.partition('?')
        if path == '/write' and self.server.writes_to_drop:
            self.server.writes_to_drop -= 1
            self.send_response(204)
            self.end_headers()
            return
        if path == '/query':
            self.server.statements.extend(urllib.parse.parse_qs(body.decode()).get('q', []))
        answer = requests.post(self.server.target + self.path, data=body, timeout=30,
                               headers={'Content-Type': self.headers['Content-Type']})
        self.send_response(answer.status_code)
        self.send_header('Content-Type', answer.headers.get('Content-Type', 'text/plain'))
        self.send_header('Content-Length', str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args) -> None:
        """Quiet: the test output is no place for an access log."""


@pytest.fixture
def forgetful_influx(influxdb_server) -> Iterator[_ForgetfulInflux]:
    proxy = _ForgetfulInflux(influxdb_server.url)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()


@pytest.fixture
def storage_behind_proxy(forgetful_influx, influxdb_server,
                         influxdb_database) -> influx.InfluxStorage:
    proxied = types.SimpleNamespace(host='127.0.0.1', port=forgetful_influx.server_address[1])
    storage = get_storage(_conf(proxied, influxdb_database))
    storage.init()
    return storage


def _period_of(project: str, resources: int) -> list[data.DataFrame]:
    return [data.frame(P1, {'cpu': [data.point(P1, project, 'i%d' % index, '1', '2')
                                    for index in range(resources)]})]


def _stored(storage: influx.InfluxStorage) -> list[tuple[str, str]]:
    return sorted((point.groupby['project_id'], point.groupby['id'])
                  for frame in storage.retrieve(*MARCH, limit=10000)['dataframes']
                  for _, point in frame.iterpoints())


def test_a_write_influxdb_acknowledged_but_lost_is_written_again(
        storage_behind_proxy, forgetful_influx, influx_storage, caplog):
    forgetful_influx.writes_to_drop = 1
    advanced = []

    storage_behind_proxy.commit_period('p1', P1, P1 + data.HOUR, _period_of('p1', 30),
                                       advanced.append)

    assert _stored(influx_storage) == sorted(('p1', 'i%d' % index) for index in range(30))
    assert advanced == [None]
    assert 'InfluxDB shows 0 of the 30 points written for scope p1' in caplog.text


def test_a_period_influxdb_never_keeps_is_not_advanced(storage_behind_proxy, forgetful_influx,
                                                       influx_storage):
    forgetful_influx.writes_to_drop = influx.WRITE_ATTEMPTS
    advanced = []

    with pytest.raises(influx.InfluxDBError,
                       match='InfluxDB kept 0 of the 30 points written for scope p1'):
        storage_behind_proxy.commit_period('p1', P1, P1 + data.HOUR, _period_of('p1', 30),
                                           advanced.append)

    assert advanced == []
    assert _stored(influx_storage) == []


def test_only_a_period_with_earlier_points_is_deleted_first(storage_behind_proxy,
                                                            forgetful_influx, influx_storage):
    # Older servers can lose other scopes' writes racing a DELETE: none is sent
    # for a period that holds nothing yet.
    storage_behind_proxy.commit_period('p1', P1, P1 + data.HOUR, _period_of('p1', 3),
                                       lambda session: None)
    deletes_on_first_attempt = [s for s in forgetful_influx.statements if 'DELETE' in s]

    storage_behind_proxy.commit_period('p1', P1, P1 + data.HOUR, _period_of('p1', 2),
                                       lambda session: None)
    deletes = [s for s in forgetful_influx.statements if 'DELETE' in s]

    assert deletes_on_first_attempt == []
    assert len(deletes) == 1 and '"project_id"=\'p1\'' in deletes[0]
    assert _stored(influx_storage) == [('p1', 'i0'), ('p1', 'i1')]

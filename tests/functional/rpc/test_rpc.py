"""Quote, scope reset and module notifications over the real RabbitMQ, and embedded."""
import datetime
import decimal
import time
import uuid

import pytest
import sqlalchemy as sa

from cloudkitty import coordination, messaging
from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import scope_state
from cloudkitty.processor import rpc
from cloudkitty.storage.v2.sqlalchemy.models import rated_points
from cloudkitty.storage.v2.sqlalchemy.storage import SQLAlchemyStorage
from tests.fixtures import factories, servers
from tests.functional.rpc.bus import rpc_conf
from tests.unit.processor import doubles

T0 = datetime.datetime(2026, 3, 1)
HOUR = datetime.timedelta(hours=1)

QUOTE_REQUEST = [
    {'service': 'cpu', 'desc': {'groupby': {'flavor': 'm1'}, 'metadata': {'a': 1}},
     'volume': 3},
    # Flat desc keys are not seen by the rules (§12.9).
    {'service': 'cpu', 'desc': {'flavor': 'm2'}, 'volume': '1'},
]


@pytest.fixture
def rabbit_conf(sqlite_db):
    servers.require_port('RabbitMQ', '127.0.0.1', 5672)
    # A private exchange and topic keep concurrent test runs and services apart.
    private = 'ck-test-%s' % uuid.uuid4().hex[:8]
    conf = rpc_conf(sqlite_db, DEFAULT__transport_url=servers.RABBIT_URL,
                    DEFAULT__control_exchange=private)
    conf.set_override('rpc_topic', private, group='orchestrator')
    yield conf
    messaging.cleanup(conf)


class Processor:
    """An RPC server with the processor endpoints, as a processor worker runs it."""

    def __init__(self, conf, db, tmp_path):
        self.pipeline = doubles.Pipeline(unit_price='0.5')
        self.storage = SQLAlchemyStorage(conf, db)
        self.coordinator = coordination.Coordinator('file://%s' % tmp_path)
        self.rating = RecordingRatingEndpoint(conf, self.pipeline)
        self.server = messaging.get_rpc_server(conf, [
            self.rating, rpc.ScopeEndpoint(conf, db, self.storage, self.coordinator)])
        self.server.start()

    def stop(self):
        self.server.stop()
        self.server.wait()
        self.coordinator.stop()


class RecordingRatingEndpoint(rpc.RatingEndpoint):
    def __init__(self, conf, pipeline):
        super().__init__(conf, pipeline)
        self.notifications = []

    def enable_module(self, ctxt, name):
        super().enable_module(ctxt, name)
        self.notifications.append(('enable_module', name))

    def reload_modules(self, ctxt):
        super().reload_modules(ctxt)
        self.notifications.append(('reload_modules', None))


@pytest.fixture
def processor(rabbit_conf, sqlite_db, tmp_path):
    running = Processor(rabbit_conf, sqlite_db, tmp_path)
    yield running
    running.stop()


def _wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_quote_is_computed_by_a_processor(rabbit_conf, processor):
    client = messaging.get_rpc_client(rabbit_conf)
    assert client.quote(QUOTE_REQUEST) == '2.0'
    (frame,) = processor.pipeline.quoted
    points = frame.points('cpu')
    assert [(p.qty, p.groupby, p.metadata) for p in points] == [
        (decimal.Decimal(3), {'flavor': 'm1'}, {'a': 1}),
        (decimal.Decimal(1), {}, {})]
    assert frame.end - frame.start == datetime.timedelta(seconds=3600)


def test_a_malformed_quote_comes_back_as_a_400(rabbit_conf, processor):
    client = messaging.get_rpc_client(rabbit_conf)
    with pytest.raises(exception.Invalid) as error:
        client.quote([{'service': 'cpu', 'desc': {'groupby': 'flavor'}, 'volume': 1}])
    assert error.value.code == 400
    assert 'desc.groupby must be an object' in error.value.message


def test_without_a_processor_a_quote_is_a_503(rabbit_conf):
    client = messaging.get_rpc_client(rabbit_conf)
    with pytest.raises(messaging.ProcessorUnavailable) as error:
        client.quote(QUOTE_REQUEST)
    assert error.value.code == 503


def test_module_changes_reach_the_processors(rabbit_conf, processor):
    client = messaging.get_rpc_client(rabbit_conf)
    client.notify_module_change('enable_module', 'hashmap')
    client.notify_module_change('reload_modules')
    assert _wait_for(lambda: len(processor.rating.notifications) == 2)
    assert sorted(processor.rating.notifications, key=str) == [
        ('enable_module', 'hashmap'), ('reload_modules', None)]
    with pytest.raises(ValueError):
        client.notify_module_change('explode', 'hashmap')


def _store_periods(conf, db, scope_id, periods):
    storage = SQLAlchemyStorage(conf, db)
    for index in range(periods):
        start = T0 + index * HOUR
        storage.push([DataFrame(start, start + HOUR, {'cpu': [DataPoint.create(
            'instance', 1, 1, {'project_id': scope_id}, {})]})], scope_id)
    key = scope_state.ScopeKey.from_conf(conf, scope_id)
    with db.session() as session:
        scope_state.create_state(session, key, T0 + (periods - 1) * HOUR)
    return key


def _stored_starts(db, scope_id):
    with db.session() as session:
        return sorted(session.scalars(sa.select(rated_points.c.begin).where(
            rated_points.c.scope == scope_id)))


def _state(db, key):
    with db.session() as session:
        return scope_state.get_state(session, key).last_processed_timestamp


def _reset_request(key):
    return [{'scope_id': key.identifier, 'scope_key': key.scope_key,
             'fetcher': key.fetcher, 'collector': key.collector}]


def test_reset_state_cast_rewinds_the_scope(rabbit_conf, processor, sqlite_db):
    key = _store_periods(rabbit_conf, sqlite_db, 'p1', 4)
    messaging.get_rpc_client(rabbit_conf).reset_state(_reset_request(key), T0 + HOUR)
    assert _wait_for(lambda: _state(sqlite_db, key) == T0 + HOUR)
    # Data from the timestamp on is gone; the state points at that period.
    assert _stored_starts(sqlite_db, 'p1') == [T0]


def test_embedded_mode_serves_quotes_and_resets_in_process(sqlite_db):
    conf = rpc_conf(sqlite_db)
    conf.set_override('coordination_url', 'file://%s' % sqlite_db.engine.url.database
                      + '.locks', group='orchestrator')
    assert messaging.is_embedded(conf)
    try:
        client = messaging.get_rpc_client(conf)
        # Only the noop module is enabled out of the box: everything is free.
        assert decimal.Decimal(client.quote(QUOTE_REQUEST)) == 0
        key = _store_periods(conf, sqlite_db, 'p2', 3)
        client.reset_state(_reset_request(key), T0 + HOUR)
        assert _wait_for(lambda: _state(sqlite_db, key) == T0 + HOUR)
        assert _stored_starts(sqlite_db, 'p2') == [T0]
    finally:
        messaging.cleanup(conf)


def test_embedded_quote_applies_the_hashmap_rules_as_upstream(sqlite_db):
    service = factories.create_service(sqlite_db, 'compute')
    flavor = factories.create_field(sqlite_db, service, 'flavor')
    factories.create_mapping(sqlite_db, '0.5', service=service)
    factories.create_mapping(sqlite_db, '2', field=flavor, value='m1')
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True)
    conf = rpc_conf(sqlite_db)
    conf.set_override('coordination_url', 'file://%s' % sqlite_db.engine.url.database
                      + '.locks', group='orchestrator')
    try:
        client = messaging.get_rpc_client(conf)
        flat = client.quote([{'service': 'compute', 'desc': {'flavor': 'm1'},
                              'volume': 3}])
        nested = client.quote([{'service': 'compute', 'volume': 3,
                                'desc': {'groupby': {'flavor': 'm1'}, 'metadata': {}}}])
    finally:
        messaging.cleanup(conf)
    # Observed on 25.0.0 (§4.4): only desc.groupby/metadata reach the rules.
    assert decimal.Decimal(flat) == decimal.Decimal('1.5')
    assert decimal.Decimal(nested) == decimal.Decimal('6')
    assert (flat, nested) == ('1.500000000000000000000000000',
                              '6.000000000000000000000000000')

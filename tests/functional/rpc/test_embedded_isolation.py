"""Embedded mode: configurations sharing one process never answer each other."""
import decimal

from cloudkitty import messaging
from cloudkitty.db import migration
from cloudkitty.db.engine import Database
from tests.fixtures import factories
from tests.functional.rpc.bus import rpc_conf


def _embedded_conf(db):
    conf = rpc_conf(db)
    conf.set_override('coordination_url', 'file://%s.locks' % db.engine.url.database,
                      group='orchestrator')
    assert messaging.is_embedded(conf)
    return conf


def test_quotes_are_answered_by_the_endpoints_of_their_own_configuration(
        sqlite_db, tmp_path):
    # Another configuration of the same process (another app, another test)
    # whose embedded server is still running, on a database without rules.
    other_db = Database('sqlite:///%s' % (tmp_path / 'other.sqlite'))
    migration.upgrade(other_db)
    service = factories.create_service(sqlite_db, 'compute')
    factories.create_mapping(sqlite_db, '2', service=service)
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True)
    other, mine = _embedded_conf(other_db), _embedded_conf(sqlite_db)
    try:
        messaging.get_rpc_client(other)
        client = messaging.get_rpc_client(mine)
        answers = {decimal.Decimal(client.quote([{'service': 'compute', 'desc': {},
                                                  'volume': 1}]))
                   for _ in range(20)}
    finally:
        messaging.cleanup(mine)
        messaging.cleanup(other)
        other_db.dispose()
    assert answers == {decimal.Decimal(2)}

"""Gnocchi end to end: discovered, collected, rated by hashmap and stored.

The scopes come from the Gnocchi fetcher, the usage from the Gnocchi collector
(both on the real Gnocchi of tests.fixtures.gnocchi), the prices from hashmap
rules in a real database, and the rated points are read back from storage.
"""
import decimal

from cloudkitty.collector import gnocchi
from cloudkitty.fetcher import get_fetcher
from cloudkitty.processor.worker import ScopeWorker, SkipFilter
from cloudkitty.rating.pipeline import RatingPipeline
from cloudkitty.storage import get_storage
from tests.fixtures import factories
from tests.fixtures import gnocchi as cloud
from tests.fixtures.collect import make_conf, write_metrics

METRICS = {'cpu': {'unit': 'instance', 'alt_name': 'instance', 'mutate': 'NUMBOOL',
                   'groupby': ['id', 'flavor_id'], 'metadata': ['display_name'],
                   'extra_args': {'resource_type': 'instance'}}}


def test_hour_1_is_rated_per_flavor_revision(gnocchi_cloud, sqlite_db, tmp_path):
    basic = {'gnocchi_auth_type': 'basic', 'gnocchi_user': 'admin',
             'gnocchi_endpoint': gnocchi_cloud.url}
    conf = make_conf({
        'collect': {'collector': 'gnocchi',
                    'metrics_conf': write_metrics(tmp_path, {'metrics': METRICS})},
        'collector_gnocchi': basic,
        'fetcher': {'backend': 'gnocchi'},
        'fetcher_gnocchi': dict(basic, resource_types=['instance']),
        'database': {'connection': str(sqlite_db.engine.url)},
        'storage': {'backend': 'sqlalchemy'},
    })
    service = factories.create_service(sqlite_db, 'instance')
    flavor = factories.create_field(sqlite_db, service, 'flavor_id')
    factories.create_mapping(sqlite_db, '0.25', field=flavor, value='1')
    factories.create_mapping(sqlite_db, '1.5', field=flavor, value='2')
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True)

    collector = gnocchi.GnocchiCollector(conf)
    storage = get_storage(conf, sqlite_db)
    worker = ScopeWorker(conf, collector, RatingPipeline(conf, sqlite_db), storage,
                         SkipFilter.from_collector(conf, collector))
    start = (cloud.W0 + cloud.HOUR).replace(tzinfo=None)
    try:
        scopes = get_fetcher(conf).get_tenants()
        assert sorted(scopes) == [cloud.PROJECT_1, cloud.PROJECT_2]
        for scope in scopes:
            worker.process_period(scope, start, lambda _state: None)
    finally:
        worker.close()

    stored = storage.retrieve(start, start + cloud.HOUR, paginate=False)['dataframes']
    prices = {(point.groupby['id'], point.groupby['flavor_id']): point.price
              for frame in stored for _type, point in frame.iterpoints()}
    assert prices == {
        (cloud.INSTANCE_1, '1'): decimal.Decimal('0.25'),
        # resized during the hour: one point per flavor it had
        (cloud.INSTANCE_2, '1'): decimal.Decimal('0.25'),
        (cloud.INSTANCE_2, '2'): decimal.Decimal('1.5'),
        (cloud.INSTANCE_3, '1'): decimal.Decimal('0.25'),
    }

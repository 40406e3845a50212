"""Enabled modules, priority order, errors and quotes (contract §4.1, §4.4)."""
from __future__ import annotations

import datetime
import decimal

import pytest

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.rating.pipeline import RatingPipeline
from tests.fixtures import factories

T = datetime.datetime(2026, 11, 1)
HOUR = datetime.timedelta(hours=1)

# Multiplies every price by 10: the result shows whether it ran after hashmap.
TIMES_TEN = '''
for points in data['usage'].values():
    for point in points:
        point['rating']['price'] = point['rating']['price'] * 10
'''


def frame_of(*quantities, metric_type='instance') -> DataFrame:
    points = [DataPoint.create('u', qty, 0, {}, {'flavor': 'm1'}) for qty in quantities]
    return DataFrame(T, T + HOUR, {metric_type: points})


def prices(frame: DataFrame) -> list[decimal.Decimal]:
    return [point.price for _type, point in frame.iterpoints()]


def hashmap_rules(db) -> None:
    service = factories.create_service(db, 'instance')
    flavor = factories.create_field(db, service, 'flavor')
    factories.create_mapping(db, '2', field=flavor, value='m1')
    factories.create_mapping(db, '5', field=flavor, value='m1', tenant_id='scope-a',
                             group=factories.create_group(db, 'tenant'))


def test_out_of_the_box_prices_stay_zero(conf, db):
    hashmap_rules(db)
    pipeline = RatingPipeline(conf, db)
    pipeline.reload(T, 'scope-a')

    assert pipeline.module_names == ['noop']
    assert prices(pipeline.rate(frame_of(1))) == [0]


def test_enabled_hashmap_prices_the_frame(conf, db):
    hashmap_rules(db)
    factories.set_module_state(db, 'hashmap', enabled=True)
    pipeline = RatingPipeline(conf, db)
    pipeline.reload(T, 'scope-a')

    assert prices(pipeline.rate(frame_of(1, 3))) == [7, 21]


@pytest.mark.parametrize('hashmap_priority,pyscripts_priority,expected', [
    (2, 1, 20),  # hashmap first, then the script multiplies
    (1, 2, 2),   # the script multiplies 0, then hashmap adds
    (1, 1, 20),  # equal priorities keep discovery order: hashmap first
])
def test_higher_priority_runs_first(conf, sqlite_db, hashmap_priority, pyscripts_priority,
                                    expected):
    service = factories.create_service(sqlite_db, 'instance')
    factories.create_mapping(sqlite_db, '2', service=service)
    factories.create_script(sqlite_db, 'times-ten', TIMES_TEN)
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True, priority=hashmap_priority)
    factories.set_module_state(sqlite_db, 'pyscripts', enabled=True,
                               priority=pyscripts_priority)
    pipeline = RatingPipeline(conf, sqlite_db)
    pipeline.reload(T, 'scope-a')

    assert prices(pipeline.rate(frame_of(1))) == [expected]


def test_reload_picks_up_module_state_changes(conf, sqlite_db):
    pipeline = RatingPipeline(conf, sqlite_db)
    pipeline.reload(T, None)
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True, priority=3)
    pipeline.reload(T, None)
    assert pipeline.module_names == ['hashmap', 'noop']

    factories.set_module_state(sqlite_db, 'hashmap', enabled=False)
    pipeline.reload(T, None)
    assert pipeline.module_names == ['noop']


def test_failing_script_names_the_module_and_the_cause(conf, sqlite_db):
    factories.create_script(sqlite_db, 'broken', 'data["usage"] = 1 / 0')
    factories.set_module_state(sqlite_db, 'pyscripts', enabled=True)
    pipeline = RatingPipeline(conf, sqlite_db)
    pipeline.reload(T, None)

    with pytest.raises(exception.RatingError) as raised:
        pipeline.rate(frame_of(1))

    assert raised.value.kwargs['module'] == 'pyscripts'
    assert "'broken'" in str(raised.value) and 'ZeroDivisionError' in str(raised.value)


def test_after_a_failed_reload_rating_refuses_until_a_reload_succeeds(conf, sqlite_db):
    script = factories.create_script(sqlite_db, 'bad-syntax', 'def (')
    factories.set_module_state(sqlite_db, 'pyscripts', enabled=True)
    pipeline = RatingPipeline(conf, sqlite_db)

    with pytest.raises(exception.RatingError, match="'bad-syntax' does not compile"):
        pipeline.reload(T, None)
    with pytest.raises(exception.RatingError, match='bad-syntax'):
        pipeline.rate(frame_of(1))

    with sqlite_db.session() as session:
        session.delete(session.merge(script))
    pipeline.reload(T, None)
    assert prices(pipeline.rate(frame_of(1))) == [0]


def test_rate_before_any_reload_is_an_error(conf, sqlite_db):
    with pytest.raises(exception.RatingError, match='reload'):
        RatingPipeline(conf, sqlite_db).rate(frame_of(1))


def test_quote_sums_every_price_with_global_rules_only(conf, db):
    hashmap_rules(db)
    factories.set_module_state(db, 'hashmap', enabled=True)
    pipeline = RatingPipeline(conf, db)
    pipeline.reload(T, None)

    total = pipeline.quote(frame_of(1, 2))

    assert total == 6
    assert isinstance(total, decimal.Decimal)


def test_quote_total_keeps_the_decimal_digits_of_the_contract_example(conf, sqlite_db):
    service = factories.create_service(sqlite_db, 'instance')
    flavor = factories.create_field(sqlite_db, service, 'flavor')
    factories.create_mapping(sqlite_db, '0.5', service=service)
    factories.create_mapping(sqlite_db, '2', field=flavor, value='m1')
    factories.set_module_state(sqlite_db, 'hashmap', enabled=True)
    pipeline = RatingPipeline(conf, sqlite_db)
    pipeline.reload(T, None)

    assert str(pipeline.quote(frame_of(3))) == '6.000000000000000000000000000'

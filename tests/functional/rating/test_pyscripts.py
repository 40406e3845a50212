"""Scripts run on the frame as a plain dict (contract §4.3)."""
from __future__ import annotations

import datetime
import decimal

import pytest

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.rating.pyscripts import PyScripts
from tests.fixtures import factories

T = datetime.datetime(2026, 11, 1)
HOUR = datetime.timedelta(hours=1)

PRICE_BY_FLAVOR = '''
import decimal
for metric_type, points in data['usage'].items():
    for point in points:
        if point['metadata'].get('flavor') == 'm1':
            point['rating'] = {'price': point['vol']['qty'] * decimal.Decimal('0.5')}
'''


def frame() -> DataFrame:
    return DataFrame(T, T + HOUR, {'instance': [
        DataPoint.create('instance', 4, 0, {'id': 'a'}, {'flavor': 'm1'}),
        DataPoint.create('instance', 4, 1, {'id': 'b'}, {'flavor': 'm2'}),
    ]})


def run(conf, db, start=T) -> DataFrame:
    module = PyScripts(conf, db)
    module.reload(start, 'scope-a')
    return module.process(frame())


def test_script_sets_prices(conf, db):
    factories.create_script(db, 'flavors', PRICE_BY_FLAVOR)

    rated = run(conf, db)

    assert [p.price for p in rated.points('instance')] == [decimal.Decimal('2.0'), 1]
    assert rated.points('instance')[0].groupby == {'id': 'a'}
    assert (rated.start, rated.end) == (T, T + HOUR)


def test_scripts_run_in_creation_order_each_on_the_previous_result(conf, sqlite_db):
    factories.create_script(sqlite_db, 'first', PRICE_BY_FLAVOR)
    factories.create_script(sqlite_db, 'second', '''
for points in data['usage'].values():
    for point in points:
        point['rating']['price'] += 1
''')

    rated = run(conf, sqlite_db)

    assert [p.price for p in rated.points('instance')] == [3, 2]


def test_script_may_drop_and_add_points(conf, sqlite_db):
    factories.create_script(sqlite_db, 'reshape', '''
data['usage']['instance'] = data['usage']['instance'][:1]
data['usage']['extra'] = [{'vol': {'unit': 'x', 'qty': 1}, 'groupby': {}, 'metadata': {}}]
''')

    rated = run(conf, sqlite_db)

    assert rated.metric_types == ['extra', 'instance']
    assert rated.points('extra')[0].price == 0  # rating.price defaults to 0


def test_only_scripts_active_at_the_period_start_run(conf, sqlite_db):
    factories.create_script(sqlite_db, 'later', PRICE_BY_FLAVOR, start=T + HOUR)
    factories.create_script(sqlite_db, 'ended', PRICE_BY_FLAVOR, end=T)
    factories.create_script(sqlite_db, 'deleted', PRICE_BY_FLAVOR, deleted=T - HOUR)

    assert [p.price for p in run(conf, sqlite_db).points('instance')] == [0, 1]
    assert run(conf, sqlite_db, start=T + HOUR).points('instance')[0].price == 2


def test_script_returning_invalid_data_is_a_rating_error(conf, sqlite_db):
    factories.create_script(sqlite_db, 'no-qty', '''
data['usage']['instance'][0]['vol'] = {'unit': 'u'}
''')

    with pytest.raises(exception.RatingError, match="script 'no-qty' returned invalid data"):
        run(conf, sqlite_db)


def test_script_calling_exit_does_not_stop_the_processor(conf, sqlite_db):
    factories.create_script(sqlite_db, 'quitter', 'import sys\nsys.exit(3)')

    with pytest.raises(exception.RatingError, match="script 'quitter' failed: SystemExit"):
        run(conf, sqlite_db)


def test_syntax_error_is_reported_at_reload(conf, sqlite_db):
    factories.create_script(sqlite_db, 'typo', 'for x in\n')

    with pytest.raises(exception.RatingError, match="script 'typo' does not compile"):
        PyScripts(conf, sqlite_db).reload(T, None)


def test_disabled_by_configuration_refuses_to_run_scripts(conf, sqlite_db):
    conf.set_override('enabled', False, group='pyscripts')
    module = PyScripts(conf, sqlite_db)
    module.reload(T, None)  # no script: nothing to refuse
    factories.create_script(sqlite_db, 'flavors', PRICE_BY_FLAVOR)

    with pytest.raises(exception.RatingError, match=r'\[pyscripts\] enabled is false'):
        module.reload(T, None)

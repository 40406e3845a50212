"""Rules kept between periods: every write is seen by the next period (issue #7).

The pipeline reuses module states and compiled rules while the rules version
holds. Each test rates with one long-lived pipeline, as a processor worker
does, and compares with a brand-new pipeline (which has nothing cached).
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import random
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from cloudkitty.common import tz
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db import hashmap, models, pyscripts, rules_version
from cloudkitty.db import modules as modules_db
from cloudkitty.rating import registry
from cloudkitty.rating.pipeline import RatingPipeline
from cloudkitty.rating.pyscripts import codec
from tests.fixtures import factories

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
#: Periods in the future: rules starting the day before have not started yet
#: by the wall clock, so they may still be rewritten (contract §1.4).
T = tz.utcnow().replace(minute=0, second=0, microsecond=0) + 30 * DAY
PAST = tz.utcnow().replace(microsecond=0) - 30 * DAY

TIMES_TEN = '''
for points in data['usage'].values():
    for point in points:
        point['rating']['price'] = point['rating']['price'] * 10
'''
PLUS_ONE = '''
for points in data['usage'].values():
    for point in points:
        point['rating']['price'] = point['rating']['price'] + 1
'''


def frame_at(start: datetime.datetime) -> DataFrame:
    return DataFrame(start, start + HOUR, {
        'instance': [DataPoint.create('instance', qty, 0, {'id': 'vm%d' % qty},
                                      {'flavor': 'm1'}) for qty in (1, 3)],
        'image.size': [DataPoint.create('GiB', 12, 0, {'id': 'img'}, {})],
    })


def prices(pipeline: RatingPipeline, start: datetime.datetime,
           tenant_id: str | None = 'scope-a') -> list[decimal.Decimal]:
    pipeline.reload(start, tenant_id)
    return [point.price for _type, point in pipeline.rate(frame_at(start)).iterpoints()]


def fresh_prices(conf, db, start: datetime.datetime,
                 tenant_id: str | None = 'scope-a') -> list[decimal.Decimal]:
    pipeline = RatingPipeline(conf, db)
    try:
        return prices(pipeline, start, tenant_id)
    finally:
        pipeline.close()


@pytest.fixture
def pipeline(conf, db):
    pipeline = RatingPipeline(conf, db)
    yield pipeline
    pipeline.close()


class Rules:
    """The write functions the API calls, with a small starting rule set."""

    def __init__(self, conf, db):
        self.conf = conf
        self.db = db
        self.hashmap = hashmap.HashMapRules(db)
        self.scripts = pyscripts.PyScriptRules(db)
        self.ids: dict[str, str] = {}

    def enable(self, name: str, enabled: bool = True, priority: int | None = None) -> None:
        registry.update_module(self.conf, self.db, name, enabled=enabled, priority=priority)

    def instance_rules(self) -> None:
        """hashmap on; instance: service flat 3, flavor m1 flat 2 in group g; a running rule."""
        self.enable('hashmap')
        service = self.hashmap.create_service('instance').service_id
        self.ids['service'] = service
        self.ids['field'] = self.hashmap.create_field(service, 'flavor').field_id
        self.ids['group'] = self.hashmap.create_group('g').group_id
        self.ids['service_mapping'] = self.hashmap.create_mapping(
            cost=decimal.Decimal(3), service_id=service, start=T - DAY).mapping_id
        self.ids['field_mapping'] = self.hashmap.create_mapping(
            cost=decimal.Decimal(2), field_id=self.ids['field'], value='m1',
            group_id=self.ids['group'], start=T - DAY).mapping_id
        image = self.hashmap.create_service('image.size').service_id
        self.ids['image'] = image
        self.ids['running_mapping'] = self.hashmap.create_mapping(
            cost=decimal.Decimal('0.5'), service_id=image, start=PAST, force=True).mapping_id
        self.ids['threshold'] = self.hashmap.create_threshold(
            level=decimal.Decimal(10), cost=decimal.Decimal('0.25'), map_type='rate',
            service_id=image).threshold_id

    def script(self, name: str, source: str, **window: Any) -> str:
        return self.scripts.create_script(name=name, data=codec.compress(source),
                                          checksum=codec.checksum(source), **window).script_id

    def with_scripts(self) -> None:
        """hashmap (priority 2) then a script adding 1 (priority 1)."""
        self.instance_rules()
        self.enable('hashmap', priority=2)
        self.enable('pyscripts', priority=1)
        self.ids['script'] = self.script('plus-one', PLUS_ONE, start=T - DAY)
        self.ids['running_script'] = self.script('times-ten', TIMES_TEN, start=PAST,
                                                 force=True)


@dataclasses.dataclass(frozen=True)
class Write:
    name: str
    change: Callable[[Rules], Any]
    setup: Callable[[Rules], None] = Rules.instance_rules

    def __str__(self) -> str:
        return self.name


def _update_script(rules: Rules) -> None:
    rules.scripts.update_script(rules.ids['script'], {
        'data': codec.compress(TIMES_TEN), 'checksum': codec.checksum(TIMES_TEN)})


WRITES = [
    Write('module enabled', lambda r: r.enable('hashmap'), setup=lambda r: (
        Rules.instance_rules(r), r.enable('hashmap', enabled=False))),
    Write('module disabled', lambda r: r.enable('hashmap', enabled=False)),
    Write('module priority', lambda r: r.enable('pyscripts', priority=3),
          setup=Rules.with_scripts),
    Write('module state saved directly', lambda r: factories.set_module_state(
        r.db, 'pyscripts', enabled=False), setup=Rules.with_scripts),
    Write('service mapping created', lambda r: r.hashmap.create_mapping(
        cost=decimal.Decimal(1), service_id=r.ids['image'], group_id=r.ids['group'],
        start=T - DAY)),
    Write('field mapping created', lambda r: r.hashmap.create_mapping(
        cost=decimal.Decimal(4), field_id=r.ids['field'], value='m1', start=T - DAY)),
    Write('scope mapping created', lambda r: r.hashmap.create_mapping(
        cost=decimal.Decimal(9), field_id=r.ids['field'], value='m1',
        group_id=r.ids['group'], tenant_id='scope-a', start=T - DAY)),
    Write('mapping cost updated', lambda r: r.hashmap.update_mapping(
        r.ids['field_mapping'], {'cost': decimal.Decimal(7)})),
    Write('running mapping ended', lambda r: r.hashmap.update_mapping(
        r.ids['running_mapping'], {'end': T + 2 * HOUR})),
    Write('mapping deleted', lambda r: r.hashmap.delete_mapping(r.ids['service_mapping'])),
    Write('threshold created', lambda r: r.hashmap.create_threshold(
        level=decimal.Decimal(1), cost=decimal.Decimal(5), service_id=r.ids['service'])),
    Write('threshold updated', lambda r: r.hashmap.update_threshold(
        r.ids['threshold'], level=decimal.Decimal(10), cost=decimal.Decimal(2),
        map_type='rate')),
    Write('threshold deleted', lambda r: r.hashmap.delete_threshold(r.ids['threshold'])),
    Write('group deleted', lambda r: r.hashmap.delete_group(r.ids['group'])),
    Write('group deleted with its rules', lambda r: r.hashmap.delete_group(
        r.ids['group'], recursive=True)),
    Write('field deleted', lambda r: r.hashmap.delete_field(r.ids['field'])),
    Write('service deleted', lambda r: r.hashmap.delete_service(r.ids['image'])),
    Write('script created', lambda r: r.script('times-ten-again', TIMES_TEN, start=T - DAY),
          setup=Rules.with_scripts),
    Write('script rewritten', _update_script, setup=Rules.with_scripts),
    Write('running script ended', lambda r: r.scripts.update_script(
        r.ids['running_script'], {'end': T + 2 * HOUR}), setup=Rules.with_scripts),
    Write('script deleted', lambda r: r.scripts.delete_script(r.ids['script']),
          setup=Rules.with_scripts),
]


@pytest.mark.parametrize('write', WRITES, ids=str)
def test_a_write_between_two_periods_is_seen_by_the_next_period(conf, db, pipeline, write):
    rules = Rules(conf, db)
    write.setup(rules)
    before = prices(pipeline, T)
    assert prices(pipeline, T + HOUR) == before  # served from the cache

    write.change(rules)

    after = prices(pipeline, T + 2 * HOUR)
    assert after == fresh_prices(conf, db, T + 2 * HOUR)
    assert after != before


def _set_cost_behind_the_version(db, cost: str) -> None:
    with db.session() as session:
        session.execute(sa.update(models.HashMapMapping).values(cost=decimal.Decimal(cost)))


def test_rules_are_reused_while_the_version_holds(conf, sqlite_db):
    rules = Rules(conf, sqlite_db)
    rules.enable('hashmap')
    service = rules.hashmap.create_service('instance').service_id
    rules.hashmap.create_mapping(cost=decimal.Decimal(1), service_id=service, start=PAST,
                                 force=True)
    pipeline = RatingPipeline(conf, sqlite_db)
    assert prices(pipeline, T) == [0, 1, 3]

    # A change that does not bump the version (hand-made SQL) goes unseen ...
    _set_cost_behind_the_version(sqlite_db, '2')
    assert prices(pipeline, T + HOUR) == [0, 1, 3]
    assert fresh_prices(conf, sqlite_db, T + HOUR) == [0, 2, 6]
    # ... until the version moves.
    with sqlite_db.session() as session:
        rules_version.bump(session)
    assert prices(pipeline, T + 2 * HOUR) == [0, 2, 6]
    pipeline.close()


def test_without_a_version_row_every_period_reloads(conf, sqlite_db):
    rules = Rules(conf, sqlite_db)
    rules.enable('hashmap')
    service = rules.hashmap.create_service('instance').service_id
    rules.hashmap.create_mapping(cost=decimal.Decimal(1), service_id=service, start=PAST,
                                 force=True)
    with sqlite_db.session() as session:
        session.execute(sa.delete(models.RulesVersion))
    pipeline = RatingPipeline(conf, sqlite_db)
    assert prices(pipeline, T) == [0, 1, 3]

    _set_cost_behind_the_version(sqlite_db, '2')
    assert prices(pipeline, T + HOUR) == [0, 2, 6]
    pipeline.close()

    # The next write creates the row again, with a value no cache can hold.
    with sqlite_db.session() as session:
        rules_version.bump(session)
        assert rules_version.current(session) > 10 ** 15


def _version(db) -> int | None:
    with db.session() as session:
        return rules_version.current(session)


def test_every_write_function_bumps_the_version(conf, db):
    rules = Rules(conf, db)
    rules.with_scripts()
    ids = rules.ids
    writes = {
        'create_service': lambda: rules.hashmap.create_service('other'),
        'create_field': lambda: rules.hashmap.create_field(ids['image'], 'size'),
        'create_group': lambda: rules.hashmap.create_group('other'),
        'create_mapping': lambda: rules.hashmap.create_mapping(
            cost=decimal.Decimal(1), field_id=ids['field'], value='m2', start=T),
        'update_mapping': lambda: rules.hashmap.update_mapping(
            ids['field_mapping'], {'cost': decimal.Decimal(5)}),
        'delete_mapping': lambda: rules.hashmap.delete_mapping(ids['field_mapping']),
        'create_threshold': lambda: rules.hashmap.create_threshold(
            level=decimal.Decimal(3), cost=decimal.Decimal(1), field_id=ids['field']),
        'update_threshold': lambda: rules.hashmap.update_threshold(
            ids['threshold'], level=decimal.Decimal(4), cost=decimal.Decimal(1)),
        'delete_threshold': lambda: rules.hashmap.delete_threshold(ids['threshold']),
        'delete_group': lambda: rules.hashmap.delete_group(ids['group']),
        'delete_field': lambda: rules.hashmap.delete_field(ids['field']),
        'delete_service': lambda: rules.hashmap.delete_service(ids['service']),
        'create_script': lambda: rules.script('another', PLUS_ONE),
        'update_script': lambda: _update_script(rules),
        'delete_script': lambda: rules.scripts.delete_script(ids['script']),
        'save_state': lambda: factories.set_module_state(db, 'noop', priority=4),
    }
    write_functions = {name for owner in (hashmap.HashMapRules, pyscripts.PyScriptRules)
                       for name in dir(owner)
                       if name.startswith(('create_', 'update_', 'delete_'))}
    assert write_functions | {modules_db.save_state.__name__} == set(writes)
    for name, write in writes.items():
        before = _version(db)
        write()
        assert _version(db) == before + 1, name


def test_a_refused_write_leaves_the_version_alone(conf, sqlite_db):
    rules = Rules(conf, sqlite_db)
    rules.hashmap.create_service('instance')
    before = _version(sqlite_db)
    with pytest.raises(hashmap.ServiceAlreadyExists):
        rules.hashmap.create_service('instance')
    assert _version(sqlite_db) == before


# --- activity windows and scopes --------------------------------------------------

def windowed_rules(rules: Rules) -> None:
    """Rules starting and ending at period starts and in between, global and per scope."""
    rules.enable('hashmap', priority=2)
    rules.enable('pyscripts', priority=1)
    hm = rules.hashmap
    service = hm.create_service('instance').service_id
    field = hm.create_field(service, 'flavor').field_id
    image = hm.create_service('image.size').service_id
    hm.create_mapping(cost=decimal.Decimal(1), service_id=service, start=T - DAY)
    hm.create_mapping(cost=decimal.Decimal(2), field_id=field, value='m1',
                      start=T + 2 * HOUR, end=T + 5 * HOUR)
    hm.create_mapping(cost=decimal.Decimal(3), field_id=field, value='m1',
                      start=T + 5 * HOUR + datetime.timedelta(minutes=30))
    hm.create_mapping(cost=decimal.Decimal(7), field_id=field, value='m1',
                      tenant_id='scope-a', start=T + 3 * HOUR, end=T + 4 * HOUR)
    hm.create_mapping(cost=decimal.Decimal(5), service_id=image, tenant_id='scope-b',
                      start=T + HOUR)
    hm.create_threshold(level=decimal.Decimal(1), cost=decimal.Decimal(4),
                        service_id=image, tenant_id='scope-c')
    rules.script('times-ten', TIMES_TEN, start=T + 4 * HOUR, end=T + 6 * HOUR)


def test_periods_rated_in_any_order_use_the_rules_active_at_their_start(conf, db,
                                                                        pipeline):
    windowed_rules(Rules(conf, db))
    starts = [T + hours * HOUR for hours in range(-1, 8)]
    tenants = ['scope-a', 'scope-b', 'scope-c', 'scope-z', None]
    expected = {(start, tenant): fresh_prices(conf, db, start, tenant)
                for start in starts for tenant in tenants}
    # Forward as in a catch-up, backward as in reprocessing, then shuffled,
    # scopes interleaved as in a processor pass.
    order = [(start, tenant) for tenant in tenants for start in starts]
    order += [(start, tenant) for start in reversed(starts) for tenant in tenants]
    shuffled = list(order)
    random.Random(7).shuffle(shuffled)
    for start, tenant in order + shuffled:
        assert prices(pipeline, start, tenant) == expected[start, tenant], (start, tenant)
    # The windows do matter: otherwise this test would prove nothing.
    assert len({tuple(value) for value in expected.values()}) >= 6


def test_a_rule_starting_inside_a_period_applies_from_the_next_one(conf, sqlite_db):
    windowed_rules(Rules(conf, sqlite_db))
    pipeline = RatingPipeline(conf, sqlite_db)
    # 5:00: the m1 mapping of 2:00-5:00 has ended, the script of 4:00-6:00 runs.
    assert prices(pipeline, T + 5 * HOUR) == [0, 10, 30]
    # 6:00: the script has ended, the m1 mapping of 5:30 has started.
    assert prices(pipeline, T + 6 * HOUR) == [0, 3, 9]
    pipeline.close()


# Dropping the connections of other sessions is done with a PostgreSQL function.
@pytest.mark.parametrize('db', ['postgresql'], indirect=True)
def test_a_dropped_connection_does_not_stop_the_next_period(conf, db, pipeline):
    """The version is read on a connection held between periods; the server may drop it."""
    rules = Rules(conf, db)
    rules.instance_rules()
    before = prices(pipeline, T)
    with db.session() as session:
        dropped = session.scalar(sa.text(
            'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity '
            'WHERE datname = current_database() AND pid <> pg_backend_pid()'))
    assert dropped >= 1
    rules.hashmap.delete_mapping(rules.ids['service_mapping'])

    after = prices(pipeline, T + HOUR)
    assert after == fresh_prices(conf, db, T + HOUR)
    assert after != before

"""A processor keeps its rules between periods, yet every API change reaches the next period.

One long-lived worker rates one period per pass; between two passes an
operator changes the rules through the API. The period after the change must
be priced like a freshly built pipeline prices it (nothing cached), and
differently from the period before (or the change proved nothing).
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
from collections.abc import Callable
from typing import Any

import pytest

from cloudkitty.common import tz
from cloudkitty.db import scope_state
from cloudkitty.rating.pipeline import RatingPipeline
from tests.fixtures.api import ApiClient, build_client
from tests.unit.processor import doubles
from tests.unit.processor.harness import Setup

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
SCOPE = 'scope-a'
HASHMAP = '/v1/rating/module_config/hashmap'
SCRIPTS = '/v1/rating/module_config/pyscripts/scripts'
#: Periods rated here lie in the future, so that rules starting the day before
#: have not started by the wall clock and may still be rewritten (§1.4).
FIRST = tz.utcnow().replace(minute=0, second=0, microsecond=0) + 30 * DAY

TIMES_TEN = '''
for points in data['usage'].values():
    for point in points:
        point['rating']['price'] = point['rating']['price'] * 10
'''
PLUS_ONE = TIMES_TEN.replace('* 10', '+ 1')


def _iso(instant: datetime.datetime) -> str:
    return instant.isoformat()


class Operator:
    """Rule changes as an operator makes them: through the v1 and v2 API."""

    def __init__(self, client: ApiClient):
        self.client = client
        self.ids: dict[str, str] = {}

    def call(self, method: str, path: str, status: int, **kwargs) -> Any:
        response = self.client.request(method, path, **kwargs)
        assert response.status == status, response.text
        return response.json if response.text else None

    def module(self, name: str, **state: Any) -> None:
        self.call('PUT', '/v2/rating/modules/%s' % name, 204, json=state)

    def create(self, kind: str, key: str, force: bool = False, **body: Any) -> str:
        created = self.call('POST', '%s/%s' % (HASHMAP, kind), 201, json=body,
                            params={'force': 'true'} if force else None)
        return created['%s_id' % key]

    def script(self, name: str, source: str, **body: Any) -> str:
        return self.call('POST', SCRIPTS, 201, json={'name': name, 'data': source, **body},
                         params={'force': 'true'})['script_id']

    def base_rules(self) -> None:
        """cpu: service flat 3, flavor m1 flat 2 in group g; image.size: a running rule."""
        self.module('hashmap', enabled=True)
        ids = self.ids
        ids['cpu'] = self.create('services', 'service', name='cpu')
        ids['field'] = self.create('fields', 'field', name='flavor', service_id=ids['cpu'])
        ids['group'] = self.create('groups', 'group', name='g')
        ids['cpu_mapping'] = self.create('mappings', 'mapping', service_id=ids['cpu'],
                                         cost='3', start=_iso(FIRST - DAY))
        ids['m1_mapping'] = self.create('mappings', 'mapping', field_id=ids['field'],
                                        value='m1', cost='2', group_id=ids['group'],
                                        start=_iso(FIRST - DAY))
        ids['image'] = self.create('services', 'service', name='image.size')
        ids['running'] = self.create('mappings', 'mapping', force=True,
                                     service_id=ids['image'], cost='0.5',
                                     start=_iso(tz.utcnow() - DAY))
        ids['threshold'] = self.create('thresholds', 'threshold', service_id=ids['image'],
                                       level='2', cost='0.25', type='rate')

    def with_scripts(self) -> None:
        """hashmap first (priority 2), then scripts adding 1 and multiplying by 10."""
        self.base_rules()
        self.module('hashmap', priority=2)
        self.module('pyscripts', enabled=True, priority=1)
        self.ids['script'] = self.script('plus-one', PLUS_ONE, start=_iso(FIRST - DAY))
        self.ids['running_script'] = self.script('times-ten', TIMES_TEN,
                                                 start=_iso(tz.utcnow() - DAY))


@dataclasses.dataclass(frozen=True)
class Change:
    name: str
    apply: Callable[[Operator], Any]
    setup: Callable[[Operator], None] = Operator.base_rules

    def __str__(self) -> str:
        return self.name


def _rewrite_script(op: Operator) -> None:
    op.call('PUT', '%s/%s' % (SCRIPTS, op.ids['script']), 201,
            json={'name': 'plus-one', 'data': TIMES_TEN})


def _end_running_script(op: Operator) -> None:
    url = '%s/%s' % (SCRIPTS, op.ids['running_script'])
    fetched = op.call('GET', url, 200)
    del fetched['checksum']
    op.call('PUT', url, 201, json=dict(fetched, end=_iso(FIRST + HOUR)))


CHANGES = [
    Change('hashmap enabled', lambda op: op.module('hashmap', enabled=True),
           setup=lambda op: (op.base_rules(), op.module('hashmap', enabled=False))),
    Change('hashmap disabled', lambda op: op.module('hashmap', enabled=False)),
    Change('pyscripts priority raised', lambda op: op.module('pyscripts', priority=3),
           setup=Operator.with_scripts),
    Change('pyscripts disabled', lambda op: op.module('pyscripts', enabled=False),
           setup=Operator.with_scripts),
    Change('mapping created', lambda op: op.create(
        'mappings', 'mapping', field_id=op.ids['field'], value='m1', cost='4',
        start=_iso(FIRST - DAY))),
    Change('scope mapping created', lambda op: op.create(
        'mappings', 'mapping', field_id=op.ids['field'], value='m1', cost='9',
        group_id=op.ids['group'], tenant_id=SCOPE, start=_iso(FIRST - DAY))),
    Change('mapping cost updated', lambda op: op.call(
        'PUT', '%s/mappings/%s' % (HASHMAP, op.ids['m1_mapping']), 302,
        json={'cost': '7', 'start': _iso(FIRST - DAY)})),
    Change('running mapping ended', lambda op: op.call(
        'PUT', '%s/mappings/%s' % (HASHMAP, op.ids['running']), 302,
        json={'cost': '0.5', 'end': _iso(FIRST + HOUR)})),
    Change('mapping deleted', lambda op: op.call(
        'DELETE', '%s/mappings/%s' % (HASHMAP, op.ids['cpu_mapping']), 204)),
    Change('threshold created', lambda op: op.create(
        'thresholds', 'threshold', service_id=op.ids['cpu'], level='1', cost='5')),
    Change('threshold updated', lambda op: op.call(
        'PUT', '%s/thresholds/%s' % (HASHMAP, op.ids['threshold']), 302,
        json={'level': '2', 'cost': '2', 'type': 'rate'})),
    Change('threshold deleted', lambda op: op.call(
        'DELETE', '%s/thresholds/%s' % (HASHMAP, op.ids['threshold']), 204)),
    Change('group deleted', lambda op: op.call(
        'DELETE', '%s/groups/%s' % (HASHMAP, op.ids['group']), 204)),
    Change('field deleted', lambda op: op.call(
        'DELETE', '%s/fields/%s' % (HASHMAP, op.ids['field']), 204)),
    Change('service deleted', lambda op: op.call(
        'DELETE', '%s/services/%s' % (HASHMAP, op.ids['image']), 204)),
    Change('script created', lambda op: op.script('times-ten-again', TIMES_TEN,
                                                  start=_iso(FIRST - DAY)),
           setup=Operator.with_scripts),
    Change('script rewritten', _rewrite_script, setup=Operator.with_scripts),
    Change('running script ended', _end_running_script, setup=Operator.with_scripts),
    Change('script deleted', lambda op: op.call(
        'DELETE', '%s/%s' % (SCRIPTS, op.ids['script']), 204),
        setup=Operator.with_scripts),
]


class Processor:
    """One worker with the real pipeline, rating one more period on each pass."""

    def __init__(self, db, tmp_path):
        self.setup = Setup(db, tmp_path, collector=doubles.Collector(points=2),
                           scopes=(SCOPE,))
        conf = self.setup.conf
        self.setup.worker.pipeline = RatingPipeline(conf, db)
        # The scope resumes at FIRST; a period is ready two periods after it ends.
        with db.session() as session:
            scope_state.advance(session, scope_state.ScopeKey.from_conf(conf, SCOPE),
                                FIRST - HOUR, None)
        self.next_start = FIRST

    def rate_next_period(self) -> dict[str, decimal.Decimal]:
        """Let one more period become ready, run a pass; its stored prices by type."""
        start = self.next_start
        now = start + 2 * HOUR + datetime.timedelta(seconds=1)
        self.setup.orchestrator.clock = lambda: now
        assert self.setup.orchestrator.run_pass() == 1
        self.next_start = start + HOUR
        return {metric_type: price for (_scope, begin, metric_type), (_count, price)
                in self.setup.stored().items() if begin == start}

    def fresh_prices(self, start: datetime.datetime) -> dict[str, decimal.Decimal]:
        """What a pipeline built now (nothing cached) makes of the same period."""
        pipeline = RatingPipeline(self.setup.conf, self.setup.db)
        try:
            pipeline.reload(start, SCOPE)
            frame = pipeline.rate(self.setup.worker.collect(SCOPE, start, start + HOUR))
        finally:
            pipeline.close()
        return {metric_type: sum((point.price for point in points), decimal.Decimal(0))
                for metric_type, points in frame.itertypes()}

    def close(self) -> None:
        self.setup.close()


@pytest.fixture
def processor(sqlite_db, tmp_path):
    processor = Processor(sqlite_db, tmp_path)
    yield processor, Operator(build_client(sqlite_db))
    processor.close()


@pytest.mark.parametrize('change', CHANGES, ids=str)
def test_an_api_change_between_two_periods_prices_the_next_period(processor, change):
    worker, operator = processor
    change.setup(operator)
    before = worker.rate_next_period()

    change.apply(operator)

    after = worker.rate_next_period()
    assert after == worker.fresh_prices(FIRST + HOUR)
    assert after != before


def test_a_catch_up_crosses_rule_windows_with_the_rules_of_each_period(processor):
    """Several periods in one pass, as after an outage: windows start and end on the way."""
    worker, operator = processor
    operator.base_rules()
    operator.create('mappings', 'mapping', field_id=operator.ids['field'], value='m1',
                    cost='4', start=_iso(FIRST + HOUR), end=_iso(FIRST + 3 * HOUR))
    operator.module('pyscripts', enabled=True)
    operator.script('times-ten', TIMES_TEN, start=_iso(FIRST + 2 * HOUR),
                    end=_iso(FIRST + 2 * HOUR + datetime.timedelta(minutes=1)))
    now = FIRST + 5 * HOUR + datetime.timedelta(seconds=1)
    worker.setup.orchestrator.clock = lambda: now

    assert worker.setup.orchestrator.run_pass() == 4

    stored = worker.setup.stored()
    by_period = [{metric_type: price for (_scope, begin, metric_type), (_count, price)
                  in stored.items() if begin == FIRST + hours * HOUR} for hours in range(4)]
    assert by_period == [worker.fresh_prices(FIRST + hours * HOUR) for hours in range(4)]
    assert len({tuple(sorted(prices.items())) for prices in by_period}) == 3

"""A processor worker built from real storage and locks around the test doubles."""
import datetime
import decimal

import pytest
import sqlalchemy as sa

from cloudkitty import coordination
from cloudkitty.db import scope_state
from cloudkitty.processor.orchestrator import Orchestrator
from cloudkitty.processor.reprocessor import Reprocessor
from cloudkitty.processor.worker import ScopeWorker, SkipFilter
from cloudkitty.storage.v2.sqlalchemy.models import rated_points
from cloudkitty.storage.v2.sqlalchemy.storage import SQLAlchemyStorage
from tests.unit.processor import doubles

HOUR = datetime.timedelta(hours=1)
MONTH = datetime.datetime(2026, 3, 1)
#: Five hours and a second into the month: with wait_periods=2 the periods
#: starting at 00:00 (first, no wait), 01:00, 02:00 and 03:00 are ready.
NOW = MONTH + 5 * HOUR + datetime.timedelta(seconds=1)


class Setup:
    """Orchestrator and reprocessor of one worker, on a frozen clock."""

    def __init__(self, db, tmp_path, collector=None, pipeline=None, scopes=('a', 'b')):
        self.db = db
        self.conf = doubles.make_conf(database__connection=str(db.engine.url))
        self.collector = collector or doubles.Collector()
        self.pipeline = pipeline or doubles.Pipeline()
        self.storage = SQLAlchemyStorage(self.conf, db)
        self.worker = ScopeWorker(self.conf, self.collector, self.pipeline, self.storage,
                                  SkipFilter.from_collector(self.conf, self.collector))
        self.coordinator = coordination.Coordinator('file://%s' % tmp_path)
        self.orchestrator = Orchestrator(self.conf, db, doubles.Fetcher(scopes),
                                         self.worker, self.coordinator,
                                         clock=lambda: NOW)
        self.reprocessor = Reprocessor(self.conf, db, self.storage, self.worker,
                                       self.coordinator)

    def close(self):
        self.worker.close()
        self.coordinator.stop()

    def state(self, scope_id):
        with self.db.session() as session:
            state = scope_state.get_state(
                session, scope_state.ScopeKey.from_conf(self.conf, scope_id))
            return state.last_processed_timestamp if state else None

    def stored(self):
        """(scope, period start, type) -> (points, total price)."""
        query = sa.select(rated_points.c.scope, rated_points.c.begin,
                          rated_points.c.type, sa.func.count(),
                          sa.func.sum(rated_points.c.price)).group_by(
            rated_points.c.scope, rated_points.c.begin, rated_points.c.type)
        with self.db.session() as session:
            return {(row[0], row[1], row[2]): (row[3], decimal.Decimal(str(row[4])))
                    for row in session.execute(query)}


@pytest.fixture
def make_setup(sqlite_db, tmp_path):
    setups = []

    def make(**kwargs):
        setup = Setup(sqlite_db, tmp_path, **kwargs)
        setups.append(setup)
        return setup

    yield make
    for setup in setups:
        setup.close()



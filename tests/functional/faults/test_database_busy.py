"""A request that finds every pooled connection busy gets a 503, not a 500."""
import threading

import pytest
import sqlalchemy as sa

from cloudkitty.common import exception
from cloudkitty.db.engine import Database


@pytest.mark.parametrize('db', ['postgresql'], indirect=True)
def test_exhausted_pool_is_database_busy(db):
    url = db.engine.url.render_as_string(hide_password=False)
    small = Database(url, max_pool_size=1, max_overflow=0, pool_timeout=1)
    holding, release = threading.Event(), threading.Event()

    def hold_the_only_connection():
        with small.session() as session:
            session.execute(sa.text('SELECT 1'))
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_only_connection)
    holder.start()
    try:
        assert holding.wait(30)
        with pytest.raises(exception.DatabaseBusy) as busy:
            with small.session() as session:
                session.execute(sa.text('SELECT 1'))
    finally:
        release.set()
        holder.join()
    assert busy.value.code == 503
    assert busy.value.message == ('The database is busy: no connection became free within '
                                  '1 s. Retry later.')
    with small.session() as session:  # the connection is back in the pool
        assert session.execute(sa.text('SELECT 1')).scalar() == 1
    small.dispose()

"""The private cluster really goes away and comes back (the fault tests rely on it)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures.private_postgres import PrivatePostgres


def _select_one(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text('SELECT 1')).scalar_one()
    finally:
        engine.dispose()


def test_stop_refuses_connections_and_start_accepts_them_again(
        private_postgres: PrivatePostgres):
    engine = sa.create_engine(private_postgres.url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text('CREATE TABLE kept (value int)'))
            connection.execute(sa.text('INSERT INTO kept VALUES (42)'))
        held = engine.connect()
        private_postgres.stop()
        with pytest.raises(sa.exc.OperationalError):
            held.execute(sa.text('SELECT 1'))
        held.close()
        with pytest.raises(sa.exc.OperationalError):
            _select_one(private_postgres.url)
        private_postgres.start()
        with engine.connect() as connection:
            assert connection.execute(sa.text('SELECT value FROM kept')).scalar_one() == 42
        private_postgres.restart()
        assert _select_one(private_postgres.url) == 1
    finally:
        engine.dispose()

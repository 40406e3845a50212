"""Helpers of the API route tests (not the shared fixtures, see tests/fixtures/api.py)."""
from __future__ import annotations

import pytest


class FakeProcessors:
    """Stands in for the processors behind RPC: answers quotes, records casts."""

    def __init__(self, quote_answer: str = '1.0'):
        self.quote_answer = quote_answer
        self.quotes: list = []
        self.resets: list = []
        self.module_changes: list = []

    def quote(self, resources):
        self.quotes.append(resources)
        return self.quote_answer

    def reset_state(self, scopes, last_processed_timestamp):
        self.resets.append((scopes, last_processed_timestamp))

    def notify_module_change(self, kind, name=None):
        self.module_changes.append((kind, name))


@pytest.fixture
def processors():
    return FakeProcessors()


@pytest.fixture
def client(sqlite_db, make_api_client, processors):
    """noauth client on SQLite whose RPC goes to ``processors``."""
    return make_api_client(sqlite_db, rpc=processors)

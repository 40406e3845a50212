"""Fixtures of the fetcher tests that talk to real servers."""
from tests.fixtures.gnocchi import gnocchi_server  # noqa: F401
from tests.fixtures.keystone import keystone_server  # noqa: F401

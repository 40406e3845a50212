"""Fixtures of the collector tests that talk to real servers."""
from tests.fixtures.gnocchi import gnocchi_cloud, gnocchi_server  # noqa: F401

"""Fixtures of the functional tests that start OpenStack servers.

Defined once here (not per directory) so that each session-scoped server is
started once per test session, whichever directories use it.
"""
from tests.fixtures.gnocchi import gnocchi_cloud, gnocchi_server  # noqa: F401
from tests.fixtures.keystone import keystone_server  # noqa: F401

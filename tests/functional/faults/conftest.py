"""Fixtures of the fault tests: servers that the test itself can take away."""
from tests.fixtures.private_postgres import private_postgres  # noqa: F401

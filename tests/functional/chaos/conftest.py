"""Servers of the chaos tests: private PostgreSQL clusters and a private etcd."""
from tests.fixtures.etcd import etcd_server  # noqa: F401
from tests.fixtures.private_postgres import private_postgres  # noqa: F401
from tests.functional.chaos.databases import chaos_databases  # noqa: F401

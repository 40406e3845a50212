"""Fixtures of the processor tests."""
from tests.unit.processor.harness import make_setup  # noqa: F401

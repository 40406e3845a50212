"""The benchmark suite: one module a measured path, run with ``python -m tools.bench.<name>``."""

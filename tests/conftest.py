"""Fixtures shared by every test."""
import pytest

pytest_plugins = ['tests.fixtures.database', 'tests.fixtures.prometheus',
                  'tests.fixtures.api', 'tests.fixtures.influxdb']


def pytest_collection_modifyitems(items):
    """Keep the browser suite on one xdist worker (with ``--dist loadgroup``).

    Its session fixtures start a whole stack (Keystone, API, processor,
    Horizon, Chromium); split over workers, each would start its own.
    """
    for item in items:
        if item.get_closest_marker('browser'):
            item.add_marker(pytest.mark.xdist_group('browser'))

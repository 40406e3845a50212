"""Fixtures shared by every test."""
pytest_plugins = ['tests.fixtures.database', 'tests.fixtures.prometheus',
                  'tests.fixtures.api', 'tests.fixtures.influxdb']

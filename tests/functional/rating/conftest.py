"""A configuration object for the rating modules under test."""
import pytest
from oslo_config import cfg

from cloudkitty.common import config


@pytest.fixture
def conf() -> cfg.ConfigOpts:
    options = cfg.ConfigOpts()
    config.register_opts(options)
    options([], project='cloudkitty', default_config_files=[])
    return options

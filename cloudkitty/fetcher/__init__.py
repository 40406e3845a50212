"""Fetcher plugins: which scopes to rate (contract §6.5).

Plugins are found through the ``cloudkitty.fetchers`` entry points;
``get_fetcher(conf)`` builds the one named by ``[fetcher] backend``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stevedore import driver, extension
from stevedore import exception as stevedore_exception

from cloudkitty.common import exception

if TYPE_CHECKING:
    from cloudkitty.fetcher.base import BaseFetcher

NAMESPACE = 'cloudkitty.fetchers'


def available_fetchers() -> list[str]:
    """Names of the installed fetcher plugins, sorted."""
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def get_fetcher(conf) -> BaseFetcher:
    """Build the configured fetcher; ConfigurationError if it is unknown."""
    name = conf.fetcher.backend
    try:
        fetcher_class = driver.DriverManager(NAMESPACE, name, invoke_on_load=False).driver
    except stevedore_exception.NoMatches:
        raise exception.ConfigurationError(
            reason='[fetcher] backend = %s is not a known fetcher (available: %s)'
            % (name, ', '.join(available_fetchers()))) from None
    return fetcher_class(conf)

"""Collector plugins: where usage comes from (contract §6).

Plugins are found through the ``cloudkitty.collector.backends`` entry points;
``get_collector(conf)`` builds the one named by ``[collect] collector``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from stevedore import driver, extension
from stevedore import exception as stevedore_exception

from cloudkitty.common import exception

if TYPE_CHECKING:
    from cloudkitty.collector.base import BaseCollector
    from cloudkitty.collector.metrics_config import MetricsConfig

NAMESPACE = 'cloudkitty.collector.backends'


def available_collectors() -> list[str]:
    """Names of the installed collector plugins, sorted."""
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def get_collector_class(name: str) -> type[BaseCollector]:
    """The plugin class registered as ``name``; ConfigurationError if unknown."""
    try:
        return driver.DriverManager(NAMESPACE, name, invoke_on_load=False).driver
    except stevedore_exception.NoMatches:
        raise exception.ConfigurationError(
            reason='[collect] collector = %s is not a known collector (available: %s)'
            % (name, ', '.join(available_collectors()))) from None


def get_collector(conf, metrics: MetricsConfig | None = None) -> BaseCollector:
    """Build the configured collector, loading and validating metrics.yml.

    ``metrics`` lets a caller that already validated the file reuse it.
    """
    return get_collector_class(conf.collect.collector)(conf, metrics)

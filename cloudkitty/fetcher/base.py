"""The fetcher interface: list the scopes (normally projects) to rate."""
from __future__ import annotations

import abc
from typing import ClassVar


class BaseFetcher(abc.ABC):
    """Lists scope identifiers; called once per processor loop."""

    name: ClassVar[str]
    """Entry-point name of the plugin (``[fetcher] backend``)."""

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def get_tenants(self) -> list[str]:
        """The identifiers of every scope to rate, without duplicates."""

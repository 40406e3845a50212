"""Source fetcher: the scopes are listed in the configuration."""
from __future__ import annotations

from cloudkitty.fetcher import base


class SourceFetcher(base.BaseFetcher):
    """Returns ``[fetcher_source] sources``, for clouds without a discovery API."""

    name = 'source'

    def get_tenants(self) -> list[str]:
        return list(dict.fromkeys(self.conf.fetcher_source.sources))

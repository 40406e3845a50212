"""Gnocchi fetcher: the scopes are the owners of the resources Gnocchi knows."""
from __future__ import annotations

from oslo_log import log as logging

from cloudkitty.common import gnocchi as gnocchi_client
from cloudkitty.fetcher import base

LOG = logging.getLogger(__name__)


def exclusion_query(scope_attribute: str, seen: list[str]) -> dict:
    """Resources whose scope was not seen yet: how discovery pages (contract §6.5)."""
    return {'not': {'in': {scope_attribute: seen}}}


class GnocchiFetcher(base.BaseFetcher):
    """Lists the distinct ``scope_attribute`` of the ``[fetcher_gnocchi] resource_types``.

    Gnocchi cannot list distinct attribute values, so each search excludes the
    scopes already found: every page brings at least one new scope, and the
    number of requests grows with the number of scopes, not of resources.
    """

    name = 'gnocchi'
    CONF_GROUP = 'fetcher_gnocchi'

    def __init__(self, conf, client: gnocchi_client.GnocchiClient | None = None):
        super().__init__(conf)
        options = conf[self.CONF_GROUP]
        self.scope_attribute: str = options.scope_attribute
        self.resource_types: list[str] = list(options.resource_types)
        self.client = client or gnocchi_client.GnocchiClient.from_conf(conf, self.CONF_GROUP)

    def get_tenants(self) -> list[str]:
        found: dict[str, None] = {}
        for resource_type in self.resource_types:
            query: dict = {}
            while True:
                page = self.client.search_resources(resource_type, query, details=True)
                new = [scope for scope in (resource.get(self.scope_attribute)
                                           for resource in page)
                       if scope and scope not in found]
                if not new:
                    # An empty page, or only resources without a scope (which
                    # the exclusion filter cannot remove): nothing left to find.
                    break
                found.update(dict.fromkeys(new))
                query = exclusion_query(self.scope_attribute, list(found))
        LOG.debug('Gnocchi fetcher found %d scopes', len(found))
        return list(found)

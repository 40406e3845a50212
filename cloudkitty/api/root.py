"""``/``: the versions document, and the version controllers."""
from __future__ import annotations

import pecan

from cloudkitty.api.v1 import root as v1_root
from cloudkitty.api.v2 import root as v2_root


class RootController:
    """Lists the API versions; ``/v2`` only exists with storage version 2."""

    def __init__(self, conf):
        self.v2_enabled = conf.storage.version >= 2
        self.v1 = v1_root.V1Controller()
        if self.v2_enabled:
            self.v2 = v2_root.V2Controller()

    def _versions(self) -> dict:
        host = pecan.request.host_url
        versions = [{'id': 'v1', 'status': 'CURRENT',
                     'links': [{'href': host + '/v1', 'rel': 'self'}]}]
        if self.v2_enabled:
            versions.append({'id': 'v2', 'status': 'EXPERIMENTAL',
                             'links': [{'href': host + '/v2', 'rel': 'self'}]})
        return {'versions': versions}

    @pecan.expose('json')
    def index(self):
        if pecan.request.method not in ('GET', 'HEAD'):
            pecan.abort(405)
        return self._versions()

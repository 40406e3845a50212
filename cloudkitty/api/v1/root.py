"""``/v1``: mounts the v1 resources (``/v1/billing`` is an alias of ``/v1/rating``)."""
from __future__ import annotations

import pecan

from cloudkitty.api.v1 import collector, info, rating, report, storage


class V1Controller:
    def __init__(self):
        self.collector = collector.CollectorController()
        self.info = info.InfoController()
        self.rating = rating.RatingController()
        self.billing = self.rating
        self.report = report.ReportController()
        self.storage = storage.StorageController()

    @pecan.expose(generic=True)
    def index(self):
        """``/v1`` itself has no representation: 405, as upstream."""
        pecan.abort(405)

"""``/v2``: mounts the v2 resources; anything else is a 404."""
from __future__ import annotations

import pecan

from cloudkitty.api.v2 import dataframes, rating, scope, summary, task


class V2Controller:
    def __init__(self):
        self.scope = scope.ScopeController()
        self.summary = summary.SummaryController()
        self.dataframes = dataframes.DataFramesController()
        self.task = task.TaskController()
        self.rating = rating.RatingController()

    @pecan.expose()
    def index(self):
        pecan.abort(404)

"""The module that is always enabled, so that the pipeline is never empty (§4.2)."""
from __future__ import annotations

import datetime

from cloudkitty.dataframe import DataFrame
from cloudkitty.rating.base import RatingModule


class Noop(RatingModule):
    """Leaves every price as it is."""

    name = 'noop'
    description = 'Dummy test module.'
    hot_config = False

    def reload(self, start: datetime.datetime, tenant_id: str | None) -> None:
        """Nothing to load."""

    def process(self, frame: DataFrame) -> DataFrame:
        return frame

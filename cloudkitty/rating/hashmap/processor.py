"""The hashmap rating module: rules from the database, compiled per period (§3)."""
from __future__ import annotations

import datetime

from oslo_log import log as logging

from cloudkitty.dataframe import DataFrame
from cloudkitty.rating.base import RatingModule
from cloudkitty.rating.hashmap import loader
from cloudkitty.rating.hashmap.rules import ServiceRater

LOG = logging.getLogger(__name__)


class HashMap(RatingModule):
    """Prices points from services, fields, mappings, thresholds and groups."""

    name = 'hashmap'
    description = 'HashMap rating module.'
    hot_config = True

    def __init__(self, conf, db):
        super().__init__(conf, db)
        self._raters: dict[str, ServiceRater] = {}

    def reload(self, start: datetime.datetime, tenant_id: str | None) -> None:
        with self.db.session() as session:
            self._raters = loader.load_raters(session, start, tenant_id)
        LOG.debug('Hashmap rules for %s at %s: %d services',
                  tenant_id, start, len(self._raters))

    def process(self, frame: DataFrame) -> DataFrame:
        usage = {}
        for metric_type, points in frame.itertypes():
            rater = self._raters.get(metric_type)
            usage[metric_type] = rater.rate(points) if rater is not None else points
        return frame.replace_usage(usage)

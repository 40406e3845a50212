"""The hashmap rating module: rules from the database, compiled when they change (§3)."""
from __future__ import annotations

import datetime

from oslo_log import log as logging

from cloudkitty.dataframe import DataFrame
from cloudkitty.rating.base import RatingModule
from cloudkitty.rating.hashmap import loader
from cloudkitty.rating.hashmap.rules import ServiceRater
from cloudkitty.rating.rules_cache import RulesCache

LOG = logging.getLogger(__name__)


class HashMap(RatingModule):
    """Prices points from services, fields, mappings, thresholds and groups."""

    name = 'hashmap'
    description = 'HashMap rating module.'
    hot_config = True

    def __init__(self, conf, db):
        super().__init__(conf, db)
        self._raters: dict[str, ServiceRater] = {}
        self._cache: RulesCache[dict[str, ServiceRater]] = RulesCache(
            db, loader.load_timeline)

    def reload(self, start: datetime.datetime, tenant_id: str | None) -> None:
        with self.db.session() as session:
            self._raters = self._load(session, start, tenant_id)

    def refresh(self, start: datetime.datetime, tenant_id: str | None,
                rules_version: int | None) -> None:
        """Reuse the raters of an earlier period when the same rules apply.

        Raters keep their per-plan caches too, so a reused one rates faster.
        """
        self._raters = self._cache.get(
            rules_version, start, tenant_id,
            lambda session: self._load(session, start, tenant_id))

    @staticmethod
    def _load(session, start: datetime.datetime,
              tenant_id: str | None) -> dict[str, ServiceRater]:
        raters = loader.load_raters(session, start, tenant_id)
        LOG.debug('Hashmap rules for %s at %s: %d services', tenant_id, start, len(raters))
        return raters

    def process(self, frame: DataFrame) -> DataFrame:
        usage = {}
        for metric_type, points in frame.itertypes():
            rater = self._raters.get(metric_type)
            usage[metric_type] = rater.rate(points) if rater is not None else points
        return frame.replace_usage(usage)

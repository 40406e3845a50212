"""What a rating module is (contract §4.1).

A module is built once per processor, told which rules are active with
:meth:`RatingModule.refresh` before every period, and then rates whole frames
with :meth:`RatingModule.process`. ``process`` must not touch the database:
everything it needs is compiled by ``reload``.
"""
from __future__ import annotations

import abc
import datetime

from cloudkitty.dataframe import DataFrame
from cloudkitty.db.engine import Database


class RatingModule(abc.ABC):
    """Base of the plugins of namespace ``cloudkitty.rating.processors``."""

    #: Entry point name, also the ``modules_state`` row name and the API id.
    name: str = ''
    description: str = ''
    #: Rules can change without restarting the processor.
    hot_config: bool = False

    def __init__(self, conf, db: Database):
        self.conf = conf
        self.db = db

    @abc.abstractmethod
    def reload(self, start: datetime.datetime, tenant_id: str | None) -> None:
        """Load and compile the rules active at ``start`` for ``tenant_id``.

        ``tenant_id`` None means "no tenant" (a quote): only global rules apply.
        """

    def refresh(self, start: datetime.datetime, tenant_id: str | None,
                rules_version: int | None) -> None:
        """Make the rules active at ``start`` for ``tenant_id`` the ones ``process`` uses.

        ``rules_version`` is the rules version read before this call (None:
        unknown). This default reloads every time; a module whose rules only
        change through writes that bump the version (and with time, through
        activity windows) may reuse what it compiled, see
        ``cloudkitty.rating.rules_cache``.
        """
        self.reload(start, tenant_id)

    @abc.abstractmethod
    def process(self, frame: DataFrame) -> DataFrame:
        """Return the frame with this module's prices added to each point."""

    def quote(self, frame: DataFrame) -> DataFrame:
        return self.process(frame)

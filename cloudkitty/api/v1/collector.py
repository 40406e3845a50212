"""``/v1/collector``: legacy service mappings and collector states (contract §1.1)."""
from __future__ import annotations

import pecan
import wsme.exc
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api import acl
from cloudkitty.api.v1 import base
from cloudkitty.db import collector as collector_db

#: Length of the name columns of the legacy tables.
MAX_NAME_LENGTH = 255


def check_names(**values: str | None) -> None:
    """400 for names the legacy tables cannot hold."""
    for field, value in values.items():
        if value is not None and len(value) > MAX_NAME_LENGTH:
            raise wsme.exc.InvalidInput(field, value[:20] + '...', 'Longer than %d '
                                        'characters' % MAX_NAME_LENGTH)


class ServiceToCollectorMapping(wtypes.Base):
    service = wtypes.text
    collector = wtypes.text

    @classmethod
    def from_row(cls, row) -> ServiceToCollectorMapping:
        return cls(service=row.service, collector=row.collector)


class ServiceToCollectorMappingCollection(wtypes.Base):
    mappings = [ServiceToCollectorMapping]


class CollectorInfos(wtypes.Base):
    name = wtypes.text
    enabled = wtypes.wsattr(bool, mandatory=True)


class MappingController(rest.RestController):
    """``/v1/collector/mappings``."""

    @base.wsexpose(ServiceToCollectorMappingCollection, wtypes.text)
    def get_all(self, collector=None):
        acl.enforce('collector:list_mappings')
        with pecan.request.db.session() as session:
            rows = collector_db.list_mappings(session, collector)
            return ServiceToCollectorMappingCollection(
                mappings=[ServiceToCollectorMapping.from_row(row) for row in rows])

    @base.wsexpose(ServiceToCollectorMapping, wtypes.text)
    def get_one(self, service):
        acl.enforce('collector:get_mapping')
        with pecan.request.db.session() as session:
            return ServiceToCollectorMapping.from_row(
                collector_db.get_mapping(session, service))

    @base.wsexpose(ServiceToCollectorMapping, wtypes.text, wtypes.text)
    def post(self, collector, service):
        """Upsert; answers 200 (not 201), as upstream."""
        acl.enforce('collector:manage_mapping')
        check_names(collector=collector, service=service)
        with pecan.request.db.session() as session:
            return ServiceToCollectorMapping.from_row(
                collector_db.set_mapping(session, service, collector))

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, service):
        acl.enforce('collector:manage_mapping')
        with pecan.request.db.session() as session:
            collector_db.delete_mapping(session, service)


class StateController(rest.RestController):
    """``/v1/collector/states/{name}`` (also ``/v1/collector/{name}/states``)."""

    @base.wsexpose(CollectorInfos, wtypes.text)
    def get(self, name):
        acl.enforce('collector:get_state')
        with pecan.request.db.session() as session:
            return CollectorInfos(name=name,
                                  enabled=collector_db.get_state(session, name))

    @base.wsexpose(CollectorInfos, wtypes.text, body=CollectorInfos)
    def put(self, name=None, infos=None):
        acl.enforce('collector:update_state')
        if infos is None:
            raise wsme.exc.InvalidInput('enabled', None, 'Mandatory field missing.')
        name = name or (infos.name or None)
        if not name:
            raise wsme.exc.MissingArgument('name')
        check_names(name=name)
        with pecan.request.db.session() as session:
            enabled = collector_db.set_state(session, name, infos.enabled)
        return CollectorInfos(name=name, enabled=enabled)


class CollectorController:
    mappings = MappingController()
    states = StateController()

    @pecan.expose()
    def _lookup(self, name, *remainder):
        """``/v1/collector/{name}/states`` is ``/v1/collector/states/{name}``."""
        if remainder and remainder[0] == 'states':
            return self.states, [name, *remainder[1:]]
        pecan.abort(404)

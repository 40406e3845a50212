"""Legacy collector tables (contract §1.1, §12.21): stored and served, never used.

Service-to-collector mappings live in ``service_to_collector_mappings``; a
collector's enabled flag is the ``modules_state`` row ``collector_<name>``.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from cloudkitty.common import exception
from cloudkitty.db.models import ModuleState, ServiceToCollectorMapping


class MappingNotFound(exception.NotFound):
    _msg_fmt = 'No mapping for service: %(service)s'


def _state_name(collector: str) -> str:
    return 'collector_%s' % collector


def list_mappings(session: orm.Session,
                  collector: str | None = None) -> list[ServiceToCollectorMapping]:
    """Mappings ordered by service (the primary key), optionally of one collector."""
    query = sa.select(ServiceToCollectorMapping).order_by(ServiceToCollectorMapping.service)
    if collector:
        query = query.where(ServiceToCollectorMapping.collector == collector)
    return list(session.scalars(query))


def get_mapping(session: orm.Session, service: str) -> ServiceToCollectorMapping:
    mapping = session.get(ServiceToCollectorMapping, service)
    if mapping is None:
        raise MappingNotFound(service=service)
    return mapping


def set_mapping(session: orm.Session, service: str,
                collector: str) -> ServiceToCollectorMapping:
    """Create the mapping of ``service``, or point it at another collector."""
    mapping = session.get(ServiceToCollectorMapping, service)
    if mapping is None:
        mapping = ServiceToCollectorMapping(service=service, collector=collector)
        session.add(mapping)
    else:
        mapping.collector = collector
    session.flush()
    return mapping


def delete_mapping(session: orm.Session, service: str) -> None:
    session.delete(get_mapping(session, service))
    session.flush()


def get_state(session: orm.Session, collector: str) -> bool:
    """Whether ``collector`` is enabled; unknown collectors are disabled."""
    row = session.get(ModuleState, _state_name(collector))
    return bool(row.state) if row is not None else False


def set_state(session: orm.Session, collector: str, enabled: bool) -> bool:
    row = session.get(ModuleState, _state_name(collector))
    if row is None:
        session.add(ModuleState(name=_state_name(collector), state=enabled))
    else:
        row.state = enabled
    session.flush()
    return enabled

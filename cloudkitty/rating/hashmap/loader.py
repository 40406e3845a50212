"""Read the hashmap rules active at a timestamp for a scope (contract §3.2).

Five queries per reload, whatever the number of rules: services, fields,
groups, active mappings, thresholds. Rows come back global first, then the
scope's own, each in creation (id) order, which is the order the tenant
overlay needs.
"""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from cloudkitty.db.models import (
    HashMapField,
    HashMapGroup,
    HashMapMapping,
    HashMapService,
    HashMapThreshold,
)
from cloudkitty.rating.hashmap.rules import Rule, RuleSetBuilder, ServiceRater


def _global_first(column):
    return sa.case((column.is_(None), 0), else_=1)


def _tenant_filter(column, for_tenant: bool):
    """Global rules, plus the scope's own (``:tenant_id``) when there is a scope."""
    if not for_tenant:
        return column.is_(None)
    return sa.or_(column.is_(None), column == sa.bindparam('tenant_id'))


def _mappings_query(for_tenant: bool) -> sa.Select:
    """Mappings active at ``:start``, global first, then by creation."""
    return (sa.select(HashMapMapping.service_id, HashMapMapping.field_id,
                      HashMapMapping.group_id, HashMapMapping.value,
                      HashMapMapping.map_type, HashMapMapping.cost)
            .where(HashMapMapping.start <= sa.bindparam('start'),
                   sa.or_(HashMapMapping.end.is_(None),
                          HashMapMapping.end > sa.bindparam('start')),
                   HashMapMapping.deleted.is_(None),
                   _tenant_filter(HashMapMapping.tenant_id, for_tenant))
            .order_by(_global_first(HashMapMapping.tenant_id), HashMapMapping.id))


def _thresholds_query(for_tenant: bool) -> sa.Select:
    """Thresholds, global first, then by creation."""
    return (sa.select(HashMapThreshold.service_id, HashMapThreshold.field_id,
                      HashMapThreshold.group_id, HashMapThreshold.level,
                      HashMapThreshold.map_type, HashMapThreshold.cost)
            .where(_tenant_filter(HashMapThreshold.tenant_id, for_tenant))
            .order_by(_global_first(HashMapThreshold.tenant_id), HashMapThreshold.id))


# Built once: constructing these statements cost more than running them on
# every reload, i.e. every period.
_SERVICES = sa.select(HashMapService.id, HashMapService.name).order_by(HashMapService.id)
_FIELDS = (sa.select(HashMapField.id, HashMapField.name, HashMapField.service_id)
           .order_by(HashMapField.id))
_GROUPS = sa.select(HashMapGroup.id, HashMapGroup.name)
_MAPPINGS = {for_tenant: _mappings_query(for_tenant) for for_tenant in (False, True)}
_THRESHOLDS = {for_tenant: _thresholds_query(for_tenant) for for_tenant in (False, True)}


def load_raters(session: orm.Session, start: datetime.datetime,
                tenant_id: str | None) -> dict[str, ServiceRater]:
    """metric type -> rater for the rules active at ``start`` for ``tenant_id``."""
    builder = RuleSetBuilder()
    services = dict(session.execute(_SERVICES).all())
    for name in services.values():
        builder.add_service(name)
    fields = {}
    for field_id, name, service_id in session.execute(_FIELDS):
        fields[field_id] = (services[service_id], name)
        builder.add_field(services[service_id], name)
    groups = dict(session.execute(_GROUPS).all())

    for_tenant = tenant_id is not None
    tenant_params = {'tenant_id': tenant_id} if for_tenant else {}
    mappings = session.execute(_MAPPINGS[for_tenant], {'start': start, **tenant_params})
    for service_id, field_id, group_id, value, map_type, cost in mappings:
        rule = Rule(map_type, cost)
        group = groups.get(group_id)
        if field_id is not None:
            service, field = fields[field_id]
            builder.add_field_mapping(service, field, group, value or '', rule)
        elif service_id is not None:
            builder.add_service_mapping(services[service_id], group, rule)

    thresholds = session.execute(_THRESHOLDS[for_tenant], tenant_params)
    for service_id, field_id, group_id, level, map_type, cost in thresholds:
        rule = Rule(map_type, cost)
        group = groups.get(group_id)
        if field_id is not None:
            service, field = fields[field_id]
            builder.add_field_threshold(service, field, group, level, rule)
        elif service_id is not None:
            builder.add_service_threshold(services[service_id], group, level, rule)
    return builder.build()

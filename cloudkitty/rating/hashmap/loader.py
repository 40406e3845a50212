"""Read the hashmap rules active at a timestamp for a scope (contract §3.2).

Three queries per reload, whatever the number of rules: services with their
fields, active mappings and thresholds with their group names. Rows come back
global first, then the scope's own, each in creation (id) order, which is the
order the tenant overlay needs. Two more say when a reload can be skipped
(:func:`load_timeline`).
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
from cloudkitty.rating.rules_cache import Timeline


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
                      HashMapGroup.name, HashMapMapping.value,
                      HashMapMapping.map_type, HashMapMapping.cost)
            .outerjoin(HashMapGroup, HashMapGroup.id == HashMapMapping.group_id)
            .where(HashMapMapping.start <= sa.bindparam('start'),
                   sa.or_(HashMapMapping.end.is_(None),
                          HashMapMapping.end > sa.bindparam('start')),
                   HashMapMapping.deleted.is_(None),
                   _tenant_filter(HashMapMapping.tenant_id, for_tenant))
            .order_by(_global_first(HashMapMapping.tenant_id), HashMapMapping.id))


def _thresholds_query(for_tenant: bool) -> sa.Select:
    """Thresholds, global first, then by creation."""
    return (sa.select(HashMapThreshold.service_id, HashMapThreshold.field_id,
                      HashMapGroup.name, HashMapThreshold.level,
                      HashMapThreshold.map_type, HashMapThreshold.cost)
            .outerjoin(HashMapGroup, HashMapGroup.id == HashMapThreshold.group_id)
            .where(_tenant_filter(HashMapThreshold.tenant_id, for_tenant))
            .order_by(_global_first(HashMapThreshold.tenant_id), HashMapThreshold.id))


# Built once: constructing these statements cost more than running them on
# every reload, i.e. every period.
_SERVICES_AND_FIELDS = (
    sa.select(HashMapService.id, HashMapService.name, HashMapField.id, HashMapField.name)
    .outerjoin(HashMapField, HashMapField.service_id == HashMapService.id)
    .order_by(HashMapService.id, HashMapField.id))
_MAPPINGS = {for_tenant: _mappings_query(for_tenant) for for_tenant in (False, True)}
_THRESHOLDS = {for_tenant: _thresholds_query(for_tenant) for for_tenant in (False, True)}
_WINDOWS = (sa.select(HashMapMapping.start, HashMapMapping.end)
            .where(HashMapMapping.deleted.is_(None)).distinct())
_OWN_RULE_TENANTS = sa.union(
    sa.select(HashMapMapping.tenant_id).where(HashMapMapping.deleted.is_(None),
                                              HashMapMapping.tenant_id.is_not(None)),
    sa.select(HashMapThreshold.tenant_id).where(HashMapThreshold.tenant_id.is_not(None)))


def load_timeline(session: orm.Session) -> Timeline:
    """The mappings' activity windows and the scopes with rules of their own."""
    return Timeline.of(session.execute(_WINDOWS),
                       (tenant for (tenant,) in session.execute(_OWN_RULE_TENANTS)))


def load_raters(session: orm.Session, start: datetime.datetime,
                tenant_id: str | None) -> dict[str, ServiceRater]:
    """metric type -> rater for the rules active at ``start`` for ``tenant_id``."""
    builder = RuleSetBuilder()
    services: dict[int, str] = {}
    fields: dict[int, tuple[str, str]] = {}
    for service_id, service, field_id, field in session.execute(_SERVICES_AND_FIELDS):
        services[service_id] = service
        builder.add_service(service)
        if field_id is not None:
            fields[field_id] = (service, field)
            builder.add_field(service, field)

    for_tenant = tenant_id is not None
    tenant_params = {'tenant_id': tenant_id} if for_tenant else {}
    mappings = session.execute(_MAPPINGS[for_tenant], {'start': start, **tenant_params})
    for service_id, field_id, group, value, map_type, cost in mappings:
        rule = Rule(map_type, cost)
        if field_id is not None:
            service, field = fields[field_id]
            builder.add_field_mapping(service, field, group, value or '', rule)
        elif service_id is not None:
            builder.add_service_mapping(services[service_id], group, rule)

    thresholds = session.execute(_THRESHOLDS[for_tenant], tenant_params)
    for service_id, field_id, group, level, map_type, cost in thresholds:
        rule = Rule(map_type, cost)
        if field_id is not None:
            service, field = fields[field_id]
            builder.add_field_threshold(service, field, group, level, rule)
        elif service_id is not None:
            builder.add_service_threshold(services[service_id], group, level, rule)
    return builder.build()

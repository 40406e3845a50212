"""Hashmap rule management: services, fields, groups, mappings, thresholds.

Every rule of contract §1.4 that is not about the wire lives here: parents,
duplicates, the mapping date-range conflict rule, volatile-rule updates, soft
and cascading deletes. Rows reference each other by integer keys; callers only
ever see the public UUIDs, in the frozen records below.
"""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from collections.abc import Mapping as MappingType
from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_log import log as logging
from sqlalchemy import orm

from cloudkitty.common import exception, tz
from cloudkitty.db import models, rules_version, volatile_rules
from cloudkitty.db.engine import Database

LOG = logging.getLogger(__name__)

MAP_TYPES = ('flat', 'rate')


# --- errors ---------------------------------------------------------------

class ServiceNotFound(exception.NotFound):
    _msg_fmt = 'No such service: None (UUID: %(uuid)s)'


class FieldNotFound(exception.NotFound):
    _msg_fmt = 'No such field: %(uuid)s'


class GroupNotFound(exception.NotFound):
    _msg_fmt = 'No such group: None (UUID: %(uuid)s)'


class MappingNotFound(exception.NotFound):
    _msg_fmt = 'No such mapping: %(uuid)s'


class ThresholdNotFound(exception.NotFound):
    _msg_fmt = 'No such threshold: %(uuid)s'


class MappingHasNoGroup(exception.NotFound):
    _msg_fmt = 'Mapping has no group (UUID: %(uuid)s)'


class ThresholdHasNoGroup(exception.NotFound):
    _msg_fmt = 'Threshold has no group (UUID: %(uuid)s)'


class ServiceAlreadyExists(exception.Conflict):
    _msg_fmt = 'Service %(name)s already exists (UUID: %(uuid)s)'


class FieldAlreadyExists(exception.Conflict):
    _msg_fmt = 'Field %(name)s already exists (UUID: %(uuid)s)'


class GroupAlreadyExists(exception.Conflict):
    _msg_fmt = 'Group %(name)s already exists (UUID: %(uuid)s)'


class MappingAlreadyExists(exception.Conflict):
    _msg_fmt = "Mapping '%(value)s' already exists for %(parent_type)s '%(parent)s', " \
               "tenant: '%(tenant_id)s'"


class ThresholdAlreadyExists(exception.Conflict):
    # The upstream message never shows the tenant (contract §12.10).
    _msg_fmt = "Threshold '%(level)s' already exists for %(parent_type)s '%(parent)s', " \
               "tenant: 'None'"


class InvalidParent(exception.Invalid):
    """A rule with zero or two parents, or a parent that does not exist."""


class MissingFilter(exception.Invalid):
    _msg_fmt = 'You must specify either service_uuid, field_uuid or group_uuid.'


# --- records --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Service:
    service_id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Field:
    field_id: str
    name: str
    service_id: str


@dataclasses.dataclass(frozen=True)
class Group:
    group_id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Mapping:
    mapping_id: str
    value: str | None
    map_type: str
    cost: decimal.Decimal
    service_id: str | None
    field_id: str | None
    group_id: str | None
    tenant_id: str | None
    created_at: datetime.datetime
    start: datetime.datetime
    end: datetime.datetime | None
    name: str
    description: str | None
    deleted: datetime.datetime | None
    created_by: str
    updated_by: str | None
    deleted_by: str | None


@dataclasses.dataclass(frozen=True)
class Threshold:
    threshold_id: str
    level: decimal.Decimal
    map_type: str
    cost: decimal.Decimal
    service_id: str | None
    field_id: str | None
    group_id: str | None
    tenant_id: str | None


@dataclasses.dataclass(frozen=True)
class RuleFilters:
    """Which mappings or thresholds to list (contract §1.4 "List filter semantics").

    ``service_id`` wins over ``field_id``; ``group_id`` wins over ``no_group``.
    ``tenant_id`` only matters with ``filter_tenant``, which without a tenant
    keeps the global (NULL tenant) rules.
    """

    service_id: str | None = None
    field_id: str | None = None
    group_id: str | None = None
    no_group: bool = False
    tenant_id: str | None = None
    filter_tenant: bool = False

    @property
    def has_parent(self) -> bool:
        return bool(self.service_id or self.field_id or self.group_id)


# --- row <-> record -------------------------------------------------------

_ServiceRef = orm.aliased(models.HashMapService)
_FieldRef = orm.aliased(models.HashMapField)
_GroupRef = orm.aliased(models.HashMapGroup)


def _select_rules(model) -> sa.Select:
    """Rows of ``model`` with the UUIDs of their service, field and group.

    Rows are reloaded even when already in the session, so that a record made
    right after a write shows the values as stored (quantized decimals,
    datetimes at the column's precision).
    """
    return (sa.select(model, _ServiceRef.service_id, _FieldRef.field_id,
                      _GroupRef.group_id)
            .execution_options(populate_existing=True)
            .outerjoin(_ServiceRef, model.service_id == _ServiceRef.id)
            .outerjoin(_FieldRef, model.field_id == _FieldRef.id)
            .outerjoin(_GroupRef, model.group_id == _GroupRef.id)
            .order_by(model.id))


def _mapping_record(row: models.HashMapMapping, service: str | None,
                    field: str | None, group: str | None) -> Mapping:
    return Mapping(
        mapping_id=row.mapping_id, value=row.value, map_type=row.map_type,
        cost=row.cost, service_id=service, field_id=field, group_id=group,
        tenant_id=row.tenant_id, created_at=row.created_at, start=row.start,
        end=row.end, name=row.name, description=row.description,
        deleted=row.deleted, created_by=row.created_by, updated_by=row.updated_by,
        deleted_by=row.deleted_by)


def _threshold_record(row: models.HashMapThreshold, service: str | None,
                      field: str | None, group: str | None) -> Threshold:
    return Threshold(
        threshold_id=row.threshold_id, level=row.level, map_type=row.map_type,
        cost=row.cost, service_id=service, field_id=field, group_id=group,
        tenant_id=row.tenant_id)


def _field_record(row: models.HashMapField, service_uuid: str) -> Field:
    return Field(field_id=row.field_id, name=row.name, service_id=service_uuid)


def _new_uuid() -> str:
    return str(uuid.uuid4())


def _same_value(left: str | None, right: str | None) -> bool:
    """``""`` and NULL both mean "no value" (raw API vs. CLI service mappings)."""
    return (left or None) == (right or None)


class HashMapRules:
    """CRUD on the hashmap tables of one database (contract §1.4)."""

    def __init__(self, db: Database):
        self.db = db

    # --- lookups by UUID, inside a session ----------------------------------

    @staticmethod
    def _service_row(session: orm.Session, service_id: str) -> models.HashMapService:
        row = session.scalar(sa.select(models.HashMapService).where(
            models.HashMapService.service_id == service_id))
        if row is None:
            raise ServiceNotFound(uuid=service_id)
        return row

    @staticmethod
    def _field_row(session: orm.Session, field_id: str) -> models.HashMapField:
        row = session.scalar(sa.select(models.HashMapField).where(
            models.HashMapField.field_id == field_id))
        if row is None:
            raise FieldNotFound(uuid=field_id)
        return row

    @staticmethod
    def _group_row(session: orm.Session, group_id: str) -> models.HashMapGroup:
        row = session.scalar(sa.select(models.HashMapGroup).where(
            models.HashMapGroup.group_id == group_id))
        if row is None:
            raise GroupNotFound(uuid=group_id)
        return row

    @staticmethod
    def _mapping_row(session: orm.Session, mapping_id: str,
                     include_deleted: bool = False) -> models.HashMapMapping:
        query = sa.select(models.HashMapMapping).where(
            models.HashMapMapping.mapping_id == mapping_id)
        if not include_deleted:
            query = query.where(models.HashMapMapping.deleted.is_(None))
        row = session.scalar(query)
        if row is None:
            raise MappingNotFound(uuid=mapping_id)
        return row

    @staticmethod
    def _threshold_row(session: orm.Session,
                       threshold_id: str) -> models.HashMapThreshold:
        row = session.scalar(sa.select(models.HashMapThreshold).where(
            models.HashMapThreshold.threshold_id == threshold_id))
        if row is None:
            raise ThresholdNotFound(uuid=threshold_id)
        return row

    def _resolve_parents(self, session: orm.Session, service_id: str | None,
                         field_id: str | None, group_id: str | None
                         ) -> tuple[int | None, int | None, int | None]:
        """Integer keys of the given parents; an unknown one is a client error (400)."""
        try:
            service = self._service_row(session, service_id).id if service_id else None
            field = self._field_row(session, field_id).id if field_id else None
            group = self._group_row(session, group_id).id if group_id else None
        except exception.NotFound as error:
            raise InvalidParent(error.message) from None
        return service, field, group

    @staticmethod
    def _check_one_parent(service_id: str | None, field_id: str | None) -> None:
        if service_id and field_id:
            raise InvalidParent('You can only specify one parent.')
        if not service_id and not field_id:
            raise InvalidParent('You must specify one parent.')

    # --- services -----------------------------------------------------------

    def list_services(self) -> list[Service]:
        with self.db.session() as session:
            rows = session.scalars(sa.select(models.HashMapService)
                                   .order_by(models.HashMapService.id))
            return [Service(row.service_id, row.name) for row in rows]

    def get_service(self, service_id: str) -> Service:
        with self.db.session() as session:
            row = self._service_row(session, service_id)
            return Service(row.service_id, row.name)

    def create_service(self, name: str) -> Service:
        with rules_version.writing(self.db) as session:
            existing = session.scalar(sa.select(models.HashMapService).where(
                models.HashMapService.name == name))
            if existing is not None:
                raise ServiceAlreadyExists(name=name, uuid=existing.service_id)
            row = models.HashMapService(service_id=_new_uuid(), name=name)
            session.add(row)
            self._flush_unique(session, ServiceAlreadyExists(name=name, uuid=None))
            LOG.info('Created hashmap service %s (%s)', name, row.service_id)
            return Service(row.service_id, row.name)

    def delete_service(self, service_id: str) -> None:
        """Delete a service with its fields, mappings and thresholds (FK cascade)."""
        with rules_version.writing(self.db) as session:
            row = self._service_row(session, service_id)
            session.execute(sa.delete(models.HashMapService).where(
                models.HashMapService.id == row.id))
        LOG.info('Deleted hashmap service %s', service_id)

    # --- fields -------------------------------------------------------------

    def list_fields(self, service_id: str) -> list[Field]:
        """Fields of a service; an unknown service has none."""
        with self.db.session() as session:
            rows = session.scalars(
                sa.select(models.HashMapField)
                .join(models.HashMapService,
                      models.HashMapField.service_id == models.HashMapService.id)
                .where(models.HashMapService.service_id == service_id)
                .order_by(models.HashMapField.id))
            return [_field_record(row, service_id) for row in rows]

    def get_field(self, field_id: str) -> Field:
        with self.db.session() as session:
            found = session.execute(
                sa.select(models.HashMapField, models.HashMapService.service_id)
                .join(models.HashMapService,
                      models.HashMapField.service_id == models.HashMapService.id)
                .where(models.HashMapField.field_id == field_id)).first()
            if found is None:
                raise FieldNotFound(uuid=field_id)
            return _field_record(*found)

    def create_field(self, service_id: str, name: str) -> Field:
        with rules_version.writing(self.db) as session:
            service = self._resolve_parents(session, service_id, None, None)[0]
            existing = session.scalar(sa.select(models.HashMapField).where(
                models.HashMapField.service_id == service,
                models.HashMapField.name == name))
            if existing is not None:
                raise FieldAlreadyExists(name=name, uuid=existing.field_id)
            row = models.HashMapField(field_id=_new_uuid(), name=name, service_id=service)
            session.add(row)
            self._flush_unique(session, FieldAlreadyExists(name=name, uuid=None))
            LOG.info('Created hashmap field %s of service %s (%s)', name, service_id,
                     row.field_id)
            return _field_record(row, service_id)

    def delete_field(self, field_id: str) -> None:
        """Delete a field with its mappings and thresholds (FK cascade)."""
        with rules_version.writing(self.db) as session:
            row = self._field_row(session, field_id)
            session.execute(sa.delete(models.HashMapField).where(
                models.HashMapField.id == row.id))
        LOG.info('Deleted hashmap field %s', field_id)

    # --- groups -------------------------------------------------------------

    def list_groups(self) -> list[Group]:
        with self.db.session() as session:
            rows = session.scalars(sa.select(models.HashMapGroup)
                                   .order_by(models.HashMapGroup.id))
            return [Group(row.group_id, row.name) for row in rows]

    def get_group(self, group_id: str) -> Group:
        with self.db.session() as session:
            row = self._group_row(session, group_id)
            return Group(row.group_id, row.name)

    def create_group(self, name: str) -> Group:
        with rules_version.writing(self.db) as session:
            existing = session.scalar(sa.select(models.HashMapGroup).where(
                models.HashMapGroup.name == name))
            if existing is not None:
                raise GroupAlreadyExists(name=name, uuid=existing.group_id)
            row = models.HashMapGroup(group_id=_new_uuid(), name=name)
            session.add(row)
            self._flush_unique(session, GroupAlreadyExists(name=name, uuid=None))
            LOG.info('Created hashmap group %s (%s)', name, row.group_id)
            return Group(row.group_id, row.name)

    def delete_group(self, group_id: str, recursive: bool = False) -> None:
        """Delete a group; its rules go too when ``recursive``, else become ungrouped."""
        with rules_version.writing(self.db) as session:
            row = self._group_row(session, group_id)
            for model in (models.HashMapMapping, models.HashMapThreshold):
                rules = model.group_id == row.id
                if recursive:
                    session.execute(sa.delete(model).where(rules))
                else:
                    session.execute(sa.update(model).where(rules).values(group_id=None))
            session.execute(sa.delete(models.HashMapGroup).where(
                models.HashMapGroup.id == row.id))
        LOG.info('Deleted hashmap group %s (recursive=%s)', group_id, recursive)

    # --- rule filters shared by mappings and thresholds ------------------------

    @staticmethod
    def _parent_clauses(model, filters: RuleFilters) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if filters.service_id:
            clauses.append(_ServiceRef.service_id == filters.service_id)
        elif filters.field_id:
            clauses.append(_FieldRef.field_id == filters.field_id)
        if filters.group_id:
            clauses.append(_GroupRef.group_id == filters.group_id)
        elif filters.no_group:
            clauses.append(model.group_id.is_(None))
        if filters.filter_tenant:
            clauses.append(model.tenant_id == filters.tenant_id
                           if filters.tenant_id else model.tenant_id.is_(None))
        return clauses

    # --- mappings -----------------------------------------------------------

    def list_mappings(self, filters: RuleFilters = RuleFilters(),
                      window: volatile_rules.RuleWindowFilters | None = None,
                      all_rules: bool = True) -> list[Mapping]:
        """Mappings matching ``filters`` and ``window`` (default: live ones)."""
        if not all_rules and not filters.has_parent:
            raise MissingFilter()
        window = window or volatile_rules.RuleWindowFilters()
        model = models.HashMapMapping
        query = _select_rules(model).where(*self._parent_clauses(model, filters),
                                           *window.clauses(model))
        with self.db.session() as session:
            return [_mapping_record(*row) for row in session.execute(query)]

    def get_mapping(self, mapping_id: str) -> Mapping:
        """A mapping by UUID; soft-deleted ones are still returned (§12.11)."""
        with self.db.session() as session:
            return self._mapping_record_by_id(session, mapping_id)

    def _mapping_record_by_id(self, session: orm.Session, mapping_id: str) -> Mapping:
        row = session.execute(_select_rules(models.HashMapMapping).where(
            models.HashMapMapping.mapping_id == mapping_id)).first()
        if row is None:
            raise MappingNotFound(uuid=mapping_id)
        return _mapping_record(*row)

    def get_mapping_group(self, mapping_id: str) -> Group:
        mapping = self.get_mapping(mapping_id)
        if mapping.group_id is None:
            raise MappingHasNoGroup(uuid=mapping_id)
        return self.get_group(mapping.group_id)

    def create_mapping(self, *, cost: decimal.Decimal, map_type: str = 'flat',
                       value: str | None = '', service_id: str | None = None,
                       field_id: str | None = None, group_id: str | None = None,
                       tenant_id: str | None = None,
                       start: datetime.datetime | None = None,
                       end: datetime.datetime | None = None, name: str | None = None,
                       description: str | None = None, force: bool = False,
                       user: str = volatile_rules.UNKNOWN_USER) -> Mapping:
        """Create a mapping, checking the rules of §1.4 in their documented order."""
        now = tz.utcnow()
        start = start or now
        volatile_rules.validate_new_window(start, end, now, force)
        self._check_one_parent(service_id, field_id)
        if value and service_id:
            raise InvalidParent("You can't specify a value and a service_id.")
        if not value and field_id:
            raise InvalidParent('You must specify a value for a field mapping.')
        name = name or uuid.uuid4().hex
        with rules_version.writing(self.db) as session:
            service, field, group = self._resolve_parents(
                session, service_id, field_id, group_id)
            if self._mapping_conflicts(session, name=name, value=value, service=service,
                                       field=field, group=group, tenant_id=tenant_id,
                                       start=start, end=end):
                raise MappingAlreadyExists(
                    value=value, parent_type='service' if service_id else 'field',
                    parent=service_id or field_id, tenant_id=tenant_id)
            row = models.HashMapMapping(
                mapping_id=_new_uuid(), value=value, cost=cost, map_type=map_type,
                service_id=service, field_id=field, group_id=group, tenant_id=tenant_id,
                created_at=now, start=start, end=end, name=name,
                description=description, created_by=user)
            session.add(row)
            session.flush()
            LOG.info('Created hashmap mapping %s', row.mapping_id)
            return self._mapping_record_by_id(session, row.mapping_id)

    @staticmethod
    def _mapping_conflicts(session: orm.Session, *, name: str, value: str | None,
                           service: int | None, field: int | None, group: int | None,
                           tenant_id: str | None, start: datetime.datetime,
                           end: datetime.datetime | None) -> bool:
        """Whether a live mapping has this name, or the same match and a clashing window."""
        model = models.HashMapMapping
        live = sa.select(model).where(model.deleted.is_(None))
        if session.scalar(live.where(model.name == name)) is not None:
            return True
        if end is not None:
            clashes = sa.and_(model.start < end,
                              sa.or_(model.end >= start, model.end.is_(None)))
        else:
            clashes = sa.or_(model.start > start, model.end.is_(None))
        candidates = session.scalars(live.where(
            model.service_id == service if service else model.field_id == field,
            model.group_id == group if group else model.group_id.is_(None),
            model.tenant_id == tenant_id if tenant_id else model.tenant_id.is_(None),
            clashes))
        return any(_same_value(row.value, value) for row in candidates)

    def update_mapping(self, mapping_id: str, body: MappingType[str, Any],
                       user: str = volatile_rules.UNKNOWN_USER) -> Mapping:
        """Apply a PUT body (only the attributes sent, by record name) to a mapping.

        A mapping that has not started gets its cost, window and description
        rewritten; a running one may only be given an end; see
        :func:`volatile_rules.apply_update`.
        """
        with rules_version.writing(self.db) as session:
            row = self._mapping_row(session, mapping_id)
            current = self._mapping_record_by_id(session, mapping_id)

            def differs(name: str, value: Any) -> bool:
                if name == 'value':
                    return not _same_value(current.value, value)
                return name != 'mapping_id' and getattr(current, name, value) != value

            volatile_rules.apply_update(row, body, user, rewritable=('cost',),
                                        differs=differs)
            session.flush()
            LOG.info('Updated hashmap mapping %s', mapping_id)
            return self._mapping_record_by_id(session, mapping_id)

    def delete_mapping(self, mapping_id: str,
                       user: str = volatile_rules.UNKNOWN_USER) -> None:
        """Soft-delete a mapping: it stays readable, and is no longer applied."""
        with rules_version.writing(self.db) as session:
            volatile_rules.soft_delete(self._mapping_row(session, mapping_id), user)
        LOG.info('Deleted hashmap mapping %s', mapping_id)

    # --- thresholds ---------------------------------------------------------

    def list_thresholds(self, filters: RuleFilters) -> list[Threshold]:
        """Thresholds of a service, field or group (one of them is required)."""
        if not filters.has_parent:
            raise MissingFilter()
        model = models.HashMapThreshold
        query = _select_rules(model).where(*self._parent_clauses(model, filters))
        with self.db.session() as session:
            return [_threshold_record(*row) for row in session.execute(query)]

    def get_threshold(self, threshold_id: str) -> Threshold:
        with self.db.session() as session:
            return self._threshold_record_by_id(session, threshold_id)

    @staticmethod
    def _threshold_record_by_id(session: orm.Session, threshold_id: str) -> Threshold:
        row = session.execute(_select_rules(models.HashMapThreshold).where(
            models.HashMapThreshold.threshold_id == threshold_id)).first()
        if row is None:
            raise ThresholdNotFound(uuid=threshold_id)
        return _threshold_record(*row)

    def get_threshold_group(self, threshold_id: str) -> Group:
        threshold = self.get_threshold(threshold_id)
        if threshold.group_id is None:
            raise ThresholdHasNoGroup(uuid=threshold_id)
        return self.get_group(threshold.group_id)

    def create_threshold(self, *, level: decimal.Decimal, cost: decimal.Decimal,
                         map_type: str = 'flat', service_id: str | None = None,
                         field_id: str | None = None, group_id: str | None = None,
                         tenant_id: str | None = None) -> Threshold:
        """Create a threshold; (level, parent, tenant) is unique when a tenant is set."""
        self._check_one_parent(service_id, field_id)
        conflict = ThresholdAlreadyExists(
            level=level, parent_type='service' if service_id else 'field',
            parent=service_id or field_id)
        with rules_version.writing(self.db) as session:
            service, field, group = self._resolve_parents(
                session, service_id, field_id, group_id)
            row = models.HashMapThreshold(
                threshold_id=_new_uuid(), level=level, cost=cost, map_type=map_type,
                service_id=service, field_id=field, group_id=group, tenant_id=tenant_id)
            self._check_threshold_unique(session, row, conflict)
            session.add(row)
            self._flush_unique(session, conflict)
            LOG.info('Created hashmap threshold %s', row.threshold_id)
            return self._threshold_record_by_id(session, row.threshold_id)

    @staticmethod
    def _check_threshold_unique(session: orm.Session, row: models.HashMapThreshold,
                                conflict: exception.Conflict) -> None:
        """The unique constraints, checked up front so every backend agrees.

        A NULL tenant never equals another NULL in the constraint, so global
        duplicates are accepted (contract §12.10).
        """
        if row.tenant_id is None:
            return
        model = models.HashMapThreshold
        parent = (model.service_id == row.service_id if row.service_id
                  else model.field_id == row.field_id)
        with session.no_autoflush:
            duplicate = session.scalar(sa.select(model.id).where(
                model.level == row.level, parent, model.tenant_id == row.tenant_id,
                model.id != row.id if row.id else sa.true()))
        if duplicate is not None:
            raise conflict

    def update_threshold(self, threshold_id: str, *, level: decimal.Decimal,
                         cost: decimal.Decimal, map_type: str | None = None,
                         group_id: str | None = None,
                         tenant_id: str | None = None) -> Threshold:
        """Overwrite level, cost, type and tenant; set the group only when one is given.

        Parents never change, and an absent type resets to ``flat``.
        """
        with rules_version.writing(self.db) as session:
            row = self._threshold_row(session, threshold_id)
            current = self._threshold_record_by_id(session, threshold_id)
            if group_id:
                row.group_id = self._resolve_parents(session, None, None, group_id)[2]
            row.level = level
            row.cost = cost
            row.map_type = map_type or 'flat'
            row.tenant_id = tenant_id
            conflict = ThresholdAlreadyExists(
                level=level, parent_type='service' if current.service_id else 'field',
                parent=current.service_id or current.field_id)
            self._check_threshold_unique(session, row, conflict)
            self._flush_unique(session, conflict)
            LOG.info('Updated hashmap threshold %s', threshold_id)
            return self._threshold_record_by_id(session, threshold_id)

    def delete_threshold(self, threshold_id: str) -> None:
        with rules_version.writing(self.db) as session:
            row = self._threshold_row(session, threshold_id)
            session.execute(sa.delete(models.HashMapThreshold).where(
                models.HashMapThreshold.id == row.id))
        LOG.info('Deleted hashmap threshold %s', threshold_id)

    # --- helpers ------------------------------------------------------------

    @staticmethod
    def _flush_unique(session: orm.Session, conflict: exception.Conflict) -> None:
        """Flush, turning a unique-constraint race into the domain's 409."""
        try:
            session.flush()
        except db_exc.DBDuplicateEntry:
            raise conflict from None

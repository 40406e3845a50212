"""Wire types of the hashmap configuration API (contract §1.4)."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

import wsme.exc
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.db import hashmap

MAP_TYPE = wtypes.Enum(wtypes.text, *hashmap.MAP_TYPES)
# Column sizes (contract §7.4): longer input is a 400, not a database error.
RULE_NAME = wtypes.StringType(max_length=32)
TEXT_255 = wtypes.StringType(max_length=255)
DESCRIPTION = wtypes.StringType(max_length=256)


class UuidType(wtypes.UserType):
    """A UUID body attribute; path UUIDs stay plain text (contract §0.2.5)."""

    basetype = wtypes.text
    name = 'uuid'

    def validate(self, value):
        try:
            return str(uuid.UUID(value))
        except (TypeError, ValueError, AttributeError):
            raise ValueError("Invalid UUID, got '%s'" % value) from None


class EndDatetimeType(base.DatetimeType):
    """An end datetime where a bare date means the end of that day (§1.4)."""

    name = 'end_datetime'

    def frombasetype(self, value):
        if isinstance(value, str):
            try:
                day = datetime.date.fromisoformat(value.strip())
            except ValueError:
                pass
            else:
                return datetime.datetime.combine(day, datetime.time(23, 59, 59))
        return super().frombasetype(value)


Uuid = UuidType()
EndDatetime = EndDatetimeType()


def given(value: Any) -> Any:
    """``None`` for an attribute the client did not send, else its value."""
    return None if value is wtypes.Unset else value


def require(obj: wtypes.Base | None, *names: str) -> wtypes.Base:
    """Refuse a body without, or with ``null`` for, a mandatory attribute.

    WSME only checks that mandatory keys are present; an explicit ``null``
    would otherwise reach the database.
    """
    for name in names:
        if obj is None or given(getattr(obj, name)) is None:
            raise wsme.exc.InvalidInput(name, None, 'Mandatory field missing.')
    return obj


def sent_attributes(obj: wtypes.Base, renames: dict[str, str]) -> dict[str, Any]:
    """The attributes present in a request body, under their record names."""
    return {renames.get(attribute.name, attribute.name): getattr(obj, attribute.key)
            for attribute in wtypes.list_attributes(type(obj))
            if getattr(obj, attribute.key) is not wtypes.Unset}


class Service(wtypes.Base):
    service_id = Uuid
    name = wtypes.wsattr(TEXT_255, mandatory=True)

    @classmethod
    def from_record(cls, record: hashmap.Service) -> Service:
        return cls(service_id=record.service_id, name=record.name)


class ServiceCollection(wtypes.Base):
    services = [Service]


class Field(wtypes.Base):
    field_id = Uuid
    name = wtypes.wsattr(TEXT_255, mandatory=True)
    service_id = wtypes.wsattr(Uuid, mandatory=True)

    @classmethod
    def from_record(cls, record: hashmap.Field) -> Field:
        return cls(field_id=record.field_id, name=record.name,
                   service_id=record.service_id)


class FieldCollection(wtypes.Base):
    fields = [Field]


class Group(wtypes.Base):
    group_id = Uuid
    name = wtypes.wsattr(TEXT_255, mandatory=True)

    @classmethod
    def from_record(cls, record: hashmap.Group) -> Group:
        return cls(group_id=record.group_id, name=record.name)


class GroupCollection(wtypes.Base):
    groups = [Group]


class Mapping(wtypes.Base):
    """A mapping; every attribute is emitted, unset ones as ``null``."""

    mapping_id = Uuid
    value = TEXT_255
    type = MAP_TYPE
    cost = wtypes.wsattr(base.Decimal, mandatory=True)
    service_id = Uuid
    field_id = Uuid
    group_id = Uuid
    tenant_id = TEXT_255
    created_at = base.Datetime
    start = base.Datetime
    end = EndDatetime
    name = RULE_NAME
    description = DESCRIPTION
    deleted = base.Datetime
    created_by = wtypes.text
    updated_by = wtypes.text
    deleted_by = wtypes.text

    @classmethod
    def from_record(cls, record: hashmap.Mapping) -> Mapping:
        return cls(mapping_id=record.mapping_id, value=record.value,
                   type=record.map_type, cost=record.cost,
                   service_id=record.service_id, field_id=record.field_id,
                   group_id=record.group_id, tenant_id=record.tenant_id,
                   created_at=record.created_at, start=record.start, end=record.end,
                   name=record.name, description=record.description,
                   deleted=record.deleted, created_by=record.created_by,
                   updated_by=record.updated_by, deleted_by=record.deleted_by)


#: Wire attribute -> record attribute of mappings and thresholds, where they differ.
RENAMES = {'type': 'map_type'}


class MappingCollection(wtypes.Base):
    mappings = [Mapping]


class Threshold(wtypes.Base):
    threshold_id = Uuid
    level = wtypes.wsattr(base.Decimal, mandatory=True)
    type = MAP_TYPE
    cost = wtypes.wsattr(base.Decimal, mandatory=True)
    service_id = Uuid
    field_id = Uuid
    group_id = Uuid
    tenant_id = TEXT_255

    @classmethod
    def from_record(cls, record: hashmap.Threshold) -> Threshold:
        return cls(threshold_id=record.threshold_id, level=record.level,
                   type=record.map_type, cost=record.cost,
                   service_id=record.service_id, field_id=record.field_id,
                   group_id=record.group_id, tenant_id=record.tenant_id)


class ThresholdCollection(wtypes.Base):
    thresholds = [Threshold]

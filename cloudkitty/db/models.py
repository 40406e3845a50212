"""SQL tables shared by the API and the processor (contract §7.4).

The tables are created only by the alembic migrations in
``cloudkitty/db/migrations``; these classes describe them for queries.
All datetimes are naive UTC.
"""
from __future__ import annotations

import datetime
import decimal

import sqlalchemy as sa
from sqlalchemy import orm

from cloudkitty.common import tz
from cloudkitty.db.types import ExactDecimal

COST = ExactDecimal(40, 28)
LEVEL = ExactDecimal(20, 8)
MAP_TYPE = sa.Enum('flat', 'rate', name='enum_map_type')


class Base(orm.DeclarativeBase):
    pass


# --- core module ----------------------------------------------------------

class LegacyState(Base):
    """Legacy key/value state table, kept for schema compatibility."""

    __tablename__ = 'states'
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), primary_key=True)
    state: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    s_metadata: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class ModuleState(Base):
    """Enable flag and priority of a rating module (or ``collector_<name>``)."""

    __tablename__ = 'modules_state'
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), primary_key=True)
    state: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, nullable=False,
                                                default=False)
    priority: orm.Mapped[int | None] = orm.mapped_column(sa.Integer, default=1)


class RulesVersion(Base):
    """One row counting the writes that can change rating (``db.rules_version``)."""

    __tablename__ = 'rating_rules_version'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True,
                                            autoincrement=False)
    version: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, nullable=False)


class ServiceToCollectorMapping(Base):
    __tablename__ = 'service_to_collector_mappings'
    service: orm.Mapped[str] = orm.mapped_column(sa.String(255), primary_key=True)
    collector: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)


# --- storage states module ------------------------------------------------

class ScopeState(Base):
    """Progress of one scope: the start of the last period rated (§5.3)."""

    __tablename__ = 'cloudkitty_storage_states'
    __table_args__ = (
        sa.UniqueConstraint('identifier', 'scope_key', 'collector', 'fetcher',
                            name='uq_storage_states_scope'),
    )
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    identifier: orm.Mapped[str] = orm.mapped_column(sa.String(256), nullable=False,
                                                    index=True)
    scope_key: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    fetcher: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    collector: orm.Mapped[str | None] = orm.mapped_column(sa.String(40))
    last_processed_timestamp: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    active: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, nullable=False,
                                                 default=True)
    scope_activation_toggle_date: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False, default=tz.utcnow)


class ReprocessingSchedule(Base):
    """A request to re-rate [start, end] of one scope (§5.5)."""

    __tablename__ = 'storage_scope_reprocessing_schedule'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    identifier: orm.Mapped[str] = orm.mapped_column(sa.String(256), nullable=False,
                                                    index=True)
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text, nullable=False)
    start_reprocess_time: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    end_reprocess_time: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False)
    current_reprocess_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)


# --- hashmap module -------------------------------------------------------

class HashMapService(Base):
    __tablename__ = 'hashmap_services'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    service_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                    unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False,
                                              unique=True)


class HashMapField(Base):
    __tablename__ = 'hashmap_fields'
    __table_args__ = (
        sa.UniqueConstraint('service_id', 'name', name='uq_hashmap_fields_service_name'),
    )
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    field_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                  unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False)
    service_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('hashmap_services.id', ondelete='CASCADE'), nullable=False)


class HashMapGroup(Base):
    __tablename__ = 'hashmap_groups'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    group_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                  unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False,
                                              unique=True)


class _RuleAuditMixin:
    """Activity window, soft delete and audit columns of "volatile" rules."""

    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False, default=tz.utcnow)
    start: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, nullable=False, default=tz.utcnow)
    end: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(256))
    deleted: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime)
    created_by: orm.Mapped[str] = orm.mapped_column(sa.String(32), nullable=False)
    updated_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    deleted_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))


class HashMapMapping(_RuleAuditMixin, Base):
    __tablename__ = 'hashmap_mappings'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    mapping_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                    unique=True)
    value: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    cost: orm.Mapped[decimal.Decimal] = orm.mapped_column(COST, nullable=False)
    map_type: orm.Mapped[str] = orm.mapped_column(MAP_TYPE, nullable=False,
                                                  default='flat')
    service_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_services.id', ondelete='CASCADE'), index=True)
    field_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_fields.id', ondelete='CASCADE'), index=True)
    group_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_groups.id', ondelete='SET NULL'), index=True)
    tenant_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(32), nullable=False)

    @orm.validates('cost')
    def _fits_its_column(self, name: str, value) -> decimal.Decimal:
        return COST.checked(name, value)


class HashMapThreshold(Base):
    __tablename__ = 'hashmap_thresholds'
    __table_args__ = (
        sa.UniqueConstraint('level', 'field_id', 'tenant_id',
                            name='uq_hashmap_thresholds_field_level'),
        sa.UniqueConstraint('level', 'service_id', 'tenant_id',
                            name='uq_hashmap_thresholds_service_level'),
    )
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    threshold_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                      unique=True)
    level: orm.Mapped[decimal.Decimal] = orm.mapped_column(LEVEL, nullable=False)
    cost: orm.Mapped[decimal.Decimal] = orm.mapped_column(COST, nullable=False)
    map_type: orm.Mapped[str] = orm.mapped_column(MAP_TYPE, nullable=False,
                                                  default='flat')
    service_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_services.id', ondelete='CASCADE'), index=True)
    field_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_fields.id', ondelete='CASCADE'), index=True)
    group_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('hashmap_groups.id', ondelete='SET NULL'), index=True)
    tenant_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))

    @orm.validates('level', 'cost')
    def _fits_its_column(self, name: str, value) -> decimal.Decimal:
        return (LEVEL if name == 'level' else COST).checked(name, value)


# --- pyscripts module -----------------------------------------------------

class PyScript(_RuleAuditMixin, Base):
    """A rating script; ``data`` is zlib-compressed UTF-8 source.

    Name uniqueness is enforced among live scripts by the application, so that
    the name of a soft-deleted script can be reused (contract §12.7).
    """

    __tablename__ = 'pyscripts_scripts'
    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    script_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), nullable=False,
                                                   unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), nullable=False,
                                              index=True)
    data: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary, nullable=False)
    checksum: orm.Mapped[str] = orm.mapped_column(sa.String(128), nullable=False)

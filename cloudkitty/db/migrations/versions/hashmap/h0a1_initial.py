"""Hashmap rules: services, fields, groups, mappings, thresholds.

Revision ID: h0a1_initial
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from cloudkitty.db.types import ExactDecimal

revision = 'h0a1_initial'
down_revision = None
branch_labels = None
depends_on = None

_MAP_TYPE = sa.Enum('flat', 'rate', name='enum_map_type')


def _rule_parents():
    return [
        sa.Column('service_id', sa.Integer,
                  sa.ForeignKey('hashmap_services.id', ondelete='CASCADE'),
                  index=True),
        sa.Column('field_id', sa.Integer,
                  sa.ForeignKey('hashmap_fields.id', ondelete='CASCADE'), index=True),
        sa.Column('group_id', sa.Integer,
                  sa.ForeignKey('hashmap_groups.id', ondelete='SET NULL'),
                  index=True),
        sa.Column('tenant_id', sa.String(255)),
    ]


def upgrade():
    op.create_table(
        'hashmap_services',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('service_id', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True))
    op.create_table(
        'hashmap_fields',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('field_id', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('service_id', sa.Integer,
                  sa.ForeignKey('hashmap_services.id', ondelete='CASCADE'),
                  nullable=False),
        sa.UniqueConstraint('service_id', 'name', name='uq_hashmap_fields_service_name'))
    op.create_table(
        'hashmap_groups',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('group_id', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True))
    op.create_table(
        'hashmap_mappings',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('mapping_id', sa.String(36), nullable=False, unique=True),
        sa.Column('value', sa.String(255)),
        sa.Column('cost', ExactDecimal(40, 28), nullable=False),
        sa.Column('map_type', _MAP_TYPE, nullable=False),
        *_rule_parents(),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('start', sa.DateTime, nullable=False),
        sa.Column('end', sa.DateTime),
        sa.Column('name', sa.String(32), nullable=False),
        sa.Column('description', sa.String(256)),
        sa.Column('deleted', sa.DateTime),
        sa.Column('created_by', sa.String(32), nullable=False),
        sa.Column('updated_by', sa.String(32)),
        sa.Column('deleted_by', sa.String(32)))
    op.create_table(
        'hashmap_thresholds',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('threshold_id', sa.String(36), nullable=False, unique=True),
        sa.Column('level', ExactDecimal(20, 8), nullable=False),
        sa.Column('cost', ExactDecimal(40, 28), nullable=False),
        sa.Column('map_type', _MAP_TYPE, nullable=False),
        *_rule_parents(),
        sa.UniqueConstraint('level', 'field_id', 'tenant_id',
                            name='uq_hashmap_thresholds_field_level'),
        sa.UniqueConstraint('level', 'service_id', 'tenant_id',
                            name='uq_hashmap_thresholds_service_level'))


def downgrade():
    op.drop_table('hashmap_thresholds')
    op.drop_table('hashmap_mappings')
    op.drop_table('hashmap_groups')
    op.drop_table('hashmap_fields')
    op.drop_table('hashmap_services')
    _MAP_TYPE.drop(op.get_bind(), checkfirst=True)

"""Table of the deprecated v1 ``sqlalchemy`` storage (contract §7.3).

Same columns as CloudKitty's ``rated_data_frames``, with two deliberate
differences: ``tenant_id`` is 255 characters (upstream's 32 cannot hold a
dashed UUID on PostgreSQL or MariaDB) and ``qty``/``rate`` are exact decimals
(upstream's ``rate`` is a FLOAT).
"""
import sqlalchemy as sa

from cloudkitty.storage import sqltypes

METADATA = sa.MetaData()

#: ``res_type`` of the placeholder row stored for a period without data.
NO_DATA_TYPE = '_NO_DATA_'

rated_data_frames = sa.Table(
    'rated_data_frames', METADATA,
    sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
    sa.Column('tenant_id', sa.String(255)),
    sa.Column('begin', sa.DateTime, nullable=False),
    sa.Column('end', sa.DateTime, nullable=False),
    sa.Column('unit', sa.String(255)),
    sa.Column('qty', sqltypes.qty_type()),
    sa.Column('res_type', sa.String(255), nullable=False),
    sa.Column('rate', sqltypes.price_type()),
    sa.Column('desc', sa.Text),
    sa.Index('ix_rated_data_frames_tenant_begin', 'tenant_id', 'begin'),
    sa.Index('ix_rated_data_frames_begin', 'begin'),
)

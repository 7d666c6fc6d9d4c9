"""SensorThings: Datastreams nobody could map yet, and a watermark per Datastream

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'unmapped_datastreams',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('datastream_id', sa.String(length=128), nullable=False),
        sa.Column('thing_id', sa.String(length=128), nullable=False),
        sa.Column('thing_name', sa.String(length=200), nullable=False),
        sa.Column('property_name', sa.String(length=200), nullable=True),
        sa.Column('definition', sa.String(length=500), nullable=True),
        sa.Column('unit', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.String(length=64), nullable=False),
        sa.Column('candidates', sa.JSON(), nullable=True),
        sa.Column('samples', sa.JSON(), nullable=True),
        sa.Column('device_id', sa.String(length=64), nullable=True),
        sa.Column('phenomenon_since_t', sa.BigInteger(), nullable=True),
        sa.Column('first_seen_t', sa.BigInteger(), nullable=False),
        sa.Column('last_seen_t', sa.BigInteger(), nullable=False),
        sa.Column('mapped_t', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('source', 'datastream_id'),
    )
    # Datastreams already stored were read up to their source's watermark: say so per Datastream, so
    # that only Datastreams seen (or mapped) for the first time from now on are back-filled.
    op.execute("INSERT INTO watermarks (source, key, t) "
               "SELECT s.source, 'ds:' || s.external_id, h.watermark_t FROM series s "
               "JOIN source_health h ON h.source = s.source WHERE h.watermark_t IS NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM watermarks WHERE key LIKE 'ds:%'")
    op.drop_table('unmapped_datastreams')

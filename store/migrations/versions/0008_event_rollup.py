"""camera events counted per hour, camera and label (kept at ingest), filled from the stored events

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 05:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_rollup_hour',
        sa.Column('t', sa.BigInteger(), nullable=False),
        sa.Column('device_id', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('t', 'device_id', 'label'),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO event_rollup_hour (t, device_id, label, count) "
               "SELECT start_t - start_t % 3600, device_id, label, count(*) FROM camera_events "
               "GROUP BY start_t - start_t % 3600, device_id, label")


def downgrade() -> None:
    op.drop_table('event_rollup_hour')

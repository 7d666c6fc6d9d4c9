"""camera events: a covering index for counts over a window

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:40:00
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # replaces the single-column start_t index: same leading column, and it answers counts by camera,
    # label and hour over a window from the index alone
    op.create_index('ix_camera_events_window', 'camera_events', ['start_t', 'device_id', 'label'])
    op.drop_index('ix_camera_events_start_t', table_name='camera_events')


def downgrade() -> None:
    op.create_index('ix_camera_events_start_t', 'camera_events', ['start_t'])
    op.drop_index('ix_camera_events_window', table_name='camera_events')

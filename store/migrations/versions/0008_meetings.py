"""the weekly meeting's record: frozen figures, notes, decisions and their follow-up, an audit trail

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 05:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'meetings',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('week', sa.String(length=8), nullable=False, unique=True),
        sa.Column('week_start_t', sa.BigInteger(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('frozen_by', sa.String(length=100), nullable=True),
        sa.Column('frozen_t', sa.BigInteger(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_t', sa.BigInteger(), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.Column('updated_t', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_meetings_week_start_t', 'meetings', ['week_start_t'])
    op.create_table(
        'meeting_decisions',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('who', sa.String(length=100), nullable=False),
        sa.Column('what', sa.String(length=500), nullable=False),
        sa.Column('due', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('follow_note', sa.String(length=500), nullable=True),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('created_t', sa.BigInteger(), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.Column('updated_t', sa.BigInteger(), nullable=False),
    )
    op.create_index('ix_meeting_decisions_meeting_id', 'meeting_decisions', ['meeting_id'])
    op.create_table(
        'meeting_events',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('meeting_id', sa.Integer(), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('t', sa.BigInteger(), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
    )
    op.create_index('ix_meeting_events_meeting_id', 'meeting_events', ['meeting_id'])


def downgrade() -> None:
    op.drop_index('ix_meeting_events_meeting_id', table_name='meeting_events')
    op.drop_table('meeting_events')
    op.drop_index('ix_meeting_decisions_meeting_id', table_name='meeting_decisions')
    op.drop_table('meeting_decisions')
    op.drop_index('ix_meetings_week_start_t', table_name='meetings')
    op.drop_table('meetings')

"""notifications become an outbox: written with the alert change, delivered by a job with retries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        # when the next attempt is due (pending/retry), and until when a sender holds the row
        batch_op.add_column(sa.Column('next_attempt_t', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('lease_until_t', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('severity', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_t'])


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_column('severity')
        batch_op.drop_column('lease_until_t')
        batch_op.drop_column('next_attempt_t')

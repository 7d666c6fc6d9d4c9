"""the weekly meeting per commune: meetings.commune_id, one record per commune and week

A meeting's record was one per ISO week; with many communes each holds its own meeting, so the unique
key becomes (commune_id, week). Records made before belong to the default commune (the first by
position, as `queries.site.default_commune` picks it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 09:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# 0007 declared `week` unique inline, so SQLite holds that constraint unnamed: batch mode finds it by
# this naming convention (Alembic's documented way to drop an unnamed constraint on SQLite).
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
DEFAULT_COMMUNE = "(SELECT id FROM communes ORDER BY position, id LIMIT 1)"


def _drop_week_unique(batch) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        batch.drop_constraint('meetings_week_key', type_='unique')
    else:
        batch.drop_constraint('uq_meetings_week', type_='unique')


def upgrade() -> None:
    op.add_column('meetings', sa.Column('commune_id', sa.String(length=64), nullable=True))
    op.execute(f"UPDATE meetings SET commune_id = {DEFAULT_COMMUNE}")
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        _drop_week_unique(batch)
        batch.create_unique_constraint('uq_meetings_commune_week', ['commune_id', 'week'])
        batch.create_index('ix_meetings_commune_id', ['commune_id'])


def downgrade() -> None:
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        batch.drop_index('ix_meetings_commune_id')
        batch.drop_constraint('uq_meetings_commune_week', type_='unique')
        batch.drop_column('commune_id')
        # the other communes' records cannot share a week once the key is the week alone
    op.execute("DELETE FROM meeting_events WHERE meeting_id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    op.execute("DELETE FROM meeting_decisions WHERE meeting_id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    op.execute("DELETE FROM meetings WHERE id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        batch.create_unique_constraint('uq_meetings_week', ['week'])

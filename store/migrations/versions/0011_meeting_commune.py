"""the weekly meeting per commune: meetings.commune_id, one record per commune and week; push links'
state in a table of their own (push_links) instead of `link:*` rows in watermarks

A meeting's record was one per ISO week; with many communes each holds its own meeting, so the unique
key becomes (commune_id, week). Records made before belong to the default commune (the first by
position, as `queries.site.default_commune` picks it).

The SensorThings MQTT link kept its state as `link:*` watermark rows, a message count and a lag in
milliseconds stored in an epoch column; they move to push_links' typed columns.

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


def _week_unique_name() -> str:
    """PostgreSQL named 0007's inline constraint itself; on SQLite it is found by NAMING."""
    return 'meetings_week_key' if op.get_bind().dialect.name == 'postgresql' else 'uq_meetings_week'


def _drop_week_unique(batch) -> None:
    batch.drop_constraint(_week_unique_name(), type_='unique')


def upgrade() -> None:
    op.add_column('meetings', sa.Column('commune_id', sa.String(length=64), nullable=True))
    op.execute(f"UPDATE meetings SET commune_id = {DEFAULT_COMMUNE}")
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        _drop_week_unique(batch)
        batch.create_unique_constraint('uq_meetings_commune_week', ['commune_id', 'week'])
        batch.create_index('ix_meetings_commune_id', ['commune_id'])
    op.create_table(
        'push_links',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('connected_since_t', sa.BigInteger(), nullable=True),
        sa.Column('last_message_t', sa.BigInteger(), nullable=True),
        sa.Column('messages', sa.BigInteger(), nullable=True),
        sa.Column('lag_ms', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('source'),
    )
    op.execute("INSERT INTO push_links (source, connected_since_t, last_message_t, messages, lag_ms) "
               "SELECT source, max(CASE WHEN key = 'link:connected_since' THEN t END), "
               "max(CASE WHEN key = 'link:last_message' THEN t END), max(CASE WHEN key = 'link:messages' THEN t END), "
               "max(CASE WHEN key = 'link:lag_ms' THEN t END) FROM watermarks WHERE key LIKE 'link:%' GROUP BY source")
    op.execute("DELETE FROM watermarks WHERE key LIKE 'link:%'")


def downgrade() -> None:
    for key, column in (('connected_since', 'connected_since_t'), ('last_message', 'last_message_t'),
                        ('messages', 'messages'), ('lag_ms', 'lag_ms')):
        op.execute(f"INSERT INTO watermarks (source, key, t) SELECT source, 'link:{key}', {column} FROM push_links "
                   f"WHERE {column} IS NOT NULL")
    op.drop_table('push_links')
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        batch.drop_index('ix_meetings_commune_id')
        batch.drop_constraint('uq_meetings_commune_week', type_='unique')
        batch.drop_column('commune_id')
        # the other communes' records cannot share a week once the key is the week alone
    op.execute("DELETE FROM meeting_events WHERE meeting_id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    op.execute("DELETE FROM meeting_decisions WHERE meeting_id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    op.execute("DELETE FROM meetings WHERE id NOT IN (SELECT min(id) FROM meetings GROUP BY week)")
    with op.batch_alter_table('meetings', naming_convention=NAMING) as batch:
        batch.create_unique_constraint(_week_unique_name(), ['week'])   # as 0007 left it: 0011 can run again

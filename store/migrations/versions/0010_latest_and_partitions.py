"""the newest reading of each series kept at ingest (both engines, filled from the stored readings);
PostgreSQL: readings partitioned by UTC month (declarative), with a default partition

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 08:00:00
"""
import time

import sqlalchemy as sa
from alembic import op

from store import partitions

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'readings_latest',
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('t', sa.BigInteger(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('series_id'),
        sqlite_with_rowid=False,
    )
    # one probe of the (series_id, t) key per series, not a GROUP BY over every reading
    op.execute("INSERT INTO readings_latest (series_id, t, value) "
               "SELECT r.series_id, r.t, r.value FROM readings r JOIN "
               "(SELECT s.id AS series_id, (SELECT max(t) FROM readings x WHERE x.series_id = s.id) AS t FROM series s) n "
               "ON r.series_id = n.series_id AND r.t = n.t")
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE readings RENAME TO readings_unpartitioned")
    op.execute("ALTER TABLE readings_unpartitioned RENAME CONSTRAINT readings_pkey TO readings_unpartitioned_pkey")
    op.execute("CREATE TABLE readings (series_id integer NOT NULL, t bigint NOT NULL, value double precision NOT NULL, "
               "PRIMARY KEY (series_id, t)) PARTITION BY RANGE (t)")
    op.execute("CREATE TABLE readings_default PARTITION OF readings DEFAULT")
    lo, hi = conn.execute(sa.text("SELECT min(t), max(t) FROM readings_unpartitioned")).one()
    now = int(time.time())
    lo = now if lo is None else min(lo, now)
    hi = max(hi or now, now)
    ahead = hi
    for _ in range(partitions.MONTHS_AHEAD):
        ahead = partitions.next_month(partitions.month_start(ahead))
    partitions.ensure(conn, partitions.months(lo, ahead))
    op.execute("INSERT INTO readings (series_id, t, value) SELECT series_id, t, value FROM readings_unpartitioned")
    op.execute("DROP TABLE readings_unpartitioned")
    op.execute("ANALYZE readings")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("CREATE TABLE readings_plain (series_id integer NOT NULL, t bigint NOT NULL, "
                   "value double precision NOT NULL, CONSTRAINT readings_plain_pkey PRIMARY KEY (series_id, t))")
        op.execute("INSERT INTO readings_plain SELECT series_id, t, value FROM readings")
        op.execute("DROP TABLE readings CASCADE")
        op.execute("ALTER TABLE readings_plain RENAME TO readings")
        op.execute("ALTER TABLE readings RENAME CONSTRAINT readings_plain_pkey TO readings_pkey")
    op.drop_table('readings_latest')

"""PostgreSQL only: readings partitioned by UTC month (declarative partitioning), so a month's readings
live in one table of their own (its index stays small, a month leaves by DETACH instead of a huge DELETE,
and a window's query touches only its months). A default partition holds anything outside the months
made so far; months are created ahead by the migration and by the writer before it inserts, so the
default stays empty in practice. SQLite keeps one `WITHOUT ROWID` table (nothing here applies)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

# one lock id for "making partitions": two ingest processes never create the same month at once
_LOCK_ID = 766_021_001
MONTHS_AHEAD = 2


def month_start(t: int) -> int:
    d = datetime.fromtimestamp(t, timezone.utc)
    return int(datetime(d.year, d.month, 1, tzinfo=timezone.utc).timestamp())


def next_month(start: int) -> int:
    d = datetime.fromtimestamp(start, timezone.utc)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return int(datetime(y, m, 1, tzinfo=timezone.utc).timestamp())


def months(lo: int, hi: int) -> list[int]:
    """Starts of the UTC months that [lo, hi] touches."""
    out, m = [], month_start(lo)
    while m <= hi:
        out.append(m)
        m = next_month(m)
    return out


def partition_name(start: int) -> str:
    d = datetime.fromtimestamp(start, timezone.utc)
    return f"readings_{d.year:04d}_{d.month:02d}"


def is_partitioned(conn) -> bool:
    return conn.dialect.name == "postgresql" and bool(conn.scalar(text(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = 'readings' AND c.relnamespace = current_schema()::regnamespace")))


def existing(conn) -> set[int]:
    """Month starts of the partitions attached to readings."""
    names = conn.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'readings' "
        "AND p.relnamespace = current_schema()::regnamespace"))
    out = set()
    for name in names:
        parts = name.split("_")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            out.add(int(datetime(int(parts[1]), int(parts[2]), 1, tzinfo=timezone.utc).timestamp()))
    return out


def ensure(conn, starts: list[int]) -> list[int]:
    """Make the month partitions that are missing; returns the month starts it made. Rows already in the
    default partition for such a month move into it (CREATE ... PARTITION OF would refuse them). Built as a
    plain table then ATTACHed: attaching takes a lighter lock on readings than creating a partition in
    place, so readers of other months are not held up."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    have = existing(conn)
    made = []
    for start in sorted(set(starts) - have):
        end, name = next_month(start), partition_name(start)
        conn.execute(text(f'CREATE TABLE "{name}" (LIKE readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
        conn.execute(text(f'ALTER TABLE "{name}" ADD PRIMARY KEY (series_id, t)'))
        conn.execute(text(f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_month" CHECK (t >= {start} AND t < {end})'))
        if conn.scalar(text("SELECT to_regclass('readings_default')")) is not None:
            conn.execute(text(f'WITH moved AS (DELETE FROM readings_default WHERE t >= {start} AND t < {end} '
                              f'RETURNING series_id, t, value) INSERT INTO "{name}" SELECT * FROM moved'))
        conn.execute(text(f'ALTER TABLE readings ATTACH PARTITION "{name}" FOR VALUES FROM ({start}) TO ({end})'))
        # the CHECK let ATTACH skip scanning the table; the partition bound says the same from now on
        conn.execute(text(f'ALTER TABLE "{name}" DROP CONSTRAINT "{name}_month"'))
        made.append(start)
    return made

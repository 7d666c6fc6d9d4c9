"""Dialect-aware INSERT .. ON CONFLICT for SQLite and PostgreSQL (the two engines the store runs on)."""
from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn, table: Table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(conn, table: Table, rows: list[dict], chunk: int = 5000) -> int:
    """Insert rows, skipping those whose key exists; returns how many were new (when the driver says)."""
    new = 0
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        result = conn.execute(insert_for(conn, table).on_conflict_do_nothing(), part)
        new += max(result.rowcount, 0)
    return new


def upsert(conn, table: Table, rows: list[dict], keys: list[str], update: list[str] | None = None,
           where=None, chunk: int = 2000) -> None:
    """Insert or update the `update` columns on conflict of `keys` (optionally only `where`)."""
    if not rows:
        return
    update = update if update is not None else [c for c in rows[0] if c not in keys]
    for i in range(0, len(rows), chunk):
        stmt = insert_for(conn, table)
        if update:
            stmt = stmt.on_conflict_do_update(index_elements=keys,
                                              set_={c: stmt.excluded[c] for c in update},
                                              where=where(stmt) if where is not None else None)
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        conn.execute(stmt, rows[i:i + chunk])

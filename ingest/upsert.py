"""Dialect-aware INSERT .. ON CONFLICT for SQLite and PostgreSQL (the two engines the store runs on)."""
from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(conn, table: Table):
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(conn, table: Table, rows: list[dict], chunk: int = 5000, count: bool = True) -> int | None:
    """Insert rows, skipping those whose key exists. With count, returns how many were new (RETURNING:
    drivers report rowcount -1 for these statements); without, the bulk path stays lean."""
    new = 0
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        stmt = insert_for(conn, table).on_conflict_do_nothing()
        if count:
            first = next(iter(table.primary_key.columns))
            new += len(conn.execute(stmt.returning(first), part).all())
        else:
            conn.execute(stmt, part)
    return new if count else None


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

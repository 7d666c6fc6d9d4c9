"""One engine per process. SQLite gets WAL and a busy timeout so the ingest process and the web
workers can share the file; PostgreSQL needs nothing special. JSON columns are read by orjson (the
map's device list decodes one properties document per device: 570 on a ten-times site)."""
from __future__ import annotations

from functools import lru_cache

import orjson
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               json_deserializer=orjson.loads)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True, json_deserializer=orjson.loads)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    from core.settings import get_settings
    return make_engine(url or get_settings().database_url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

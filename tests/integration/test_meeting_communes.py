"""The weekly meeting and the weekly report per commune, on both engines: migration 0011 gives the
records made before to the default commune; each commune's record is its own; a user of commune A can
neither open nor write commune B's meeting (checked in the page's callbacks, on the server); the report
job makes one file set per commune, named after it and headed by its issuer."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from commands.base import Actor

USER = "Chủ tịch xã"
A, B = "quang_tho", "demo_xa_b"


def _upgrade_from_0010(url: str, engine_for) -> None:
    """A store at 0010 with one meeting record (made before communes had meetings), then 0011."""
    from ingest.site_sync import sync_site
    from store.migrate import upgrade
    upgrade(url, "0010")
    engine = engine_for(url)
    sync_site(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO meetings (week, week_start_t, notes, created_by, created_t, updated_by, updated_t) "
                          "VALUES ('2026-W40', 1, 'cũ', 'x', 1, 'x', 1)"))
    engine.dispose()
    upgrade(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """An empty database on each engine (the migration test runs the chain itself)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    import uuid

    import psycopg

    from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_available
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"brain_m_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    from store.engine import get_engine
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migration_0011_gives_old_records_to_the_default_commune_and_keys_by_commune_and_week(fresh_url, engine_for):
    from store.models import Meeting
    _upgrade_from_0010(fresh_url, engine_for)
    engine = engine_for(fresh_url)
    with engine.begin() as conn:
        default = conn.scalar(text("SELECT id FROM communes ORDER BY position, id LIMIT 1"))
        assert conn.execute(select(Meeting.commune_id, Meeting.notes)).all() == [(default, "cũ")]
        other = conn.scalar(text("SELECT id FROM communes WHERE id <> :d LIMIT 1"), {"d": default})
        conn.execute(insert(Meeting).values(commune_id=other, week="2026-W40", week_start_t=1, created_by="y",
                                            created_t=1, updated_by="y", updated_t=1))    # same week, other commune
    with pytest.raises(Exception):                                                     # same commune and week
        with engine.begin() as conn:
            conn.execute(insert(Meeting).values(commune_id=default, week="2026-W40", week_start_t=1, created_by="z",
                                                created_t=1, updated_by="z", updated_t=1))

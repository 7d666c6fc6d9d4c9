"""Shared fixtures. The store runs on SQLite and PostgreSQL: PostgreSQL is required when CI=true and
skipped with a printed reason elsewhere. Each test gets a freshly migrated, empty database copied from a
template migrated once per session (fast on both engines)."""
from __future__ import annotations

import os
import shutil
import socket
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_port() -> int:
    """A free loopback port: any, or the first free one of TEST_PORT_RANGE ("8670-8679") on a machine where
    each engineer has a range of their own."""
    wanted = os.environ.get("TEST_PORT_RANGE", "").strip()
    if wanted:
        first, _, last = wanted.partition("-")
        for port in range(int(first), int(last or first) + 1):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in TEST_PORT_RANGE={wanted}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_available() -> str | None:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1), connect_timeout=3):
            return None
    except Exception as err:  # noqa: BLE001 - any failure means "not available here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {err}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    from store.migrate import upgrade
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template():
    reason = _pg_available()
    if reason:
        if IN_CI:
            pytest.fail(reason + " (required when CI=true)")
        print(f"\nSKIP PostgreSQL store tests: {reason}")
        pytest.skip(reason)
    import psycopg
    from store.migrate import upgrade
    name = f"brain_tmpl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    upgrade(f"{base}/{name}")
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_sqlite(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """URL of a freshly migrated, empty database on each engine."""
    if request.param == "sqlite":
        yield _fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    import psycopg
    template = request.getfixturevalue("pg_template")
    name = f"brain_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    from store.engine import get_engine
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    """SQLite only, for tests that are not about the engine."""
    return _fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def engine_for():
    """engine_for(url) -> a fresh Engine, disposed after the test."""
    from store.engine import make_engine
    made = []

    def _make(url: str):
        engine = make_engine(url)
        made.append(engine)
        return engine
    yield _make
    for engine in made:
        engine.dispose()


@pytest.fixture(scope="session")
def site():
    from core.site import load_site
    return load_site(ROOT / "sites" / "quang_tho.yaml")


@pytest.fixture(scope="session")
def simulator_url():
    """The simulator as an outside HTTP service on a free loopback port, for the whole session."""
    from simulator.server import start_in_thread
    server, url = start_in_thread(host="127.0.0.1", port=0, seed=766, site_file=ROOT / "sites" / "quang_tho.yaml")
    yield url
    server.shutdown()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("CACHE_DIR", str(path))
    return path


@pytest.fixture
def use_store(monkeypatch, tmp_path):
    """use_store(url): point the process-wide settings (DATABASE_URL, CACHE_DIR) at this database,
    as the app and the query layer read them, and clear the cached engine/settings around the test."""
    from core.settings import get_settings
    from store.engine import get_engine

    def _use(url: str) -> str:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))
        get_settings.cache_clear()
        get_engine.cache_clear()
        return url
    yield _use
    get_engine.cache_clear()
    get_settings.cache_clear()

"""`make run-scale` / `python manage.py run-scale`: the scale-out topology on one machine, each part its own
process pointed at its services by environment variables, as it would run on its own host:

    simulator ─HTTP/MQTT─> ingest (one: polls, schedules, invalidates) ─> PostgreSQL
                                  └─ INCR tag versions ─> Redis (cache) <─ gunicorn × WEB_CONCURRENCY
    gunicorn ─ tasks ─> Redis (broker) ─> Celery worker (reports, exports, background callbacks)

Unset variables get this machine's services: PostgreSQL database `cdb_scale` (created and migrated here),
Redis DB 1 for the cache, 2 for Celery, 3 for the sign-in counters, Mosquitto on 1883. README "Scale-out"
says which variable moves which part to another host. Ctrl-C stops every part."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

from core.settings import ROOT, get_settings

DEFAULTS = {
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/cdb_scale",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "MQTT_URL": "mqtt://127.0.0.1:1883",
    "WEB_CONCURRENCY": "2",
    "SIMULATOR": "1",
    "BACKFILL_DAYS": "30",
}


def _where(url: str) -> str:
    """host:port/path of a URL, without user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=3):
            return None
    except OSError as err:
        return f"{_where(url)}: {err}"


def ensure_database(url: str) -> None:
    """The PostgreSQL database of the URL exists (created from the server's `postgres` database if not)."""
    import psycopg
    from sqlalchemy.engine import make_url
    u = make_url(url)
    if not u.drivername.startswith("postgresql"):
        return
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{u.database}"')
            print(f"created database {u.database}")


def run_scale(backfill_days: int | None = None) -> int:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    get_settings.cache_clear()
    settings = get_settings()
    problems = [p for p in (_reachable(settings.database_url, 5432),
                            _reachable(settings.cache_url, 6379), _reachable(settings.celery_broker_url, 6379),
                            _reachable(settings.mqtt_url, 1883) if settings.mqtt_url else None) if p]
    if problems:
        print("Not reachable:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1

    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from serve import _wait_for, gunicorn_command
    from store.engine import get_engine
    from store.migrate import upgrade
    ensure_database(settings.database_url)
    upgrade(settings.database_url)                      # single: once, before anything reads or writes
    sync_site(get_engine())
    env = dict(os.environ)
    children: list[tuple[str, subprocess.Popen]] = []

    def start(name: str, cmd: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        children.append((name, proc))
        return proc

    def stop(*_):
        for _name, child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for _name, child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    signal.signal(signal.SIGINT, signal.default_int_handler)    # Ctrl-C, even when started from a script
    try:
        if settings.simulator:
            start("simulator", [sys.executable, "manage.py", "simulate"])
            if not _wait_for(f"{settings.simulator_base()}/health"):
                print("The simulator did not start; see its log above.", file=sys.stderr)
                return 1
        days = settings.backfill_days if backfill_days is None else backfill_days
        print(f"Back-filling history (first start: {days} days; later starts resume from the watermark)...")
        backfill(days=days, progress=True)
        start("ingest", [sys.executable, "manage.py", "ingest"])
        start("celery", [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool=solo",
                         "--loglevel=WARNING", "-n", "brain@%h"])
        start("web", gunicorn_command())
        _wait_for(f"http://{settings.host}:{settings.port}/healthz", timeout_s=90)
        pids = {name: proc.pid for name, proc in children}
        rows = [
            ("database (migrated here, once)", _where(settings.database_url)),
            ("query cache, shared by every host", _where(settings.cache_url)),
            ("Celery broker and results", _where(settings.celery_broker_url)),
            ("sign-in counters", _where(settings.redis_url or "memory://")),
            ("MQTT push (ingest/live.py)", _where(settings.mqtt_url) if settings.mqtt_url else "off"),
            (f"simulator (pid {pids.get('simulator', '-')})",
             settings.simulator_base() if settings.simulator else "off: real sources"),
            (f"ingest + scheduler, exactly one (pid {pids['ingest']})", "manage.py ingest"),
            (f"Celery worker (pid {pids['celery']})", "celery -A app:celery_app worker"),
            (f"web: gunicorn × {settings.web_concurrency} (pid {pids['web']})", f"http://{settings.host}:{settings.port}"),
        ]
        width = max(len(r[0]) for r in rows)
        print("\nScale-out topology on this machine (Ctrl-C stops every part):")
        for label, where in rows:
            print(f"  {label:<{width}}  {where}")
        while True:
            for name, proc in children:
                if proc.poll() is not None:
                    print(f"{name} stopped (exit {proc.returncode}); stopping the rest", file=sys.stderr)
                    return proc.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        stop()

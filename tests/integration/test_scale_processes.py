"""Which process runs what: web workers serve and schedule nothing; `serve --no-ingest` starts gunicorn only,
and only on a schema someone migrated; the ingest process starts the push listeners its settings name."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest
import requests

from tests.conftest import ROOT, free_port


def _answers_healthz(proc: subprocess.Popen, port: int, limit_s: float) -> bool:
    """True once the server `proc` started answers /healthz on `port`; False if it exits or `limit_s` passes."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return True
        except requests.RequestException:
            time.sleep(0.5)
    return False


def test_importing_the_web_app_starts_no_scheduler(sqlite_url, tmp_path):
    """What every gunicorn worker does on start: import app. No scheduler module, no scheduler thread."""
    code = ("import sys, threading, app; "
            "print(sorted(m for m in sys.modules if m.startswith('apscheduler.schedulers'))); "
            "print(sorted(t.name for t in threading.enumerate() if 'APScheduler' in t.name or 'scheduler' in t.name.lower()))")
    env = dict(os.environ, DATABASE_URL=sqlite_url, CACHE_DIR=str(tmp_path / "cache"), LOG_LEVEL="WARNING")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["[]", "[]"]


def test_web_only_serve_refuses_a_database_nobody_migrated(tmp_path):
    db = tmp_path / "empty.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", CACHE_DIR=str(tmp_path / "cache"), INGEST="0",
               PORT=str(free_port()))
    out = subprocess.run([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1 and "manage.py migrate" in out.stderr
    import sqlite3
    assert sqlite3.connect(db).execute("select count(*) from sqlite_master").fetchone() == (0,)   # nothing created


def test_web_only_serve_runs_gunicorn_workers_and_no_ingest(sqlite_url, tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=sqlite_url, CACHE_DIR=str(tmp_path / "cache"), WEB_CONCURRENCY="3",
               PORT=str(port), SECRET_KEY="s" * 40, LOG_LEVEL="WARNING")
    proc = subprocess.Popen([sys.executable, "manage.py", "serve", "--no-ingest"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if not _answers_healthz(proc, port, 90):
            pytest.fail("the web-only server did not answer")
        tree = psutil.Process(proc.pid).children(recursive=True)
        lines = [" ".join(p.cmdline()) for p in tree]
        gunicorn_processes = [line for line in lines if "gunicorn" in line]
        assert not any("ingest" in line or "simulate" in line for line in lines), lines
        gunicorn_master = next(p for p in psutil.Process(proc.pid).children() if "gunicorn" in " ".join(p.cmdline()))
        assert len(gunicorn_master.children()) == 3 and len(gunicorn_processes) == 4      # the master and WEB_CONCURRENCY workers
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "web only, 3 workers" in proc.stdout.read()


def test_serve_stops_its_children_on_sigterm_without_killing_any(tmp_path):
    """What systemd or a container runtime sends `manage.py serve` to stop it: every child (simulator,
    ingest, gunicorn) is asked to stop and is waited for, none has to be killed, and serve exits 0. Until
    30/11/2026 the handler waited for the children from inside the main thread's own `web.wait()`, whose
    lock it could never take: gunicorn, long stopped, was "killed" after 10 s, and serve took ~15 s. With
    that handler back, stop() reports the kill and this test fails."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'brain.db'}", CACHE_DIR=str(tmp_path / "cache"),
               PORT=str(port), SIMULATOR="1", SIMULATOR_PORT=str(free_port()), BACKFILL_DAYS="0",
               SECRET_KEY="s" * 40, LOG_LEVEL="WARNING")
    for name in ("SENSORTHINGS_URL", "FRIGATE_URL", "OPEN311_URL", "INDICATORS_URL"):
        env.pop(name, None)
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    try:
        if not _answers_healthz(proc, port, 180):
            pytest.fail(f"serve did not answer: {log.read_text()[-3000:]}")
        children = psutil.Process(proc.pid).children()
        assert len(children) == 3, [c.cmdline() for c in children]       # simulator, ingest, gunicorn
        proc.terminate()                                                 # SIGTERM to serve alone
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    out = log.read_text()
    assert "killed" not in out, out[-3000:]
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.postgres
def test_a_second_ingest_process_stands_by_until_the_leader_is_gone(store_url, engine_for, site, simulator_url,
                                                                     tmp_path):
    """PostgreSQL: this test holds the leader lock; `manage.py ingest` started meanwhile polls nothing; once the
    lock is released it leads and polls."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the leader lock is PostgreSQL's (SQLite deployments are one host)")
    from sqlalchemy import text

    from ingest import leader
    from ingest.site_sync import sync_site
    engine = engine_for(store_url)
    sync_site(engine, site)
    held = leader.hold_leadership(engine)
    assert held is not None and leader.still_leading(held)
    log_path = tmp_path / "ingest.log"
    env = dict(os.environ, DATABASE_URL=store_url, CACHE_DIR=str(tmp_path / "cache"), REPORT_SCHEDULE="off",
               SENSORTHINGS_URL=f"{simulator_url}/sta/v1.1", FRIGATE_URL=f"{simulator_url}/frigate",
               OPEN311_URL=f"{simulator_url}/open311/v2", INDICATORS_URL=f"{simulator_url}/feeds",
               INGEST_INTERVAL_S="5", LOG_LEVEL="INFO")
    proc = subprocess.Popen([sys.executable, "manage.py", "ingest", "--source", "indicators"], cwd=ROOT, env=env,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)

    def polled() -> int:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM source_health WHERE last_attempt_t IS NOT NULL"))
    try:
        deadline = time.monotonic() + 60
        while "standing by" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "standing by" in log_path.read_text(), log_path.read_text()[-2000:]
        time.sleep(3)
        assert polled() == 0
        leader.release(held)
        deadline = time.monotonic() + 60
        while polled() == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert polled() == 1, log_path.read_text()[-2000:]
        assert "this process leads now" in log_path.read_text()
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    again = leader.hold_leadership(engine)                     # the standby-turned-leader released it on exit
    assert again is not None
    leader.release(again)

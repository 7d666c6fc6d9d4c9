"""`make run` / `python manage.py serve`: one small server does it all.

Order: migrate and load the site file -> (SIMULATOR=1) start the simulator as its own process, as an
outside system -> back-fill history on the first start (progress bar), resume from the watermark on
later starts -> ingest loop as its own process -> the dashboard under gunicorn. Ctrl-C stops them all.

Web only (`serve --no-ingest`, or INGEST=0): no migration, no back-fill, no ingest loop, no scheduler; just
the gunicorn workers, on a host of their own, while one ingest process elsewhere polls, schedules and
invalidates the shared cache (README "Scale-out"). Migrations run once, from `manage.py migrate`."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import requests

from core.settings import ROOT, get_settings

log = logging.getLogger(__name__)


def _wait_for(url: str, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def gunicorn_command(workers: int | None = None, bind: str | None = None) -> list[str]:
    """The dashboard under gunicorn: WEB_CONCURRENCY workers unless told, each with its own database pool."""
    settings = get_settings()
    return [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "-w", str(workers or settings.web_concurrency), "-b", bind or f"{settings.host}:{settings.port}", "app:server"]


def serve_web_only(workers: int | None = None) -> int:
    """Only the web workers: the schema must already be there (`manage.py migrate` on the ingest host)."""
    settings = get_settings()
    from store.engine import get_engine
    from sqlalchemy import inspect
    if not inspect(get_engine()).has_table("alembic_version"):
        print(f"No schema in {settings.database_url.split('@')[-1]}: run `python manage.py migrate` once first.",
              file=sys.stderr)
        return 1
    print(f"Dashboard (web only, {workers or settings.web_concurrency} workers) at http://{settings.host}:{settings.port}")
    web = subprocess.Popen(gunicorn_command(workers), cwd=ROOT)
    signal.signal(signal.SIGTERM, lambda *_: web.terminate())
    try:
        return web.wait()
    except KeyboardInterrupt:
        web.terminate()
        return web.wait(timeout=15)


def serve(with_simulator: bool, backfill_days: int | None = None, workers: int | None = None,
          with_ingest: bool = True) -> int:
    if not with_ingest:
        return serve_web_only(workers)
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import get_engine
    from store.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    sync_site(get_engine())
    from commands.users import count_users
    if count_users() == 0:
        print("No user can sign in yet. Create the first administrator, then sign in at /login:\n"
              "  python manage.py create-user admin --role administrator --name 'Quản trị viên'")
    children: list[subprocess.Popen] = []
    env = dict(os.environ)

    def stop():
        """The children stopped newest first (the web, ingest, then the simulator), each given 10 s."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)      # a second SIGTERM must not cut the waits short
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                print(f"{' '.join(map(str, child.args[1:3]))} (pid {child.pid}) did not stop within 10 s: killed",
                      file=sys.stderr, flush=True)
                child.kill()
                child.wait()

    def on_sigterm(*_):
        """Unwinds what the main thread is waiting on; the `finally` below then stops the children. Not
        stopped from here: the main thread is inside `web.wait()`, which holds that Popen's wait lock, so
        the handler's `web.wait(timeout=10)` could never take it: gunicorn, stopped within a second, was
        "killed" after 10 s, and serve took ~15 s to stop."""
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if with_simulator:
            children.append(subprocess.Popen([sys.executable, "manage.py", "simulate"], cwd=ROOT, env=env))
            if not _wait_for(f"{settings.simulator_base()}/health"):
                print("The simulator did not start; see its log above.", file=sys.stderr)
                return 1
            print(f"Simulator (simulated data) at {settings.simulator_base()}")
        days = settings.backfill_days if backfill_days is None else backfill_days
        print(f"Back-filling history (first start: {days} days; later starts resume from the watermark)...")
        result = backfill(days=days, progress=True)
        for source, outcome in result.items():
            state = "ok" if outcome.get("ok") else f"FAILED: {outcome.get('error')}"
            print(f"  {source}: {outcome.get('stored', 0)} stored, {outcome.get('rejected', 0)} rejected, {state}")
        children.append(subprocess.Popen([sys.executable, "manage.py", "ingest"], cwd=ROOT, env=env))
        print(f"Dashboard at http://{settings.host}:{settings.port}")
        web = subprocess.Popen(gunicorn_command(workers), cwd=ROOT, env=env)
        children.append(web)
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop()

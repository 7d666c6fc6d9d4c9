"""The real `serve` left alone: the simulator, a short back-fill, the ingest loop and gunicorn, polled
every few seconds for over a minute. Every source must be polled again and again, readings must keep
arriving, and a page must show a value newer than the first poll (the loop once polled once and never
again while every card said "normal")."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
import requests

from tests.conftest import ROOT, free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SOAK_S = 75


def _status(env: dict) -> dict:
    out = subprocess.run([sys.executable, "manage.py", "status", "--json"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def _readings(env: dict) -> int:
    return _status(env)["sources"]["sensorthings"]["records"]["readings"]


@pytest.fixture
def served(tmp_path):
    port, sim_port = free_port(), free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'brain.db'}", CACHE_DIR=str(tmp_path / "cache"),
               PORT=str(port), SIMULATOR="1", SIMULATOR_PORT=str(sim_port), INGEST_INTERVAL_S="4",
               BACKFILL_DAYS="1", SIMULATOR_STEP_S="60", SIMULATOR_CHAOS="0.02", SECRET_KEY="soak-test-secret",
               LOGIN_RATE_LIMIT="1000 per minute")
    for name in ("SENSORTHINGS_URL", "FRIGATE_URL", "OPEN311_URL", "INDICATORS_URL"):
        env.pop(name, None)
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"serve exited: {(tmp_path / 'serve.log').read_text()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(1)
    else:
        pytest.fail(f"serve did not start: {(tmp_path / 'serve.log').read_text()[-3000:]}")
    yield url, env, tmp_path
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _data_page_success_time(browser, url: str, env: dict) -> datetime:
    """The 'last success' cell of SensorThings on the Data page, as a viewer reads it (dd/mm/yyyy hh:mm)."""
    from tests.browser.conftest import PASSWORD, session_cookies, settle
    made = subprocess.run([sys.executable, "manage.py", "create-user", "viewer", "--role", "viewer", "--password-stdin"],
                          cwd=ROOT, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr[-2000:]
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        context.add_cookies(session_cookies(url, "viewer"))
        page = context.new_page()
        page.goto(url + "/data", wait_until="networkidle")
        settle(page)
        row = page.locator("#data-health tbody tr", has_text="sensorthings").first.inner_text()
    finally:
        context.close()
    stamp = re.findall(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", row)[0]
    return datetime.strptime(stamp, "%d/%m/%Y %H:%M")


def test_serve_keeps_polling_every_source_and_pages_show_new_values(served, browser):
    url, env, tmp_path = served
    first = _status(env)
    first_attempts = {s: v["last_attempt"] for s, v in first["sources"].items() if v.get("protocol") != "file"}
    assert set(first_attempts) == {"sensorthings", "frigate", "open311", "indicators"}
    readings_at_start = _readings(env)
    seen: dict[str, set] = {s: set() for s in first_attempts}
    started = time.monotonic()
    while time.monotonic() - started < SOAK_S:
        time.sleep(5)
        for source, state in _status(env)["sources"].items():
            if source in seen and state.get("last_attempt"):
                seen[source].add(state["last_attempt"])
    final = _status(env)
    log = (tmp_path / "serve.log").read_text()
    # every source polled again and again, not once
    assert all(len(attempts) >= 5 for attempts in seen.values()), (seen, log[-3000:])
    assert final["ingest_loop_running"] is True
    for source, state in final["sources"].items():
        if source in seen:
            assert state["last_attempt_age_s"] <= 20, (source, state)
            assert state["state"] in ("ok", "late"), (source, state)   # 2 % chaos may make a poll late, not down
    # readings kept arriving (the simulator reports every minute in this run)
    assert _readings(env) > readings_at_start
    # and a page shows a value newer than the first poll
    first_poll = datetime.fromisoformat(first["sources"]["sensorthings"]["last_success"]).replace(tzinfo=None)
    shown = _data_page_success_time(browser, url, env)
    assert shown > first_poll.replace(second=0), (shown, first_poll)
    assert "Traceback" not in log, log[-3000:]

"""The report jobs on a real Celery worker over Redis, on PostgreSQL: a worker (`celery -A app:celery_app
worker --pool=solo`, its own OS process) makes the weekly pack the scheduler queues (one task per commune,
one of them failing), the image exports a
web process asks for, and the report page's Dash background callback, end to end through gunicorn.
Redis and PostgreSQL are required when CI=true."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid

import pytest
import requests
from itsdangerous import URLSafeSerializer

from tests.conftest import PG_ADMIN_URL, ROOT, free_port
from tests.integration.test_scale_cache import redis_url  # noqa: F401 - the fixture

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")
SECRET = "celery-test-secret-" + "x" * 20
PASSWORD = "a long test password"
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _wait_until(check, timeout_s: float, what: str, log_path=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    tail = log_path.read_text()[-3000:] if log_path and log_path.exists() else ""
    pytest.fail(f"{what} within {timeout_s:.0f} s\n{tail}")


@pytest.fixture(scope="module")
def stack(pg_template, redis_url, tmp_path_factory):
    """A migrated PostgreSQL database with the site and an administrator, a Celery worker and a gunicorn web
    process (2 workers) on it, both on Redis (cache and broker); all stopped afterwards."""
    import psycopg
    import redis

    from commands import users
    from auth.cli import cli_actor
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    base = tmp_path_factory.mktemp("celery")
    name = f"cdb_scale_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    db = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    engine = make_engine(db)
    sync_site(engine)                                   # both communes of sites/: the weekly job makes one report each
    users.create_user(cli_actor(), "t-admin", "administrator", PASSWORD, engine=engine)
    engine.dispose()
    redis.Redis.from_url(BROKER_URL).flushdb()          # no task left over from an interrupted run
    env = dict(os.environ, DATABASE_URL=db, CACHE_URL=redis_url, CELERY_BROKER_URL=BROKER_URL, SECRET_KEY=SECRET,
               REPORTS_DIR=str(base / "reports"), CACHE_DIR=str(base / "cache"), LOGIN_RATE_LIMIT="1000 per minute",
               REPORT_SCHEDULE="off", LOG_LEVEL="WARNING")
    worker_log = base / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool=solo",
                               "--loglevel=INFO", "-n", f"test-{uuid.uuid4().hex[:6]}@%h", "--without-gossip",
                               "--without-mingle"], cwd=ROOT, env=env, stdout=open(worker_log, "w"),
                              stderr=subprocess.STDOUT)
    port = free_port()
    web_log = base / "web.log"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
                            "-b", f"127.0.0.1:{port}", "app:server"], cwd=ROOT, env=env, stdout=open(web_log, "w"),
                           stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    from reports.tasks import _make_celery
    old = {k: os.environ.get(k) for k in ("CELERY_BROKER_URL", "CACHE_URL")}
    os.environ.update(CELERY_BROKER_URL=BROKER_URL, CACHE_URL=redis_url)
    from core.settings import get_settings
    get_settings.cache_clear()
    client_app = _make_celery()              # this test process sends tasks like the ingest process does
    for key, value in old.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    get_settings.cache_clear()
    try:
        _wait_until(lambda: worker.poll() is None and client_app.control.ping(timeout=1.0), 120,
                    "the Celery worker did not answer", worker_log)

        def web_up():
            try:
                return requests.get(url + "/healthz", timeout=2).ok
            except requests.RequestException:
                return False
        _wait_until(web_up, 90, "the web process did not start", web_log)
        yield {"url": url, "db": db, "celery": client_app, "reports": base / "reports", "worker_log": worker_log,
               "web_log": web_log}
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in(url: str) -> requests.Session:
    s = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(url + "/login", timeout=10).text).group(1)
    r = s.post(url + "/login", data={"username": "t-admin", "password": PASSWORD, "csrf_token": token},
               headers={"Origin": url}, allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:500]
    return s


def test_the_scheduled_weekly_job_is_one_task_a_commune_and_one_failing_does_not_stop_the_other(stack, monkeypatch,
                                                                                                use_store):
    from datetime import datetime, timezone

    from reports import archive, tasks
    from reports.meta import last_full_week
    use_store(stack["db"])                      # the scheduler asks the store which communes there are
    monkeypatch.setenv("REPORTS_DIR", str(stack["reports"]))
    monkeypatch.setattr(tasks, "CELERY_APP", stack["celery"])
    week = archive.week_key(last_full_week(datetime.now(timezone.utc)))
    reports = stack["reports"]
    blocked = reports / f"bao-cao-tuan-demo_xa_b-{week}.pdf"    # a folder where B's PDF must go: B fails for real
    blocked.mkdir(parents=True)
    (blocked / "keep").write_text("x")
    task_id = tasks.scheduled_weekly()                   # what the ingest process's scheduler runs
    assert task_id
    summary = stack["celery"].AsyncResult(task_id).get(timeout=400)
    assert summary["week"] == week and list(summary["failed"]) == ["demo_xa_b"]
    pdf, xlsx = sorted(summary["made"]["quang_tho"])
    assert os.path.dirname(pdf) == str(reports) and open(pdf, "rb").read(5) == b"%PDF-"
    assert xlsx.endswith(f"quang_tho-{week}.xlsx") and open(xlsx, "rb").read(2) == b"PK"
    record = json.loads((reports / ".runs" / f"demo_xa_b-{week}.json").read_text())
    assert (record["state"], record["ref"]) == ("failed", summary["failed"]["demo_xa_b"])
    log_text = lambda: stack["worker_log"].read_text()     # noqa: E731
    _wait_until(lambda: len(re.findall(rf"Task {tasks.COMMUNE_TASK}\[[0-9a-f-]+\] succeeded", log_text())) == 2
                and f"Task {tasks.SUMMARY_TASK}[{task_id}] succeeded" in log_text(), 30,
                "the worker did not log one task per commune and the summary", stack["worker_log"])
    assert summary["failed"]["demo_xa_b"] in log_text()      # the reference finds the traceback in the log
    # the cause removed, the same week queued again: both made, each file once
    (blocked / "keep").unlink()
    blocked.rmdir()
    again = stack["celery"].AsyncResult(tasks.scheduled_weekly()).get(timeout=400)
    assert again["failed"] == {} and sorted(again["made"]) == ["demo_xa_b", "quang_tho"]
    assert sorted(p.name for p in reports.iterdir() if p.name.endswith(f"-{week}.pdf")) == \
        [f"bao-cao-tuan-demo_xa_b-{week}.pdf", f"bao-cao-tuan-quang_tho-{week}.pdf"]
    assert json.loads((reports / ".runs" / f"demo_xa_b-{week}.json").read_text())["state"] == "made"


def test_an_image_export_asked_of_the_web_is_drawn_by_the_worker(stack):
    s = signed_in(stack["url"])
    png = s.get(stack["url"] + "/export/fb.weekly.png?period=30d", timeout=240)
    assert png.status_code == 200, png.text[:300]
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and png.headers["Content-Disposition"].startswith("attachment")
    _wait_until(lambda: re.search(r"Task reports\.export\[[0-9a-f-]+\] succeeded", stack["worker_log"].read_text()), 30,
                "the worker did not log the export task", stack["worker_log"])
    bad = s.get(stack["url"] + "/export/fb.weekly.png?period=nonsense", timeout=60)
    unknown = s.get(stack["url"] + "/export/no.such_panel.png", timeout=60)
    assert bad.status_code == 400 and unknown.status_code == 400      # a visitor's mistake, told by the worker
    csv = s.get(stack["url"] + "/export/fb.weekly.csv", timeout=60)   # tables stay in the web process
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")


def test_the_report_page_background_callback_runs_on_the_worker(stack):
    url = stack["url"]
    s = signed_in(url)
    page = s.get(url + "/reports", timeout=30).text
    config = json.loads(re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page,
                                  re.S).group(1))
    headers = {"Origin": url, "X-CSRFToken": s.cookies.get("_csrf_token"), "Content-Type": "application/json"}
    body = {"output": "..rep-result.children...rep-archive.children..",
            "outputs": [{"id": "rep-result", "property": "children"}, {"id": "rep-archive", "property": "children"}],
            "inputs": [{"id": "rep-make", "property": "n_clicks", "value": 1}],
            "state": [{"id": "rep-week", "property": "value", "value": "2026-W47"},
                      {"id": "rep-lang", "property": "data", "value": "vi"},
                      # what the page's layout hands the job (pages/reports.sign_scope with the stack's secret)
                      {"id": "rep-scope", "property": "data", "value": URLSafeSerializer(SECRET, salt="report-commune")
                       .dumps({"commune": "quang_tho", "allowed": ["quang_tho"]})},
                      {"id": "rep-commune", "property": "value", "value": ""}],
            "changedPropIds": ["rep-make.n_clicks"]}
    started = s.post(url + "/_dash-update-component", params={"endId": config["end_id"]}, data=json.dumps(body),
                     headers=headers, timeout=30)
    assert started.status_code == 200, started.text[:500]
    handles = started.json()
    assert {"cacheKey", "job"} <= handles.keys()
    params = {"endId": config["end_id"], "cacheKey": handles["cacheKey"], "job": handles["job"]}

    def finished():
        r = s.post(url + "/_dash-update-component", params=params, data=json.dumps(body), headers=headers, timeout=30)
        assert r.status_code in (200, 204), r.text[:500]
        answer = r.json() if r.status_code == 200 and r.content else {}
        return answer if "response" in answer else None
    answer = _wait_until(finished, 240, "the background callback did not finish", stack["worker_log"])
    made = json.dumps(answer["response"]["rep-result"], ensure_ascii=False)
    assert "bao-cao-tuan-quang_tho-2026-W47.pdf" in made and "bao-cao-tuan-quang_tho-2026-W47.xlsx" in made
    assert (stack["reports"] / "bao-cao-tuan-quang_tho-2026-W47.pdf").read_bytes()[:5] == b"%PDF-"
    _wait_until(lambda: re.search(r"Task background_callback_\w+\[[0-9a-f-]+\] succeeded", stack["worker_log"].read_text()),
                30, "the worker did not log the background callback", stack["worker_log"])
    download = s.get(url + "/reports/files/bao-cao-tuan-quang_tho-2026-W47.pdf", timeout=30)   # the web reads what the worker wrote
    assert download.status_code == 200 and download.content[:5] == b"%PDF-"

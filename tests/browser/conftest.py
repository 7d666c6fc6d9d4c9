"""Browser tests: the app served by gunicorn on a loopback port over a SQLite store filled by the real
path (the simulator -> adapters -> ingest), driven by Playwright in Debian's Chromium. Every page needs a
signed-in user: the store gets a viewer, an operator and an administrator, and `page_for` signs in as the
operator unless told otherwise."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "mật khẩu thử nghiệm 2026"
USERS = {"viewer": ("viewer", "Chủ tịch UBND"), "operator": ("operator", "Nguyễn Văn An"),
         "admin": ("administrator", "Quản trị viên"), "locked": ("viewer", "Người thử khoá")}
SECRET = "browser-tests-secret-key"
SHOTS = ROOT / "tests" / "browser" / "screenshots"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]   # the wall's alarm sound, as its kiosk runs it


@pytest.fixture(scope="session")
def app_store(tmp_path_factory, simulator_url):
    """A store filled by the real path (simulator -> adapters -> ingest) with ten days, alerts evaluated
    and a few seeded, and the test users: (database URL, folder, source URLs)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    base = tmp_path_factory.mktemp("app")
    db = f"sqlite:///{base / 'brain.db'}"
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine)
    urls = {"sensorthings": f"{simulator_url}/sta/v1.1", "frigate": f"{simulator_url}/frigate",
            "open311": f"{simulator_url}/open311/v2", "indicators": f"{simulator_url}/feeds"}
    backfill(10, engine=engine, urls=urls, progress=False)
    from alerts.engine import evaluate_all
    evaluate_all(engine)
    _seed_alert(engine)
    add_users(engine)
    engine.dispose()
    return db, base, urls


def add_users(engine) -> None:
    """The viewer, operator and administrators every browser test signs in as (same SECRET_KEY here
    and in gunicorn, so wall tokens made here are accepted there)."""
    os.environ["SECRET_KEY"] = SECRET
    from auth.cli import cli_actor
    from auth.secret import secret_key
    from commands import users
    from core.settings import get_settings
    get_settings.cache_clear()
    secret_key.cache_clear()
    for name, (role, display) in USERS.items():
        users.create_user(cli_actor(), name, role, PASSWORD, display, engine=engine)


def source_env(urls: dict) -> dict:
    return {"SENSORTHINGS_URL": urls["sensorthings"], "FRIGATE_URL": urls["frigate"], "OPEN311_URL": urls["open311"],
            "INDICATORS_URL": urls["indicators"]}


class AppUrl(str):
    db: str


@pytest.fixture(scope="session")
def app_url(app_store):
    from core.settings import get_settings
    db, base, urls = app_store
    proc, url = start_app(db, base, extra_env={**source_env(urls), "REPORTS_DIR": str(base / "reports")})
    get_settings.cache_clear()
    url = AppUrl(url)
    url.db = db
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def app_db(app_url):
    """The browser tests' store, for checking what the app wrote (the audit log) or issuing wall tokens."""
    return app_url.db


def start_app(db: str, base: Path, port: int | None = None, extra_env: dict | None = None):
    """The dashboard under gunicorn on a loopback port, as `make run` serves it; waits until it answers.
    Every test signs in from 127.0.0.1: the per-address sign-in limit (tested in tests/integration) would
    stop the suite, so it is raised here; the per-name limit a browser test floods stays as configured."""
    port = port or free_port()
    env = dict(os.environ, DATABASE_URL=db, CACHE_DIR=str(base / "cache"), SECRET_KEY=SECRET,
               LOGIN_RATE_LIMIT="1000 per minute", **(extra_env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
                             "-b", f"127.0.0.1:{port}", "app:server"], cwd=ROOT, env=env,
                            stdout=open(base / "app.log", "a"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {(base / 'app.log').read_text()[-2000:]}")
    return proc, url


def _seed_alert(engine):
    """Open high alerts, as pond stations going silent would raise them: water_4's for the alerts page
    test, water_2's for the map popup test, cam_03's for the camera map (a marker not clustered at 1366x768)."""
    from alerts.engine import apply
    from alerts.rules import Rule
    rule = Rule(id="device_silent", kind="device_silence", severity="high", title_vi="Thiết bị {device} không gửi dữ liệu",
                title_en="Device {device} has gone silent")
    with engine.begin() as conn:
        apply(conn, rule, "water_4", severity="high", cleared=False, now=int(time.time()), name="Trạm nước ao 4",
              device_id="water_4", village_id="thon_7")
        apply(conn, rule, "water_2", severity="high", cleared=False, now=int(time.time()), name="Trạm nước ao 2",
              device_id="water_2", village_id=None)
        apply(conn, rule, "cam_03", severity="high", cleared=False, now=int(time.time()), name="Camera 03",
              device_id="cam_03", village_id="thon_3")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors, AG Grid's warnings (a misused option, e.g. a row id that is not a string) and failed
    callbacks seen by a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" or (
            m.type == "warning" and "AG Grid" in m.text) else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)


_signed_in: dict[tuple[str, str], list[dict]] = {}


def session_cookies(app_url: str, user: str, fresh: bool = False) -> list[dict]:
    """Sign in through the sign-in form (over HTTP, faster than typing) and return the cookies; one
    session per user for the whole run unless `fresh` (a test that signs out)."""
    if not fresh and (app_url, user) in _signed_in:
        return _signed_in[(app_url, user)]
    import re
    s = requests.Session()
    page = s.get(f"{app_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(f"{app_url}/login", data={"username": user, "password": PASSWORD, "csrf_token": token},
               headers={"Origin": app_url}, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:500]
    cookies = [{"name": c.name, "value": c.value, "url": app_url} for c in s.cookies]
    if not fresh:
        _signed_in[(app_url, user)] = cookies
    return cookies


@pytest.fixture
def page_for(browser, app_url):
    contexts = []

    def _open(path: str = "/", width: int = 1366, height: int = 768, lang: str = "vi", theme: str = "light",
              user: str | None = "operator", fresh: bool = False):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
        ctx.add_cookies([{"name": "lang", "value": lang, "url": app_url},
                         {"name": "theme", "value": theme, "url": app_url}]
                        + (session_cookies(app_url, user, fresh) if user else []))
        contexts.append(ctx)
        page = ctx.new_page()
        watch = Watch(page)
        page.goto(app_url + path, wait_until="networkidle")
        settle(page)
        return page, watch
    yield _open
    for ctx in contexts:
        ctx.close()


def settle(page, timeout_ms: int = 90000):
    """Wait until Dash has no callback in flight."""
    page.wait_for_function("""() => !document.querySelector('._dash-loading')
        && !document.querySelector('[data-dash-is-loading="true"]')""", timeout=timeout_ms)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)


def click_on_map(page, selector: str) -> None:
    """Click a marker or outline drawn by Leaflet (an SVG path: dispatched, since paths under others
    cannot take a real pointer click)."""
    shape = page.locator(selector).first
    shape.wait_for(state="attached")
    shape.dispatch_event("click")

"""Left alone on a wall: every page survives a store where one source is down and every optional field
of every protocol is missing, and shows the other sources healthy; the source's recovery shows by
itself; a web server that dies and comes back is shown as cut off, then recovers with no reload."""
from __future__ import annotations

import os
import time

import pytest

from tests.browser.conftest import Watch, add_users, session_cookies, settle, start_app
from tests.browser.test_pages import PAGES
from tests.stores import degraded_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def degraded(tmp_path_factory):
    base = tmp_path_factory.mktemp("degraded")
    db = f"sqlite:///{base / 'brain.db'}"
    degraded_store(db)
    _users(db)
    proc, url = start_app(db, base)
    yield url, db, base
    proc.terminate()
    proc.wait(timeout=20)


def _users(db: str) -> None:
    from store.engine import make_engine
    engine = make_engine(db)
    add_users(engine)
    engine.dispose()


def _open(browser, url: str, path: str):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies(session_cookies(url, "operator"))
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(url + path, wait_until="networkidle")
    settle(page)
    return ctx, page, watch


# what a card says of its freshness ("Dữ liệu cũ, cập nhật lúc 01/12/2026 09:42") past the card's right edge
STICKING_OUT = """() => [...document.querySelectorAll('.kpi')].flatMap(card => {
    const edge = card.getBoundingClientRect().right;
    return [...card.querySelectorAll('.kpi-meta > *')].filter(el => el.getBoundingClientRect().right > edge + 1)
        .map(el => el.innerText.slice(0, 60));
})"""


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_a_source_down_and_every_optional_field_missing(browser, degraded, path):
    url, _db, _base = degraded
    ctx, page, watch = _open(browser, url, path)
    try:
        assert not watch.errors, watch.errors
        assert page.locator("#shell-error").inner_text().strip() == ""
        body = page.locator("main").inner_text()
        assert "nan" not in body.split() and "NaT" not in body and "Traceback" not in body
        assert not page.evaluate(STICKING_OUT), page.evaluate(STICKING_OUT)
    finally:
        ctx.close()


def test_the_data_page_shows_only_the_broken_source_down_and_its_recovery(browser, degraded):
    from sqlalchemy import update

    from store.engine import make_engine
    from store.models import SourceHealth
    from core.settings import get_settings
    url, db, base = degraded
    ctx, page, _ = _open(browser, url, "/data")
    try:
        rows = {r.locator("td").first.inner_text().split("\n")[0]: r.inner_text()
                for r in page.locator("#data-health tbody tr").all()}
        assert "Mất kết nối" in rows["frigate"]
        assert "Bình thường" in rows["sensorthings"] and "Bình thường" in rows["open311"]
        # Frigate answers again: the ingest process records a success and drops the cached health
        engine = make_engine(db)
        with engine.begin() as conn:
            now = int(time.time())
            conn.execute(update(SourceHealth).where(SourceHealth.source == "frigate").values(
                last_success_t=now, last_attempt_t=now, down_since_t=None, consecutive_failures=0))
        engine.dispose()
        os.environ["CACHE_DIR"] = str(base / "cache")
        get_settings.cache_clear()
        from queries.cache import invalidate
        invalidate("health")
        page.reload(wait_until="networkidle")
        settle(page)
        rows = {r.locator("td").first.inner_text().split("\n")[0]: r.inner_text()
                for r in page.locator("#data-health tbody tr").all()}
        assert "Bình thường" in rows["frigate"] and "Mất kết nối" not in rows["frigate"]
    finally:
        ctx.close()
        os.environ.pop("CACHE_DIR", None)
        get_settings.cache_clear()


def test_a_page_shows_it_is_cut_off_when_the_server_dies_and_recovers_alone(browser, tmp_path):
    from tests.conftest import free_port
    db = f"sqlite:///{tmp_path / 'brain.db'}"
    degraded_store(db)
    _users(db)
    port = free_port()
    proc, url = start_app(db, tmp_path, port=port)
    ctx, page, watch = _open(browser, url, "/")
    try:
        page.evaluate("window.__notReloaded = true")
        assert page.locator("#shell-watchdog").is_hidden()
        proc.terminate()
        proc.wait(timeout=20)
        page.wait_for_selector("#shell-watchdog:not([hidden])", timeout=30000)
        banner = page.locator("#shell-watchdog").inner_text()
        assert banner.startswith("Mất kết nối – dữ liệu lúc ") and banner[-5:-3].isdigit()
        assert page.evaluate("document.body.classList.contains('disconnected')")
        assert page.evaluate("getComputedStyle(document.querySelector('main.page')).filter").startswith("grayscale")
        proc, _ = start_app(db, tmp_path, port=port)
        back_at = page.evaluate("Date.now()")
        page.wait_for_selector("#shell-watchdog[hidden]", state="attached", timeout=30000)
        assert not page.evaluate("document.body.classList.contains('disconnected')")
        assert page.evaluate("window.__notReloaded === true")        # recovered in place, no reload
        # and it asked the server for fresh values again: a callback answered after the restart
        page.wait_for_function(f"() => window.brainWatchdog.state().lastGood > {back_at}", timeout=15000)
        assert not [e for e in watch.errors if "_dash-update-component" not in e and "healthz" not in e
                    and "ERR_CONNECTION_REFUSED" not in e and "Failed to fetch" not in e], watch.errors
    finally:
        ctx.close()
        proc.terminate()
        proc.wait(timeout=20)

"""/admin/walls in Chromium: an administrator changes a slide's duration in the form and saves; a wall that
was already open uses the new duration at its next configuration poll, and a wall opened afterwards uses
it at once. Screenshots of the editor at 1366x768 and 1920x1080 (tests/browser/screenshots/)."""
from __future__ import annotations

import json

import pytest

from tests.browser.conftest import SHOTS, Watch, session_cookies, settle, source_env, start_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WALLS = """# Màn hình thử của bài kiểm tra trình sửa
walls:
  - name: test
    title_vi: "Màn hình thử"
    alarm_severities: [critical]
    alarm_hold_s: 0
    playlists:
      - name: day
        slides:
          - {title_vi: "Một", panels: [ops.sources], columns: 1, duration_s: 60}
          - {title_vi: "Hai", panels: [ops.open_alerts], columns: 1, duration_s: 60}
"""


@pytest.fixture(scope="module")
def editor_app(app_store, tmp_path_factory):
    db, _base, urls = app_store
    folder = tmp_path_factory.mktemp("walls-admin")
    (folder / "walls.yaml").write_text(WALLS, encoding="utf-8")
    proc, url = start_app(db, folder, extra_env={**source_env(urls), "WALLS_FILE": str(folder / "walls.yaml")})
    yield url, folder
    proc.terminate()
    proc.wait(timeout=20)


def _context(browser, url, user, width=1366, height=768, lang="vi"):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                              timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies(session_cookies(url, user) + [{"name": "lang", "value": lang, "url": url}])
    return ctx


def _field(at: str) -> str:
    return "[id='" + json.dumps({"at": at, "type": "adm-wall-f"}, separators=(",", ":")) + "']"


def _step(page) -> str:
    return page.evaluate("() => document.body.getAttribute('data-wall-step')") or ""


def test_an_administrator_changes_a_slide_duration_and_the_walls_use_it(editor_app, browser):
    url, folder = editor_app
    SHOTS.mkdir(parents=True, exist_ok=True)
    running_ctx = _context(browser, url, "viewer", 1920, 1080)
    running = running_ctx.new_page()
    running_watch = Watch(running)
    running.goto(f"{url}/wall/test?wall_hour=10", wait_until="load")
    running.wait_for_selector("#wall-slide > *", timeout=30000)
    assert _step(running) == "day:0"                      # a 60 s slide, shown before the change

    ctx = _context(browser, url, "admin")
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(f"{url}/admin/walls", wait_until="networkidle")
    settle(page)
    assert page.locator(".wadm-slide").count() == 2
    assert page.locator("#adm-wall-open-wall").get_attribute("href") == "/wall/test"
    duration = page.locator(_field("0.0.0:duration_s"))
    assert duration.input_value() == "60"
    duration.fill("2")                                     # out of range: refused in words, nothing saved
    page.locator("#adm-wall-save").click()
    page.wait_for_selector("#adm-wall-problems", timeout=15000)
    assert "trang chiếu 1 › Thời lượng (giây): phải từ 3 trở lên" in page.locator("#adm-wall-problems").inner_text()
    assert "duration_s: 60" in (folder / "walls.yaml").read_text(encoding="utf-8")
    duration.fill("4")
    page.locator("#adm-wall-save").click()
    page.wait_for_selector("#adm-wall-saved", timeout=15000)
    assert "Thời lượng (giây) 60→4" in page.locator("#adm-wall-saved").inner_text()
    page.screenshot(path=str(SHOTS / "admin-walls-saved-1366x768.png"), full_page=True)
    assert "duration_s: 4" in (folder / "walls.yaml").read_text(encoding="utf-8")
    assert list(folder.glob("walls.yaml.*.bak"))

    # the wall that was open all along: the next configuration poll (20 s) brings the 4 s slide
    running.wait_for_function("() => document.body.getAttribute('data-wall-step') === 'day:1'", timeout=45000)
    # a wall opened now: slide 1 lasts 4 s
    fresh_ctx = _context(browser, url, "viewer", 1920, 1080)
    fresh = fresh_ctx.new_page()
    fresh_watch = Watch(fresh)
    fresh.goto(f"{url}/wall/test?wall_hour=10", wait_until="load")
    fresh.wait_for_selector("#wall-slide > *", timeout=30000)
    assert _step(fresh) == "day:0"
    fresh.wait_for_function("() => document.body.getAttribute('data-wall-step') === 'day:1'", timeout=10000)
    for c in (fresh_ctx, running_ctx):
        c.close()

    for width, height in ((1366, 768), (1920, 1080)):
        for lang in ("vi", "en"):
            shot_ctx = _context(browser, url, "admin", width, height, lang)
            shot = shot_ctx.new_page()
            shot_watch = Watch(shot)
            shot.goto(f"{url}/admin/walls", wait_until="networkidle")
            settle(shot)
            shot.screenshot(path=str(SHOTS / f"admin-walls-{lang}-{width}x{height}.png"))
            width_used = shot.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width_used[0] <= width_used[1], width_used              # no sideways scrolling
            if lang == "en":
                assert "Slides of playlist “day”" in shot.locator(".wadm-slides h3").inner_text()
            assert not shot_watch.errors, shot_watch.errors
            shot_ctx.close()
    assert not watch.errors, watch.errors
    assert not running_watch.errors and not fresh_watch.errors, (running_watch.errors, fresh_watch.errors)
    ctx.close()

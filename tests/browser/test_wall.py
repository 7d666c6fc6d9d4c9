"""The wall in Chromium: slides advance with their own durations, a cycle changes the filter, the time of
day picks the playlist, an alert stored in the database takes the screen within seconds with its sound,
holds the rotation and lets it resume where it was once acknowledged; a server restart is shown and
recovered from with no reload; every slide of the shipped walls fits one screen at 1920x1080 and 3840x2160
with text readable from five metres (screenshots, and a quarter-pixel copy of each to look at)."""
from __future__ import annotations

import time

import pytest

from tests.browser.conftest import SHOTS, Watch, session_cookies, source_env, start_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEST_WALLS = """
walls:
  - name: test
    title_vi: "Màn hình thử"
    alarm_severities: [critical]
    alarm_hold_s: 0
    playlists:
      - name: night
        hours: [22, 6]
        slides:
          - {title_vi: "Ban đêm", panels: [env.river_now], duration_s: 60}
      - name: evening
        hours: [18, 22]
        slides:
          - {title_vi: "Biểu đồ", panels: [env.pond_series, env.rain_daily], columns: 2, duration_s: 60}
      - name: day
        slides:
          - {title_vi: "Một", panels: [env.aqi_now, fb.reports_overdue], columns: 2, duration_s: 4}
          - {title_vi: "Theo thôn", panels: [fb.reports_overdue], cycle: {variable: village, values: [thon_1, thon_2], each_s: 4}}
          - {title_vi: "Ba", panels: [ops.sources], duration_s: 60}
          - {title_vi: "Trang", page: /environment, duration_s: 60, filters: {period: 7d}}
"""


@pytest.fixture(scope="module")
def walls(app_store, tmp_path_factory):
    """The app with a walls file of short slides (and the shipped one, for the screenshots)."""
    db, base, urls = app_store
    folder = tmp_path_factory.mktemp("walls")
    test_file = folder / "walls.yaml"
    test_file.write_text(TEST_WALLS, encoding="utf-8")
    proc, url = start_app(db, folder, extra_env={**source_env(urls), "WALLS_FILE": str(test_file)})
    yield url, db
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def wall_page(browser):
    contexts = []

    def _open(url: str, width: int = 1920, height: int = 1080):
        browser_ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                          timezone_id="Asia/Ho_Chi_Minh")
        base = url.split("/wall")[0]
        browser_ctx.add_cookies(session_cookies(base, "viewer"))      # a wall needs no more than a viewer
        contexts.append(browser_ctx)
        page = browser_ctx.new_page()
        watch = Watch(page)
        page.goto(url, wait_until="load")
        page.wait_for_selector("#wall-slide > *", timeout=30000)
        page.wait_for_timeout(800)
        return page, watch
    yield _open
    for c in contexts:
        c.close()


def _step(page) -> str:
    return page.evaluate("() => document.body.getAttribute('data-wall-step')") or ""


def _title(page) -> str:
    return page.locator("#wall-slide-title").inner_text()


def test_slides_advance_with_their_own_durations_and_a_cycle_changes_the_filter(walls, wall_page):
    url, _db = walls
    page, watch = wall_page(f"{url}/wall/test?wall_hour=10")
    assert _title(page) == "Một" and _step(page) == "day:0"
    assert page.locator("body.wall-mode").count() == 1 and page.locator(".shell-nav").is_hidden()
    page.wait_for_function("() => document.body.getAttribute('data-wall-step') === 'day:1'", timeout=8000)
    page.wait_for_function("() => document.querySelector('#wall-slide-title').innerText.includes('Thôn 1')", timeout=8000)
    covers = "(document.querySelector('#wall-slide .kpi-covers') || {}).innerText || ''"
    page.wait_for_function(f"() => ({covers}).includes('Thôn 1')", timeout=8000)   # the cycle value is the filter
    page.wait_for_function("() => document.querySelector('#wall-slide-title').innerText.includes('Thôn 2')", timeout=8000)
    page.wait_for_function(f"() => ({covers}).includes('Thôn 2')", timeout=8000)
    page.wait_for_function("() => document.body.getAttribute('data-wall-step') === 'day:3'", timeout=8000)
    page.wait_for_function("() => document.querySelector('#wall-slide-title').innerText === 'Ba'", timeout=8000)
    time.sleep(5)
    assert _step(page) == "day:3"                                # a 60 s slide stays
    width = page.evaluate("() => parseFloat(document.getElementById('wall-progress-bar').style.width)")
    assert 80 < width < 100                                      # the remaining time, shown
    assert not watch.errors, watch.errors


def test_a_page_as_a_slide_is_scaled_to_fit_one_screen(walls, wall_page):
    url, _db = walls
    page, watch = wall_page(f"{url}/wall/test?wall_hour=10&wall_step=4")
    assert _title(page) == "Trang"
    page.wait_for_selector("#wall-slide .js-plotly-plot", timeout=30000)
    page.wait_for_timeout(1500)
    box = page.evaluate("""() => { const b = document.querySelector('.wall-page-slide'), i = b.firstElementChild;
        const r = i.getBoundingClientRect(), o = b.getBoundingClientRect();
        return [r.bottom <= o.bottom + 2, i.style.transform]; }""")
    assert box[0] and box[1].startswith("scale("), box
    assert not watch.errors, watch.errors


def test_the_time_of_day_picks_the_playlist(walls, wall_page):
    url, _db = walls
    page, _ = wall_page(f"{url}/wall/test?wall_hour=23")
    assert _step(page) == "night:0" and _title(page) == "Ban đêm"
    page, _ = wall_page(f"{url}/wall/test?wall_hour=5")
    assert _step(page) == "night:0"
    page, _ = wall_page(f"{url}/wall/test?wall_hour=6")
    assert _step(page) == "day:0"


# the font size of every chart tick as it is first put on screen (before any later change to it)
FIRST_TICK_SIZES = """
window.__firstTickSizes = [];
new MutationObserver(records => records.forEach(record => record.addedNodes.forEach(node => {
    if (node.nodeType !== 1 || !node.closest || !node.closest('.wall')) return;
    [node, ...node.querySelectorAll('text')].filter(el => el.matches('.xtick text, .ytick text'))
        .forEach(el => window.__firstTickSizes.push(parseFloat(el.style.fontSize)));
}))).observe(document, {childList: true, subtree: true});
"""


def test_a_wall_chart_is_drawn_once_at_the_wall_text_size(walls, browser):
    """The server draws a figure for a laptop; on a 4K wall its text was drawn at that size and redrawn at the
    wall's a frame later: a flash of small text on every slide and refresh, and every chart drawn twice."""
    url, _db = walls
    ctx = browser.new_context(viewport={"width": 3840, "height": 2160}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies(session_cookies(url, "viewer"))
    ctx.add_init_script(FIRST_TICK_SIZES)
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(f"{url}/wall/test?wall_hour=19", wait_until="load")
    page.wait_for_function("() => document.body.getAttribute('data-wall-drawn') === 'evening:0'", timeout=60000)
    assert _title(page) == "Biểu đồ"
    page.wait_for_timeout(500)
    charts = page.locator("#wall-slide .js-plotly-plot").count()
    sizes = page.evaluate("() => window.__firstTickSizes")
    wall_size = round(2160 * 0.02)
    assert charts == 2 and len(sizes) >= 4 * charts, (charts, sizes)
    assert min(sizes) == wall_size, sorted(set(sizes))           # never drawn small first
    ctx.close()
    assert not watch.errors, watch.errors


def test_an_alert_takes_over_the_wall_plays_a_sound_and_the_playlist_resumes_after_acknowledgement(walls, wall_page):
    from alerts.engine import apply
    from alerts.lifecycle import acknowledge
    from alerts.rules import load_rules
    from core.settings import ROOT
    from store.engine import make_engine
    url, db = walls
    page, watch = wall_page(f"{url}/wall/test?wall_hour=10&wall_step=3")
    assert _step(page) == "day:3"
    engine = make_engine(db)
    rule = next(r for r in load_rules(ROOT / "sites" / "alert_rules.yaml").rules if r.id == "flood_level")
    with engine.begin() as conn:
        apply(conn, rule, "gauge_niem_pho", severity="critical", cleared=False, now=int(time.time()),
              name="Cầu Niêm Phò", device_id="gauge_niem_pho", village_id="thon_4", value=3.4)
    # how fast (target 5 s) is measured by `make bench` (bench/wall.py), not asserted on a shared machine
    page.wait_for_selector("#wall-alarm:not([hidden]) .wall-alarm-title", timeout=30000)
    text = page.locator("#wall-alarm").inner_text()
    assert "Cầu Niêm Phò" in text and "Thôn 4" in text and "KHẨN CẤP" in text
    assert "3,4 m" in text and "BĐ III 3,2" in text                # the value against the gauge's alarms
    assert "Thông báo qua loa truyền thanh" in text                # what the rule says to do
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "wall-alarm-1920x1080.png"))
    assert page.evaluate("() => document.getElementById('wall-sound').title") == "playing"
    assert page.evaluate("() => !document.getElementById('wall-sound').paused")
    held = _step(page)
    time.sleep(3)
    assert _step(page) == held                                     # the rotation waits under the alarm
    alert_id = int(page.locator("#wall-alarm [data-alert]").get_attribute("data-alert"))
    acknowledge(engine, alert_id, "Trực ban", "đã nhận")
    engine.dispose()
    page.wait_for_selector("#wall-alarm", state="hidden", timeout=10000)
    assert page.evaluate("() => document.getElementById('wall-sound').paused")
    assert _step(page) == held                                     # resumes where it stopped
    assert not watch.errors, watch.errors


def test_the_wall_survives_a_server_restart_by_itself(app_store, wall_page, tmp_path):
    """The server goes away under a rotating wall: the watchdog says so and greys the slide, the rotation
    goes on, and once the server is back the wall draws its slides again, with no reload."""
    from tests.conftest import free_port
    db, _base, urls = app_store
    (tmp_path / "walls.yaml").write_text(TEST_WALLS, encoding="utf-8")
    env = {**source_env(urls), "WALLS_FILE": str(tmp_path / "walls.yaml")}
    port = free_port()
    proc, url = start_app(db, tmp_path, port=port, extra_env=env)
    try:
        page, watch = wall_page(f"{url}/wall/test?wall_hour=10")
        page.wait_for_function("() => document.body.getAttribute('data-wall-drawn') === 'day:0'", timeout=30000)
        page.evaluate("() => { window.__notReloaded = true; }")
        proc.terminate()
        proc.wait(timeout=20)
        page.wait_for_selector("#shell-watchdog:not([hidden])", timeout=30000)
        assert page.locator("#shell-watchdog").inner_text().startswith("Mất kết nối – dữ liệu lúc ")
        assert page.evaluate("() => getComputedStyle(document.querySelector('.wall-slide')).filter").startswith("grayscale")
        down_at = _step(page)
        page.wait_for_function(f"() => document.body.getAttribute('data-wall-step') !== '{down_at}'", timeout=10000)
        drawn = page.evaluate("() => window.brainWall.count()")      # the rotation went on meanwhile, undrawn
        proc, _ = start_app(db, tmp_path, port=port, extra_env=env)
        page.wait_for_selector("#shell-watchdog[hidden]", state="attached", timeout=30000)
        assert page.evaluate("() => window.__notReloaded === true")        # recovered in place
        # the slide on screen is drawn in full again (asked again, or the next one), within seconds
        page.wait_for_function(f"""() => window.brainWall.count() > {drawn}
            && document.body.getAttribute('data-wall-drawn') === document.body.getAttribute('data-wall-step')""",
                               timeout=30000)
        assert not page.evaluate("() => document.body.classList.contains('disconnected')")
        away = ("_dash-update-component", "healthz", "ERR_CONNECTION_REFUSED", "Failed to fetch",
                "the server did not respond")                   # what the outage itself logs, nothing else
        assert not [e for e in watch.errors if not any(a in e for a in away)], watch.errors
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def five_metres(cdp, path, width: int, height: int) -> None:
    """The screen as seen from the back of the room: a quarter of its pixels (half of each side), drawn
    by Chromium itself at that scale, for a person to look at (tests/browser/screenshots/wall-*-quarter.png)."""
    import base64
    shot = cdp.send("Page.captureScreenshot", {"format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                                                           "scale": 0.5}})
    path.write_bytes(base64.b64decode(shot["data"]))


def _readable(page) -> dict:
    """Sizes against the screen: KPI numbers, labels, chart ticks; overflow of the page and of panels."""
    return page.evaluate("""() => {
        const vh = window.innerHeight / 100;
        const px = el => parseFloat(getComputedStyle(el).fontSize) / vh;
        const sizes = sel => [...document.querySelectorAll(sel)].map(px);
        const ticks = [...document.querySelectorAll('.wall .xtick text, .wall .ytick text, .wall .annotation-text, .wall .gtitle')]
            .map(t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize) / vh);
        const cut = [...document.querySelectorAll('.wall .panel-box, .wall .kpi')]
            .filter(b => b.scrollHeight > b.clientHeight + 2 || b.scrollWidth > b.clientWidth + 2)
            .map(b => b.innerText.slice(0, 40));
        return {kpi: sizes('.wall .kpi-value'), labels: sizes('.wall .kpi-label, .wall .panel-title, .wall .panel-covers, .wall .kpi-covers, .wall-fresh'), ticks,
                page: [document.documentElement.scrollHeight, window.innerHeight,
                       document.documentElement.scrollWidth, window.innerWidth], cut};
    }""")


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_every_slide_of_the_shipped_walls_fits_one_screen_and_reads_from_five_metres(app_store, browser, width, height,
                                                                                    tmp_path_factory):
    from core.settings import ROOT
    from core.site import load_site
    from core.walls import WallsFile, load_yaml_model, playlist_steps
    site = load_site(ROOT / "sites" / "quang_tho.yaml")
    db, base, urls = app_store
    shipped = load_yaml_model(ROOT / "sites" / "walls.yaml", WallsFile)
    folder = tmp_path_factory.mktemp(f"shipped{width}")
    # the shipped slides, with the alarm left to critical alerts: the store's seeded high alerts would
    # otherwise hold every screen (as they should on a real wall) and hide the slides from this check
    import yaml
    raw = yaml.safe_load((ROOT / "sites" / "walls.yaml").read_text(encoding="utf-8"))
    for wall in raw["walls"]:
        wall["alarm_severities"] = ["critical"]
    (folder / "walls.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    proc, url = start_app(db, folder, extra_env={**source_env(urls), "WALLS_FILE": str(folder / "walls.yaml")})
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
        ctx.add_cookies(session_cookies(url, "viewer"))
        page = ctx.new_page()
        watch = Watch(page)
        cdp = ctx.new_cdp_session(page)
        for wall in shipped.walls:
            for playlist in wall.playlists:
                hour = playlist.hours[0] if playlist.hours else 12
                count = len(next(p for p in playlist_steps(wall, site) if p["name"] == playlist.name)["steps"])
                seen_slides = set()
                for step in range(count):
                    flat = next(p for p in playlist_steps(wall, site) if p["name"] == playlist.name)["steps"][step]
                    if flat["slide"] in seen_slides:
                        continue                                  # one shot per slide, not per cycle value
                    seen_slides.add(flat["slide"])
                    page.goto(f"{url}/wall/{wall.name}?wall_hour={hour}&wall_step={step}", wait_until="load")
                    key = f"{playlist.name}:{step}"
                    page.wait_for_function(f"() => document.body.getAttribute('data-wall-drawn') === '{key}'",
                                           timeout=60000)         # every slot filled, charts drawn at wall size
                    page.wait_for_timeout(400)
                    name = f"wall-{wall.name}-{playlist.name}-{flat['slide']}-{width}x{height}"
                    page.screenshot(path=str(SHOTS / f"{name}.png"))
                    five_metres(cdp, SHOTS / f"{name}-quarter.png", width, height)
                    sizes = _readable(page)
                    where = f"{wall.name}/{playlist.name}/{flat['slide']} at {width}x{height}"
                    assert sizes["page"][0] <= sizes["page"][1] and sizes["page"][2] <= sizes["page"][3], where
                    assert all(s >= 8.0 for s in sizes["kpi"]), (where, sizes["kpi"])
                    assert all(s >= 2.2 for s in sizes["labels"]), (where, sizes["labels"])
                    assert all(s >= 1.8 for s in sizes["ticks"]), (where, sizes["ticks"])
                    assert not sizes["cut"], (where, sizes["cut"])
                    assert sizes["kpi"] or sizes["ticks"] or page.locator(".wall .panel-table td").count(), where
                    assert page.locator("#wall-alarm").is_hidden(), where
        assert not watch.errors, watch.errors
        ctx.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)

"""Every page in Chromium: loads with no console or callback errors, filters change what is shown, the
language switch changes the visible strings, a map click drills down, an operator resolves an alert and
the banner changes; screenshots at laptop, wall and phone sizes (looked at before calling it done)."""
import pytest

from tests.browser.conftest import SHOTS, click_on_map, session_cookies, settle

pytestmark = pytest.mark.browser
PAGES = ["/", "/environment", "/security", "/feedback", "/services", "/digital", "/alerts", "/data", "/city"]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_clean(page_for, path):
    page, watch = page_for(path)
    assert not watch.errors, watch.errors
    assert page.locator("#shell-error").inner_text().strip() == ""
    body = page.locator("main").inner_text()
    assert "Traceback" not in body and "Error" not in body
    assert page.locator("h1.page-title").count() == 1


@pytest.mark.parametrize("path", ["/environment", "/alerts"])
def test_the_preloaded_layout_and_plotly_are_fetched_once_and_used(browser, app_url, path):
    """A chart page's preload hints (app.py) start the layout, the callback map and plotly.js early:
    the renderer takes the preloaded answers (each asked once, no "preloaded but not used" warning), the
    page opened is the one drawn, and a chart page's charts are drawn by the plotly.js run early."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.add_cookies(session_cookies(app_url, "operator"))
    page = ctx.new_page()
    asked, warnings = [], []
    page.on("request", lambda r: asked.append(r.url))
    page.on("console", lambda m: warnings.append(m.text) if "preload" in m.text else None)
    page.goto(app_url + path, wait_until="networkidle")
    settle(page)
    for name in ("/_dash-layout", "/_dash-dependencies"):
        assert sum(u.split("?")[0].endswith(name) for u in asked) == 1, (name, asked)
    plotly_asked = sum(u.split("?")[0].endswith("/plotly/package_data/plotly.min.js") for u in asked)
    assert plotly_asked == (1 if path == "/environment" else 0), asked
    assert page.locator("h1.page-title").count() == 1 and page.evaluate("location.pathname") == path
    if path == "/environment":
        page.wait_for_function("() => document.querySelectorAll('.dash-graph .main-svg').length > 0", timeout=60_000)
        assert page.evaluate("typeof window.Plotly.newPlot") == "function"
    assert not warnings, warnings
    ctx.close()


def test_a_first_render_does_not_reset_every_component(browser, app_url):
    """Dash 4.4.1's renderer reset each component's state as it first mounted: one store dispatch per
    component (~370 on the overview), each re-running every component's selector. The renderer served
    carries upstream's fix (layouts/renderer_backport.py): no reset on a first render, and the page works."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.add_cookies(session_cookies(app_url, "operator"))
    ctx.add_init_script("""
        window.__dispatched = [];
        let store;
        Object.defineProperty(window, 'store', {configurable: true, get() { return store; }, set(s) {
            store = s;
            const dispatch = s.dispatch;
            s.dispatch = function (action) { window.__dispatched.push(action && action.type); return dispatch.apply(this, arguments); };
        }});""")
    page = ctx.new_page()
    page.goto(app_url + "/", wait_until="networkidle")
    settle(page)
    dispatched = page.evaluate("window.__dispatched")
    assert "SET_LAYOUT" in dispatched                   # the trap saw the renderer's store
    assert dispatched.count("RESET_COMPONENT_STATE") == 0, len(dispatched)
    assert page.locator("#ov-leaflet").count() == 1 and page.locator(".panel-body").count() > 5
    ctx.close()


def test_bundles_a_page_does_not_draw_load_when_a_later_page_draws_them(browser, app_url):
    """/services has no map and no table: its first visit runs dash-leaflet's and AG Grid's stand-ins (app.py),
    and Dash's polyfill is not fetched. Moving at once (before the 3 s prefetch) to the overview draws its map
    with its markers, then /alerts draws its table, with no error on the way."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    ctx.add_cookies(session_cookies(app_url, "operator"))
    page = ctx.new_page()
    asked, errors = [], []
    page.on("request", lambda r: asked.append(r.url.split("?")[0]))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url + "/services", wait_until="domcontentloaded")
    page.wait_for_function("() => document.querySelector('h1.page-title')", timeout=60_000)
    assert not any("/dash_leaflet/dash_leaflet." in u or "/dash_ag_grid/dash_ag_grid." in u for u in asked), asked
    assert not any("polyfill@" in u for u in asked) and page.evaluate("typeof regeneratorRuntime.mark") == "function"
    page.locator(".shell-links a[href='/'], .shell-links a[href^='/?']").first.click()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-container path.mk').length > 0", timeout=60_000)
    assert sum("/dash_leaflet/dash_leaflet." in u for u in asked) == 1
    page.locator(".shell-links a[href^='/alerts']").first.click()
    page.wait_for_function("() => document.querySelector('.ag-root')", timeout=60_000)
    settle(page)
    assert not errors, errors
    ctx.close()


def test_bad_url_parameters_show_a_message(page_for):
    page, watch = page_for("/environment?period=custom&start=2025-13-45&village=thon_99")
    assert "Ngày không hợp lệ" in page.locator("#env-error").inner_text()
    page, watch = page_for("/feedback?village=thon_99")
    assert "Không có thôn này" in page.locator("#fb-error").inner_text()


def test_filters_change_the_chart_and_the_url(page_for):
    page, _ = page_for("/environment")
    before = page.locator("#env-pond .gtitle").text_content()
    page.locator("#filter-parameter, [id*='parameter']").first.click()
    page.get_by_text("pH", exact=True).last.click()
    settle(page)
    # the chart's answer may come after the page looked settled on a busy machine: wait for the new title
    page.wait_for_function("b => (document.querySelector('#env-pond .gtitle') || {}).textContent !== b",
                           arg=before, timeout=60_000)
    assert "parameter=ph" in page.url
    # the shared period carries over on the navigation links
    assert "parameter" not in page.locator("a[href^='/security']").first.get_attribute("href")


def _operator_page_asking(browser, app_url, path: str):
    """(context, page, the callback bodies it has asked) for an operator in Vietnamese, the page settled."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies([{"name": "lang", "value": "vi", "url": app_url}] + session_cookies(app_url, "operator"))
    page = ctx.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or "") if "_dash-update-component" in r.url else None)
    page.goto(app_url + path, wait_until="networkidle")
    settle(page)
    return ctx, page, asked


def test_the_city_page_comes_with_its_table_and_a_new_period_redraws_it(browser, app_url):
    """The first visit gets the communes' table with the page (no callback is asked for it); choosing
    another period asks the city callback once and redraws the table and the period it covers."""
    ctx, page, asked = _operator_page_asking(browser, app_url, "/city")
    try:
        rows = page.locator(".city-table tbody tr")
        assert rows.count() == 2, page.locator("main").inner_text()[:500]
        assert "/?xa=demo_xa_b" in page.locator(".city-table").inner_html()
        assert not [body for body in asked if "city-table" in body]
        before = page.locator("#city-covers").inner_text()
        page.locator("#filter-period, [id*='period']").first.click()
        page.get_by_text("7 ngày", exact=True).last.click()
        settle(page)
        assert len([body for body in asked if "city-table" in body]) == 1
        assert page.locator("#city-covers").inner_text() != before and rows.count() == 2
    finally:
        ctx.close()


def test_the_overview_comes_with_its_markers_alerts_and_changes_and_the_tick_refreshes_them(browser, app_url):
    """A first visit of `/` gets the map's markers, the open alerts and the changes with the page (no
    callback is asked for them); the refresh tick asks the three callbacks, which send nothing unchanged
    (the markers stay, their popups open)."""
    ctx, page, asked = _operator_page_asking(browser, app_url, "/")
    try:
        assert page.locator("#ov-leaflet path.mk-dev-water_2").count() == 1
        assert page.locator("#ov-alerts .sev-pill").count() >= 1
        assert page.locator("#ov-changes").inner_text().strip()
        ours = ("ov-layer-", "ov-alerts", "ov-changes")
        assert not [body for body in asked if any(o in body for o in ours)]
        page.evaluate("() => window.dash_clientside.set_props('shell-tick', {n_intervals: 7})")
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
        settle(page)
        for o in ours:
            assert [body for body in asked if o in body], o
        click_on_map(page, "#ov-leaflet path.mk-dev-water_2")
        page.locator(".leaflet-popup .popup-act").first.wait_for(state="visible")
    finally:
        ctx.close()


def test_the_commune_switcher_opens_the_page_shown_for_the_other_commune(page_for):
    """Its links come with the layout for the page opened, and follow the page when the user moves on."""
    page, watch = page_for("/")

    def hrefs():
        page.locator(".shell-commune-toggle").click()
        links = page.locator("#shell-commune-switch a.dropdown-item[href*='xa=']")
        links.first.wait_for(state="visible")
        got = sorted(links.evaluate_all("els => els.map(e => e.getAttribute('href'))"))
        page.locator(".shell-commune-toggle").click()
        return got
    assert hrefs() == ["/?xa=demo_xa_b", "/?xa=quang_tho"]
    page.locator("a[href^='/environment']").first.click()
    page.wait_for_function("() => location.pathname === '/environment'")
    settle(page)
    assert hrefs() == ["/environment?xa=demo_xa_b", "/environment?xa=quang_tho"]
    assert not watch.errors, watch.errors


def test_the_user_menu_opens_closes_and_moves_in_place(page_for):
    """The header's menus are the browser's <details> (layouts/shell.py, shell_menu; no Popper at first
    render): a click opens the user menu, a click elsewhere or Escape closes it (focus back on its toggle),
    and picking an administrator's page moves there in place (no reload) and closes the menu."""
    page, watch = page_for("/alerts", user="admin")
    menu, toggle = page.locator("#shell-user"), page.locator("#shell-user summary")
    entries = page.locator("#shell-user .shell-menu-list")
    assert not entries.is_visible()
    toggle.click()
    entries.wait_for(state="visible")
    assert "Quản trị" in menu.inner_text() and page.locator("#shell-nav-audit").is_visible()
    page.locator("h1.page-title").click()
    entries.wait_for(state="hidden")
    toggle.click()
    entries.wait_for(state="visible")
    page.keyboard.press("Escape")
    entries.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.closest('#shell-user') !== null")
    page.evaluate("window.__same_document = true")
    toggle.click()
    page.locator("#shell-nav-audit").click()
    page.wait_for_function("() => location.pathname === '/admin/audit'")
    settle(page)
    assert page.evaluate("window.__same_document === true")       # moved in place: the scripts did not reload
    assert not entries.is_visible()
    assert not watch.errors, watch.errors


def test_language_switch_changes_every_visible_string(page_for):
    page, _ = page_for("/")
    vi = page.locator("header").inner_text() + page.locator("main").inner_text()
    assert "Tổng quan" in vi and "Chính quyền số" in vi
    page.locator("#shell-lang-switch").click()
    page.wait_for_load_state("networkidle")
    settle(page)
    en = page.locator("header").inner_text() + page.locator("main").inner_text()
    assert "Overview" in en and "Digital government" in en and "Tổng quan" not in en
    assert "Chính quyền số" not in en and "Không có dữ liệu" not in en


def test_map_click_drills_down_to_a_station(page_for):
    page, watch = page_for("/environment")
    click_on_map(page, "#env-leaflet path.mk-water_station")
    page.wait_for_function("() => location.search.includes('station=water_')", timeout=30000)
    settle(page)
    assert "Trạm nước ao" in page.locator("#env-pond").inner_text()
    assert not watch.errors, watch.errors


def test_map_click_on_a_village_filters_the_page_and_a_second_click_clears_it(page_for):
    page, watch = page_for("/security")
    click_on_map(page, "#sec-leaflet path.village-thon_3")
    page.wait_for_function("() => location.search.includes('village=thon_3')", timeout=30000)
    settle(page)
    assert "Thôn 3" in page.locator(".filter", has_text="Thôn").first.inner_text()
    villages_chart = page.locator("#sec-villages").inner_text()
    assert "Thôn 3" in villages_chart and "Thôn 5" not in villages_chart
    click_on_map(page, "#sec-leaflet path.village-thon_3")
    page.wait_for_function("() => !location.search.includes('village=')", timeout=30000)
    settle(page)
    assert not watch.errors, watch.errors


def test_operator_resolves_an_alert_and_the_banner_changes(page_for):
    page, watch = page_for("/alerts")
    banner_before = page.locator("#shell-alert-counts").inner_text()
    row = page.locator(".ag-row", has_text="Trạm nước ao 4").first
    row.click()
    settle(page)
    page.locator("#al-note").fill("Đã kiểm tra, trạm mất điện")
    page.locator("#al-ack").click()
    settle(page)
    assert "Đã xác nhận" in page.locator("#al-action-result").inner_text()
    page.locator("#al-resolve").click()
    settle(page)
    assert "Đã đóng" in page.locator("#al-action-result").inner_text()
    history = page.locator("#al-detail").inner_text()
    assert "Nguyễn Văn An" in history and "Xác nhận" in history and "Đóng" in history
    page.goto(page.url.split("/alerts")[0] + "/alerts", wait_until="networkidle")
    settle(page)
    assert page.locator("#shell-alert-counts").inner_text() != banner_before
    assert not watch.errors, watch.errors


def test_operator_acts_on_an_alert_from_the_map_popup(page_for):
    page, watch = page_for("/")
    banner_before = page.locator("#shell-alert-counts").inner_text()

    def popup_button(text):
        click_on_map(page, "#ov-leaflet path.mk-dev-water_2")
        button = page.locator(".leaflet-popup .popup-act", has_text=text)
        button.wait_for(state="visible")
        return button
    ack = popup_button("Xác nhận")
    alert_id = ack.get_attribute("data-alert-id")
    ack.click()
    page.locator("#shell-alert-modal").wait_for(state="visible")
    assert "Trạm nước ao 2" in page.locator("#shell-alert-summary").inner_text()
    page.locator("#shell-alert-note").fill("Đã báo kỹ thuật viên")
    page.locator("#shell-alert-confirm").click()
    page.locator("#shell-alert-ok").wait_for()
    assert "Đã xác nhận cảnh báo" in page.locator("#shell-alert-result").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "alert-dialog-1366x768.png"))
    page.locator("#shell-alert-cancel").click()
    settle(page)
    # acknowledged: the redrawn popup now offers only to resolve it
    if page.locator(".leaflet-popup").count():
        page.locator(".leaflet-popup-close-button").click()
    resolve = popup_button("Đóng cảnh báo")
    assert page.locator(".leaflet-popup .popup-act").count() == 1
    resolve.click()
    page.locator("#shell-alert-modal").wait_for(state="visible")
    page.locator("#shell-alert-confirm").click()           # acting as the signed-in operator, no name typed
    page.locator("#shell-alert-ok").wait_for()
    settle(page)
    assert page.locator("#shell-alert-counts").inner_text() != banner_before
    assert not watch.errors, watch.errors
    # the whole history, with who did what
    page.goto(page.url.rstrip("/") + f"/alerts?state=resolved&alert={alert_id}", wait_until="networkidle")
    settle(page)
    history = page.locator("#al-detail").inner_text()
    assert "Nguyễn Văn An" in history and "Đã báo kỹ thuật viên" in history
    assert "Xác nhận" in history and "Đóng" in history


def test_a_camera_with_an_open_alert_offers_the_actions_in_its_popup(page_for):
    page, watch = page_for("/security")
    click_on_map(page, "#sec-leaflet path.mk-dev-cam_03")
    # the click drills the page down to the camera, outlines its marker, and leaves its popup open
    page.wait_for_function("() => location.search.includes('camera=cam_03')", timeout=30000)
    settle(page)
    page.locator("#sec-leaflet path.mk-dev-cam_03.mk-selected").wait_for(state="attached")
    page.locator(".leaflet-popup .popup-act", has_text="Xác nhận").click()
    page.locator("#shell-alert-modal").wait_for(state="visible")
    assert "Camera 03" in page.locator("#shell-alert-summary").inner_text()
    assert not watch.errors, watch.errors


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080), (3840, 2160), (390, 844)])
def test_screenshot_every_page(page_for, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    w, h = size
    for path in PAGES:
        theme = "dark" if w >= 1920 else "light"
        page, watch = page_for(path, w, h, theme=theme)
        name = (path.strip("/") or "overview")
        page.screenshot(path=str(SHOTS / f"{name}-{w}x{h}.png"), full_page=True)
        assert not watch.errors, (path, watch.errors)
        # nothing wider than the screen: no horizontal scrolling at any size
        assert page.evaluate("document.documentElement.scrollWidth") <= w + 1, (path, w)

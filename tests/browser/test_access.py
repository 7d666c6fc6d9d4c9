"""Access control in Chromium: a viewer has no alert buttons and a forged callback POST from their signed-in
page is refused 403 and audited; an operator acts (test_pages.py); a wall link opens its wall and nothing
else and stops once revoked; signing out ends the session; the sign-in rate limit holds; the administrator's
pages and the sign-in page render under the CSP with no console error."""
import time

import pytest
import requests

from tests.browser.conftest import PASSWORD, SHOTS, Watch, click_on_map, settle

pytestmark = pytest.mark.browser


def _audit(db: str, **where) -> list[dict]:
    from sqlalchemy import select

    from store.engine import make_engine
    from store.models import AuditEntry
    engine = make_engine(db)
    q = select(AuditEntry.actor, AuditEntry.action, AuditEntry.outcome, AuditEntry.ip)
    for k, v in where.items():
        q = q.where(getattr(AuditEntry, k) == v)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
    finally:
        engine.dispose()


FORGE = """async (alertId) => {
    const token = document.cookie.match(/(?:^|; )_csrf_token=([^;]+)/)[1];
    const body = {output: 'al-action-result.children', outputs: {id: 'al-action-result', property: 'children'},
        inputs: [{id: 'al-ack', property: 'n_clicks', value: 1}, {id: 'al-resolve', property: 'n_clicks', value: null}],
        state: [{id: 'al-selected', property: 'data', value: alertId}, {id: 'al-note', property: 'value', value: 'forged'}],
        changedPropIds: ['al-ack.n_clicks']};
    const r = await fetch('/_dash-update-component', {method: 'POST', body: JSON.stringify(body),
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': decodeURIComponent(token)}});
    return r.status;
}"""


def test_a_viewer_has_no_buttons_and_a_forged_acknowledge_is_refused_and_audited(page_for, app_db):
    page, watch = page_for("/alerts", user="viewer")
    page.locator(".ag-row", has_text="Trạm nước ao 4").first.click()
    settle(page)
    assert not watch.errors, watch.errors          # nothing the viewer's own page does is refused
    assert page.locator("#al-ack").count() == 0 and page.locator("#al-resolve").count() == 0
    page.locator("#shell-user .dropdown-toggle").click()
    assert "Chủ tịch UBND" in page.locator("#shell-user").inner_text()
    page.keyboard.press("Escape")
    alert_id = int(page.locator(".ag-row", has_text="Trạm nước ao 4").first.get_attribute("row-id"))
    before = len(_audit(app_db, actor="viewer", outcome="denied"))
    assert page.evaluate(FORGE, alert_id) == 403
    denied = _audit(app_db, actor="viewer", outcome="denied")
    assert len(denied) == before + 1 and denied[-1]["action"] == "alert.action" and denied[-1]["ip"] == "127.0.0.1"
    # the alert was not touched: still listed among the open ones with no acknowledgement
    page.reload(wait_until="networkidle")
    settle(page)
    assert page.locator(".ag-row", has_text="Trạm nước ao 4").count() >= 1
    # and the map popups offer no buttons either
    page, watch = page_for("/", user="viewer")
    click_on_map(page, "#ov-leaflet path.mk-dev-water_2")
    page.locator(".leaflet-popup").wait_for(state="visible")
    assert page.locator(".leaflet-popup .popup-act").count() == 0
    assert not watch.errors, watch.errors


def test_an_operator_forged_request_from_another_site_is_refused(page_for, app_url):
    page, _ = page_for("/alerts")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    # a well-formed acknowledge, as another site's page would forge it (a malformed one is refused earlier, 400)
    body = {"output": "al-action-result.children", "outputs": {"id": "al-action-result", "property": "children"},
            "inputs": [{"id": "al-ack", "property": "n_clicks", "value": 1},
                       {"id": "al-resolve", "property": "n_clicks", "value": None}],
            "state": [{"id": "al-selected", "property": "data", "value": 1},
                      {"id": "al-note", "property": "value", "value": "forged"}],
            "changedPropIds": ["al-ack.n_clicks"]}
    r = requests.post(f"{app_url}/_dash-update-component", json=body,
                      cookies=cookies, headers={"Origin": "http://evil.example", "X-CSRFToken": cookies["_csrf_token"]})
    assert r.status_code == 403
    r = requests.post(f"{app_url}/_dash-update-component", json=body,
                      cookies={"brain_session": cookies["brain_session"]}, headers={"Origin": app_url})
    assert r.status_code == 403


def test_a_wall_link_opens_its_wall_and_nothing_else_and_stops_when_revoked(browser, app_url, app_db):
    from auth.cli import cli_actor
    from commands import tokens
    from store.engine import make_engine
    engine = make_engine(app_db)
    token_id, token = tokens.issue_wall_token(cli_actor(), "main", "Phòng họp UBND", engine=engine)
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = ctx.new_page()
        watch = Watch(page)
        page.goto(f"{app_url}/wall/main?token={token}&wall_hour=12", wait_until="load")
        page.wait_for_selector("#wall-slide .panel-body > *", timeout=30000)    # its panels answer a wall link
        assert "Quảng Thọ" in page.locator(".wall-commune").inner_text()
        page.wait_for_function("() => /\\d\\d:\\d\\d/.test(document.querySelector('#wall-clock').textContent)")
        assert page.locator("header").count() == 0              # no navigation shell for a wall
        page.wait_for_timeout(2500)                              # an alarm poll or two went through
        assert not watch.errors, watch.errors
        # asked with the page's own cookies (its session) but not as navigations: the open wall's scripts may
        # reload it on their own once it is revoked, and a navigation racing that has no response to read
        for path in ("/alerts", "/", "/data", "/wall/flood", "/admin/audit"):
            assert page.request.get(app_url + path, max_redirects=0).status == 403, path
        assert page.request.get(f"{app_url}/wall/main", max_redirects=0).status == 200
        tokens.revoke_wall_token(cli_actor(), token_id, engine=engine)
        assert page.request.get(f"{app_url}/wall/main", max_redirects=0).status == 403
        assert page.request.get(f"{app_url}/wall/main?token={token}", max_redirects=0).status == 403
    finally:
        ctx.close()
        engine.dispose()


def test_sign_out_ends_the_session(page_for, app_url):
    page, watch = page_for("/environment", fresh=True)
    stolen = {c["name"]: c["value"] for c in page.context.cookies()}
    page.locator("#shell-user .dropdown-toggle").click()
    page.locator("#shell-sign-out").click()
    page.wait_for_url("**/login?out=1")
    assert "Bạn đã đăng xuất" in page.locator("#auth-message").inner_text()
    page.goto(app_url + "/environment", wait_until="networkidle")
    assert "/login" in page.url and page.locator("#sign-in-form").count() == 1
    # a copy of the old cookie does not work either
    r = requests.get(f"{app_url}/environment", cookies={"brain_session": stolen["brain_session"]}, allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_signing_in_through_the_form_and_the_rate_limit_holds(browser, app_url):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        watch = Watch(page)
        page.goto(app_url + "/feedback", wait_until="networkidle")
        assert "/login" in page.url
        page.locator("#username").fill("operator")
        page.locator("#password").fill(PASSWORD)
        page.locator("#sign-in").click()
        page.wait_for_url("**/feedback")
        settle(page)
        assert page.locator("h1.page-title").count() == 1
        assert not watch.errors, watch.errors
        ctx.clear_cookies()
        # flooding one name with wrong passwords locks it for that address, whichever worker answers
        messages = []
        for i in range(10):
            page.goto(app_url + "/login", wait_until="networkidle")
            page.locator("#username").fill("locked")
            page.locator("#password").fill(f"sai mật khẩu {i}")
            page.locator("#sign-in").click()
            page.wait_for_load_state("networkidle")
            messages.append(page.locator("#auth-message").inner_text())
        assert any("quá nhiều" in m for m in messages), messages
        page.goto(app_url + "/login", wait_until="networkidle")
        page.locator("#username").fill("locked")
        page.locator("#password").fill(PASSWORD)        # the right password, too late
        page.locator("#sign-in").click()
        page.wait_for_load_state("networkidle")
        assert "/login" in page.url and "quá nhiều" in page.locator("#auth-message").inner_text()
    finally:
        ctx.close()


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/tokens"])
def test_administrator_pages_render_under_the_csp(page_for, path):
    page, watch = page_for(path, user="admin")
    assert page.locator("h1.page-title").count() == 1
    assert not watch.errors, watch.errors
    if path == "/admin/tokens":
        page.locator("#adm-tok-playlist").fill("man-hinh-chinh")
        page.locator("#adm-tok-issue").click()
        page.locator("#adm-tok-new-link").wait_for()
        assert "/wall/man-hinh-chinh?token=" in page.locator("#adm-tok-new-link").inner_text()
        settle(page)
        assert page.locator("#adm-tok-table").inner_text().count("man-hinh-chinh") >= 1
    else:
        page.locator(".ag-row").first.wait_for()
        assert "sign_in" in page.locator("#adm-audit-grid").inner_text()
    assert not watch.errors, watch.errors


def test_the_sign_in_page_renders_under_the_csp_in_both_languages(browser, app_url):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        watch = Watch(page)
        page.goto(app_url + "/login", wait_until="networkidle")
        assert page.locator("#sign-in").inner_text() == "Đăng nhập"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "sign-in-1366x768.png"))
        page.locator("#auth-lang").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#sign-in").inner_text() == "Sign in"
        assert not watch.errors, watch.errors
    finally:
        ctx.close()


def test_a_link_to_a_commune_the_user_may_not_see_opens_their_own_and_says_why(page_for, app_db):
    """A leader of one commune follows a link to another's page: the browser lands on the same page for their own
    commune (the URL without ?xa=), the header says why, and the panels, drawn for their commune, stay so when
    they refresh (they used to turn into refusals at the first refresh, reading the URL's commune)."""
    from auth.cli import cli_actor
    from commands import users
    from commands.users import UserError
    from store.engine import make_engine
    engine = make_engine(app_db)
    try:
        users.create_user(cli_actor(), "qt-only", "viewer", PASSWORD, "Cán bộ Quảng Thọ", engine=engine)
    except UserError:
        pass                                          # made by an earlier run against the same store
    users.set_communes(cli_actor(), "qt-only", ["quang_tho"], engine=engine)
    page, watch = page_for("/environment?xa=demo_xa_b&period=7d", user="qt-only")
    url = page.evaluate("location.pathname + location.search")       # (the filter bar adds its own parameters)
    assert url.startswith("/environment?period=7d") and "xa=" not in url, url
    assert "Tài khoản không được xem số liệu của xã này" in page.locator("#shell-commune-error").inner_text()
    assert "Quảng Thọ" in page.locator("#shell-commune-name").inner_text()
    # a refresh of every panel (the shell's tick, as every 60 s): none refuses
    page.evaluate("() => window.dash_clientside.set_props('shell-tick', {n_intervals: 99})")
    settle(page)
    assert page.locator("#_pages_content .panel-body").count() > 0
    assert "Tài khoản không được xem" not in page.locator("#_pages_content").inner_text()
    assert not watch.errors, watch.errors

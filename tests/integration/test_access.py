"""Access control through the real Flask app (test client): sign-in, sessions and their end, roles checked
on the server for forged callback POSTs (403 and an audit row), CSRF, security headers, wall tokens,
the audit export, and hostile values at the sign-in form and every role-checked callback (never a 500)."""
from __future__ import annotations

import itertools
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PASSWORD = "mật khẩu dài 2026"
_addresses = (f"10.1.{i // 250}.{i % 250 + 1}" for i in itertools.count())


@pytest.fixture
def web(sqlite_url, use_store, engine_for, site, monkeypatch):
    use_store(sqlite_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-for-access-tests")
    from core.settings import get_settings
    get_settings.cache_clear()
    from auth.secret import secret_key
    secret_key.cache_clear()
    engine = engine_for(sqlite_url)
    from ingest.site_sync import sync_site
    sync_site(engine, site)
    from auth.cli import cli_actor
    from commands import users
    admin = cli_actor()
    users.create_user(admin, "admin", "administrator", PASSWORD, "Quản trị viên", engine=engine)
    users.create_user(admin, "operator", "operator", PASSWORD, "Nguyễn Văn An", engine=engine)
    users.create_user(admin, "viewer", "viewer", PASSWORD, "Chủ tịch UBND", engine=engine)
    import app as app_module
    app_module.server.secret_key = "test-secret-key-for-access-tests"
    return app_module.app, engine


def client(app, https: bool = False):
    c = app.server.test_client()
    c.environ_base["REMOTE_ADDR"] = next(_addresses)
    c.base = "https://localhost" if https else "http://localhost"
    return c


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(c, username: str, password: str = PASSWORD):
    page = c.get("/login", base_url=c.base)
    return c.post("/login", base_url=c.base, headers={"Origin": c.base},
                  data={"username": username, "password": password, "csrf_token": form_token(page.get_data(as_text=True)),
                        "next": "/alerts"})


def signed_in(app, username: str):
    c = client(app)
    r = sign_in(c, username)
    assert r.status_code == 302 and r.headers["Location"] == "/alerts", r.get_data(as_text=True)[:500]
    return c


def dash_post(c, body: dict, origin: str | None = "http://localhost", token: str | None = "cookie"):
    headers = {}
    if origin:
        headers["Origin"] = origin
    if token == "cookie":
        cookie = c.get_cookie("_csrf_token")
        token = cookie.value if cookie else None
    if token:
        headers["X-CSRFToken"] = token
    return c.post("/_dash-update-component", data=json.dumps(body), content_type="application/json", headers=headers)


def seed_alert(engine, subject="water_4") -> int:
    from alerts.engine import apply
    from alerts.rules import Rule
    from sqlalchemy import select
    from store.models import Alert
    rule = Rule(id="device_silent", kind="device_silence", severity="high", title_vi="Thiết bị {device} im lặng",
                title_en="Device {device} silent")
    with engine.begin() as conn:
        apply(conn, rule, subject, severity="high", cleared=False, now=int(time.time()), name=subject,
              device_id=subject, village_id=None)
    with engine.connect() as conn:
        return int(conn.scalar(select(Alert.id).where(Alert.subject == subject)))


def ack_body(alert_id, note="kiểm tra") -> dict:
    return {"output": "al-action-result.children", "outputs": {"id": "al-action-result", "property": "children"},
            "inputs": [{"id": "al-ack", "property": "n_clicks", "value": 1},
                       {"id": "al-resolve", "property": "n_clicks", "value": None}],
            "state": [{"id": "al-selected", "property": "data", "value": alert_id},
                      {"id": "al-note", "property": "value", "value": note}],
            "changedPropIds": ["al-ack.n_clicks"]}


def audit_rows(engine, **where):
    from sqlalchemy import select
    from store.models import AuditEntry
    q = select(AuditEntry.actor, AuditEntry.action, AuditEntry.outcome, AuditEntry.ip, AuditEntry.target,
               AuditEntry.detail)
    for k, v in where.items():
        q = q.where(getattr(AuditEntry, k) == v)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def alert_state(engine, alert_id):
    from sqlalchemy import select
    from store.models import Alert
    with engine.connect() as conn:
        return conn.execute(select(Alert.state, Alert.acknowledged_by).where(Alert.id == alert_id)).first()


# --- signing in --------------------------------------------------------------------------------------

def test_every_page_needs_sign_in_but_the_sign_in_page_and_assets(web):
    app, _ = web
    c = client(app)
    for path in ("/", "/alerts", "/data", "/admin/audit", "/wall", "/environment?period=7d"):
        r = c.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), path
    assert c.get("/_dash-layout").status_code == 401
    assert c.get("/_dash-dependencies").status_code == 401
    assert c.get("/media/snapshot/1").status_code == 302
    assert c.get("/admin/audit.csv").status_code == 302
    assert c.get("/assets/10_app.css").status_code == 200
    page = c.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    assert "Đăng nhập" in page.get_data(as_text=True)
    c.set_cookie("lang", "en")
    assert "Sign in" in c.get("/login").get_data(as_text=True)


def test_a_wrong_password_is_refused_and_audited_a_right_one_signs_in(web):
    app, engine = web
    c = client(app)
    r = sign_in(c, "operator", "sai mật khẩu rồi")
    assert r.status_code == 401 and "không đúng" in r.get_data(as_text=True)
    assert c.get("/alerts").status_code == 302
    r = sign_in(c, "operator")
    assert r.status_code == 302
    assert c.get("/alerts").status_code == 200
    assert c.get("/_dash-layout").status_code == 200
    rows = audit_rows(engine, action="sign_in")
    assert {(r["actor"], r["outcome"]) for r in rows} == {("operator", "failed"), ("operator", "ok")}
    assert all(r["ip"].startswith("10.1.") for r in rows)


def test_session_cookie_flags_and_secure_over_https(web):
    app, _ = web
    c = client(app)
    sign_in(c, "viewer")
    cookie = c.get_cookie("brain_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    s = client(app, https=True)
    r = sign_in(s, "viewer")
    set_cookie = " ".join(r.headers.getlist("Set-Cookie"))
    assert "brain_session=" in set_cookie and "Secure" in set_cookie and "HttpOnly" in set_cookie
    assert "Strict-Transport-Security" in r.headers


def test_sign_out_ends_the_session_even_for_a_copy_of_the_cookie(web):
    app, engine = web
    c = signed_in(app, "operator")
    stolen = c.get_cookie("brain_session").value
    page = c.get("/logout")
    assert page.status_code == 200 and "Đăng xuất" in page.get_data(as_text=True)
    r = c.post("/logout", headers={"Origin": "http://localhost"}, data={"csrf_token": form_token(page.get_data(as_text=True))})
    assert r.status_code == 302 and r.headers["Location"] == "/login?out=1"
    assert c.get("/alerts").status_code == 302
    replay = client(app)
    replay.set_cookie("brain_session", stolen)
    assert replay.get("/alerts").status_code == 302
    assert replay.get("/_dash-layout").status_code == 401
    assert audit_rows(engine, action="sign_out")[0]["actor"] == "operator"


def test_idle_and_absolute_timeouts_end_the_session(web):
    app, engine = web
    from sqlalchemy import update
    from store.models import UserSession
    c = signed_in(app, "viewer")
    with engine.begin() as conn:
        conn.execute(update(UserSession).values(seen_t=int(time.time()) - 2 * 3600))
    assert c.get("/alerts").status_code == 302
    c = signed_in(app, "viewer")
    with engine.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.ended_t.is_(None))
                     .values(created_t=int(time.time()) - 13 * 3600))
    assert c.get("/alerts").status_code == 302
    assert sorted(r["detail"] for r in audit_rows(engine, action="session_expired")) == ["absolute", "idle"]


def test_a_background_tick_does_not_keep_a_session_alive(web):
    app, engine = web
    from sqlalchemy import select, update
    from store.models import UserSession
    c = signed_in(app, "viewer")
    old = int(time.time()) - 600
    with engine.begin() as conn:
        conn.execute(update(UserSession).values(seen_t=old))
    tick = {"output": "shell-clock.children", "outputs": {"id": "shell-clock", "property": "children"},
            "inputs": [{"id": "shell-clock-tick", "property": "n_intervals", "value": 5}],
            "changedPropIds": ["shell-clock-tick.n_intervals"]}
    dash_post(c, tick)
    with engine.connect() as conn:
        assert conn.scalar(select(UserSession.seen_t)) == old
    c.get("/alerts")
    with engine.connect() as conn:
        assert conn.scalar(select(UserSession.seen_t)) > old


def test_failed_sign_ins_per_name_and_address_are_throttled_across_workers(web, monkeypatch):
    app, engine = web
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    from core.settings import get_settings
    get_settings.cache_clear()
    c = client(app)
    for _ in range(3):
        assert sign_in(c, "admin", "wrong password!").status_code == 401
    r = sign_in(c, "admin")               # the right password, too late
    assert r.status_code == 429 and "quá nhiều" in r.get_data(as_text=True)
    assert c.get("/alerts").status_code == 302
    assert audit_rows(engine, action="sign_in", outcome="throttled")
    assert sign_in(client(app), "admin").status_code == 302      # another address is not blocked


def test_the_address_rate_limit_answers_429(web, monkeypatch):
    app, _ = web
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "3 per minute")
    from core.settings import get_settings
    get_settings.cache_clear()
    c = client(app)
    codes = [sign_in(c, f"nobody{i}", "whatever pass").status_code for i in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


# --- roles checked on the server ------------------------------------------------------------------------

def test_a_viewer_sees_no_action_buttons_and_a_forged_acknowledge_is_refused_403_and_audited(web):
    app, engine = web
    alert_id = seed_alert(engine)
    viewer = signed_in(app, "viewer")
    from flask import g
    from pages import alerts as alerts_page
    from commands.base import Actor
    with app.server.test_request_context("/alerts"):
        g.brain_actor = Actor("viewer", "viewer")
        assert "al-ack" not in str(alerts_page.layout())
        g.brain_actor = Actor("operator", "operator")
        assert "al-ack" in str(alerts_page.layout())
    r = dash_post(viewer, ack_body(alert_id))
    assert r.status_code == 403
    assert alert_state(engine, alert_id).state == "open"
    denied = audit_rows(engine, outcome="denied")
    assert denied and denied[0]["actor"] == "viewer" and denied[0]["action"] == "alert.action"
    operator = signed_in(app, "operator")
    r = dash_post(operator, ack_body(alert_id))
    assert r.status_code == 200 and "Đã xác nhận" in r.get_data(as_text=True)
    state = alert_state(engine, alert_id)
    assert state.state == "acknowledged" and state.acknowledged_by == "Nguyễn Văn An"
    ok = audit_rows(engine, action="alert.acknowledge", outcome="ok")
    assert ok[0]["actor"] == "operator" and ok[0]["target"] == f"alert:{alert_id}"


def _shell_confirm_key(app) -> str:
    return next(k for k in app.callback_map if "shell-alert-done.data" in k)


def test_the_map_dialog_acts_as_the_signed_in_user_and_refuses_a_viewer(web):
    app, engine = web
    alert_id = seed_alert(engine, "water_2")
    body = {"output": _shell_confirm_key(app),
            "outputs": [{"id": "shell-alert-result", "property": "children"}, {"id": "shell-alert-done", "property": "data"},
                        {"id": "shell-alert-confirm", "property": "disabled"}],
            "inputs": [{"id": "shell-alert-confirm", "property": "n_clicks", "value": 1}],
            "state": [{"id": "shell-alert-request", "property": "data", "value": {"id": alert_id, "action": "resolve"}},
                      {"id": "shell-alert-note", "property": "value", "value": "xong"}],
            "changedPropIds": ["shell-alert-confirm.n_clicks"]}
    assert dash_post(signed_in(app, "viewer"), body).status_code == 403
    assert alert_state(engine, alert_id).state == "open"
    assert dash_post(signed_in(app, "operator"), body).status_code == 200
    assert alert_state(engine, alert_id).state == "resolved"


def test_map_popups_offer_buttons_to_operators_only(web):
    app, engine = web
    from components.alert_actions import alert_popup
    alert = {"id": 3, "state": "open", "severity": "high", "title_vi": "x", "title_en": "x"}
    assert "data-alert-act" in alert_popup(alert, "vi", True)
    assert "data-alert-act" not in alert_popup(alert, "vi", False)
    assert "data-alert-act" not in alert_popup(alert, "vi")       # no signed-in user: no buttons


def test_a_viewer_cannot_upload_data(web):
    app, engine = web
    import base64
    content = "data:text/csv;base64," + base64.b64encode(b"indicator,scope,period,value\n").decode()
    body = {"output": next(k for k in app.callback_map if "data-preview.children" in k),
            "outputs": [{"id": "data-preview", "property": "children"}, {"id": "data-confirm", "property": "children"},
                        {"id": "data-confirm", "property": "style"}, {"id": "data-stored", "property": "children"}],
            "inputs": [{"id": "data-upload", "property": "contents", "value": content}],
            "state": [{"id": "data-upload", "property": "filename", "value": "x.csv"}],
            "changedPropIds": ["data-upload.contents"]}
    assert dash_post(signed_in(app, "viewer"), body).status_code == 403
    assert dash_post(signed_in(app, "operator"), body).status_code == 200
    assert audit_rows(engine, action="data.preview", outcome="denied")[0]["actor"] == "viewer"


def test_administrator_pages_and_export_refuse_others(web):
    app, engine = web
    viewer = signed_in(app, "viewer")
    assert viewer.get("/admin/audit.csv").status_code == 403
    body = {"output": next(k for k in app.callback_map if "adm-audit-grid.rowData" in k),
            "outputs": [{"id": "adm-audit-grid", "property": "rowData"}, {"id": "adm-audit-grid", "property": "columnDefs"},
                        {"id": "adm-audit-csv", "property": "href"}],
            "inputs": [{"id": f"adm-audit-{n}", "property": "value", "value": v}
                       for n, v in (("who", ""), ("action", ""), ("outcome", ""), ("days", "7"))],
            "changedPropIds": []}
    assert dash_post(viewer, body).status_code == 403
    operator = signed_in(app, "operator")
    assert dash_post(operator, body).status_code == 403
    admin = signed_in(app, "admin")
    r = dash_post(admin, body)
    assert r.status_code == 200 and "viewer" in r.get_data(as_text=True)


def test_audit_export_is_formula_safe_csv(web):
    app, engine = web
    from commands.audit import formula_safe
    from commands.base import Actor, audit
    audit(Actor("=HYPERLINK(\"http://evil\")", "viewer", "10.0.0.9"), "sign_in", "+cmd", "failed", "@SUM(A1)",
          engine=engine)
    admin = signed_in(app, "admin")
    r = admin.get("/admin/audit.csv?days=1")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM(A1)" in text
    assert not re.search(r"(^|,)[=+@]", text.replace("\ufeff", ""), re.M)
    assert formula_safe(None) == "" and formula_safe("-1") == "'-1" and formula_safe("Thôn 3") == "Thôn 3"


# --- cross-site request forgery --------------------------------------------------------------------------

def test_callbacks_without_the_token_or_from_another_origin_are_refused(web):
    app, engine = web
    alert_id = seed_alert(engine)
    operator = signed_in(app, "operator")
    assert dash_post(operator, ack_body(alert_id), token=None).status_code == 403
    assert dash_post(operator, ack_body(alert_id), token="forged-token-of-some-length").status_code == 403
    assert dash_post(operator, ack_body(alert_id), origin="http://evil.example").status_code == 403
    assert dash_post(operator, ack_body(alert_id), origin=None).status_code == 403
    assert alert_state(engine, alert_id).state == "open"
    assert {r["detail"] for r in audit_rows(engine, action="csrf")} == {"token", "origin"}
    assert dash_post(operator, ack_body(alert_id)).status_code == 200


def test_a_sign_in_form_from_elsewhere_is_not_accepted(web):
    app, _ = web
    c = client(app)
    r = c.post("/login", data={"username": "admin", "password": PASSWORD}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 302 and "expired" in r.headers["Location"]
    assert c.get("/alerts").status_code == 302


# --- headers ------------------------------------------------------------------------------------------------

def test_security_headers_and_a_csp_that_covers_every_inline_script(web):
    app, _ = web
    from auth.web import inline_script_hashes
    c = signed_in(app, "viewer")
    for path in ("/", "/login", "/alerts", "/_dash-layout"):
        r = c.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "'unsafe-eval'" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert "Server" not in r.headers
    index = c.get("/").get_data(as_text=True)
    hashes = inline_script_hashes(index)
    assert hashes and all(h in c.get("/").headers["Content-Security-Policy"] for h in hashes)
    assert "<script>" not in c.get("/login").get_data(as_text=True)


# --- wall tokens ------------------------------------------------------------------------------------------------

def _pages_body(pathname: str) -> dict:
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"]}


def test_a_wall_token_opens_its_wall_and_nothing_else_until_revoked(web):
    app, engine = web
    from auth.cli import cli_actor
    from commands import tokens
    token_id, token = tokens.issue_wall_token(cli_actor(), "main", "phòng họp", engine=engine)
    wall = client(app)
    assert wall.get(f"/wall/main?token={token}").status_code == 200
    assert wall.get("/wall/main").status_code == 200                    # the session remembers the token
    assert wall.get("/_dash-layout").status_code == 200
    assert "shell-alert-counts" not in wall.get("/_dash-layout").get_data(as_text=True)
    # the layout request draws the page its Referer names (layouts/first_page.py): for a wall link, only its wall
    for page, marker in (("/environment", "env.aqi_now"), ("/alerts", "alerts-")):
        drawn = wall.get("/_dash-layout", headers={"Referer": f"http://localhost{page}"})
        assert drawn.status_code == 200 and marker not in drawn.get_data(as_text=True), page
    assert dash_post(wall, _pages_body("/wall/main")).status_code == 200
    for path in ("/", "/alerts", "/data", "/wall/other", "/admin/audit", "/admin/audit.csv"):
        assert wall.get(path).status_code in (302, 403), path
    assert wall.get("/alerts").status_code == 403
    assert dash_post(wall, _pages_body("/alerts")).status_code == 403
    assert dash_post(wall, ack_body(seed_alert(engine))).status_code == 403
    assert client(app).get(f"/wall/other?token={token}").status_code == 403     # bound to its playlist
    assert client(app).get(f"/wall/main?token={token}x").status_code == 403     # signature checked
    tokens.revoke_wall_token(cli_actor(), token_id, engine=engine)
    assert wall.get("/wall/main").status_code == 403
    assert client(app).get(f"/wall/main?token={token}").status_code == 403
    assert audit_rows(engine, action="wall.open", outcome="ok")


def test_only_administrators_issue_and_revoke_tokens(web):
    app, engine = web
    from commands import tokens
    from commands.base import Actor, PermissionDenied
    with pytest.raises(PermissionDenied):
        tokens.issue_wall_token(Actor("operator", "operator", "10.0.0.1"), "main", engine=engine)
    with pytest.raises(PermissionDenied):
        tokens.revoke_wall_token(Actor("viewer", "viewer"), 1, engine=engine)
    assert audit_rows(engine, action="wall_token.issue", outcome="denied")


# --- hostile values: never a 500 ---------------------------------------------------------------------------------

hostile = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=300),
                    st.just("' OR 1=1 --"), st.just("<script>alert(1)</script>"), st.just("x" * 5000),
                    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(username=hostile, password=hostile, nxt=hostile)
def test_hostile_sign_in_forms_never_give_a_500(web, username, password, nxt):
    app, _ = web
    c = client(app)
    token = form_token(c.get("/login").get_data(as_text=True))
    data = {"csrf_token": token}
    for k, v in (("username", username), ("password", password), ("next", nxt)):
        if v is not None:
            data[k] = json.dumps(v) if not isinstance(v, str) else v
    r = c.post("/login", data=data, headers={"Origin": "http://localhost"})
    assert r.status_code in (302, 401, 429), r.status_code


ROLE_CHECKED = ("al-action-result.children", "shell-alert-done.data", "data-preview.children", "data-stored.children",
                "adm-audit-grid.rowData", "adm-tok-result.children", "adm-tok-list.children")


def _forged(app, key_part: str, values: list) -> dict:
    key = next(k for k in app.callback_map
               if key_part in k and not (key_part == "data-stored.children" and k.lstrip(".").startswith("data-preview")))
    cb = app.callback_map[key]
    it = iter(values * 10)
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]} for o in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": [{"id": d["id"], "property": d["property"], "value": next(it)} for d in cb["inputs"]],
            "state": [{"id": d["id"], "property": d["property"], "value": next(it)} for d in cb.get("state", [])],
            "changedPropIds": [f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(hostile, min_size=1, max_size=5), which=st.sampled_from(ROLE_CHECKED),
       role=st.sampled_from(["viewer", "operator", "admin"]))
def test_hostile_values_at_every_role_checked_callback_never_give_a_500(web, values, which, role):
    app, _ = web
    c = _clients.setdefault((id(app), role), signed_in(app, role))
    r = dash_post(c, _forged(app, which, values))
    assert r.status_code in (200, 204, 400, 403), (which, role, r.status_code, r.get_data(as_text=True)[:300])


_clients: dict = {}


def test_a_communes_user_never_sees_nor_downloads_another_communes_report(web, tmp_path, monkeypatch):
    """Two communes' reports in the archive; a user of commune B signed in through the real app: the
    reports page lists B's only, B's file downloads, A's answers 404 however its URL is guessed (the
    name it has, the older unnamed default-commune name, another extension, a path)."""
    app, engine = web
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    from core.settings import get_settings
    get_settings.cache_clear()
    from auth.cli import cli_actor
    from commands import users
    from ingest.site_sync import sync_site
    from queries.cache import clear
    from reports import archive
    from reports.meta import last_full_week
    sync_site(engine)                                     # every commune of sites/, A (the default) and B
    clear()
    a, b = "quang_tho", "demo_xa_b"
    monday = last_full_week()
    for commune in (a, b):
        archive.save(monday, "pdf", f"%PDF- of {commune}".encode(), commune)
        archive.save(monday, "xlsx", f"PK of {commune}".encode(), commune)
    archive.save(monday, "pdf", b"%PDF- unnamed, the default's", None)
    week = archive.week_key(monday)
    users.create_user(cli_actor(), "chi_b", "operator", PASSWORD, "Cán bộ xã B", engine=engine)
    users.set_communes(cli_actor(), "chi_b", [b], engine=engine)
    c = signed_in(app, "chi_b")
    page = dash_post(c, _pages_body("/reports"))
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert f"bao-cao-tuan-{b}-{week}.pdf" in shown and f"bao-cao-tuan-{a}-{week}" not in shown
    assert f"bao-cao-tuan-{week}.pdf" not in shown and "Quảng Thọ" not in shown
    own = c.get(f"/reports/files/bao-cao-tuan-{b}-{week}.pdf")
    assert own.status_code == 200 and own.data == f"%PDF- of {b}".encode()
    for guess in (f"bao-cao-tuan-{a}-{week}.pdf", f"bao-cao-tuan-{a}-{week}.xlsx", f"bao-cao-tuan-{week}.pdf",
                  f"BAO-CAO-TUAN-{a}-{week}.pdf", f"..%2Fbao-cao-tuan-{a}-{week}.pdf", f"bao-cao-tuan-{a}-{week}.pdf%00"):
        r = c.get(f"/reports/files/{guess}")
        assert r.status_code == 404 and b"%PDF-" not in r.data and b"PK of" not in r.data, guess
    # the filter of the page, forged to commune A: refused on the server, nothing of A's listed
    forged = dash_post(c, {"output": "rep-archive.children@" + _archive_output_hash(app),
                           "outputs": {"id": "rep-archive", "property": "children@" + _archive_output_hash(app)},
                           "inputs": [{"id": "rep-commune", "property": "value", "value": a}],
                           "state": [{"id": "rep-lang", "property": "data", "value": "vi"}],
                           "changedPropIds": ["rep-commune.value"]})
    assert forged.status_code == 200, forged.get_data(as_text=True)[:300]
    assert f"bao-cao-tuan-{a}-" not in forged.get_data(as_text=True)
    assert "Tài khoản không được xem số liệu của xã này" in forged.get_data(as_text=True)
    # an administrator with no commune assigned sees both
    everything = dash_post(signed_in(app, "admin"), _pages_body("/reports")).get_data(as_text=True)
    assert f"bao-cao-tuan-{a}-{week}.pdf" in everything and f"bao-cao-tuan-{b}-{week}.pdf" in everything
    get_settings.cache_clear()


def _archive_output_hash(app) -> str:
    """The suffix Dash gives the archive filter's duplicate output (allow_duplicate)."""
    key = next(k for k in app.callback_map if k.startswith("rep-archive.children@"))
    return key.split("@", 1)[1]


def _panel_refresh() -> dict:
    """A panel's refresh as a viewer's screen sends it (answered, then kept, by app.py)."""
    from tests.integration.test_served import pond_request
    return pond_request(tick=3)


def _live_session(engine) -> str:
    from sqlalchemy import select
    from store.models import UserSession
    with engine.connect() as conn:
        return conn.scalar(select(UserSession.id).where(UserSession.ended_t.is_(None)))


def test_a_session_kept_for_callbacks_ends_at_once_when_signed_out_anywhere(web):
    """Workers keep a session they read for callback requests (auth.web.KeptSessions). A change made beside
    the commands is seen by pages at once and by callbacks within SESSION_KEPT_S; signing out through the
    command (as another worker does) ends the kept session for the very next callback."""
    app, engine = web
    from sqlalchemy import update

    from auth.web import kept_sessions
    from commands import users
    from commands.base import Actor
    from store.models import UserSession
    c = signed_in(app, "viewer")
    assert dash_post(c, _panel_refresh()).status_code == 200
    sid = _live_session(engine)
    assert sid in kept_sessions._kept
    with engine.begin() as conn:                   # ended by hand, no command: nobody was told
        conn.execute(update(UserSession).where(UserSession.id == sid).values(ended_t=int(time.time())))
    assert dash_post(c, _panel_refresh()).status_code == 200          # the kept session, for a few seconds more
    assert c.get("/alerts").status_code == 302                  # a page always reads the store
    c = signed_in(app, "viewer")
    assert dash_post(c, _panel_refresh()).status_code == 200
    sid = _live_session(engine)
    assert dash_post(c, _panel_refresh()).headers.get("X-Answer") == "kept"
    users.sign_out(Actor("viewer", "viewer", None, "", None, sid))   # another worker's sign-out
    refused = dash_post(c, _panel_refresh())                   # nor is the kept answer handed out
    assert refused.status_code == 401 and refused.headers.get("X-Answer") is None


def test_component_bundles_use_the_kept_session_and_stop_at_sign_out(web):
    """A first visit asks for a dozen of Dash's bundles at once: they use the session kept for callbacks
    (auth.web._is_bundle), with the same bounds: a sign-out anywhere refuses the very next one."""
    app, engine = web
    from auth.web import kept_sessions
    from commands import users
    from commands.base import Actor
    c = signed_in(app, "viewer")
    bundles = re.findall(r'src="(/_dash-component-suites/[^"]+)"', c.get("/alerts").get_data(as_text=True))
    assert len(bundles) >= 3
    sid = _live_session(engine)
    kept_sessions.drop(sid)
    assert c.get(bundles[0]).status_code == 200
    assert sid in kept_sessions._kept                      # kept by the bundle's request
    assert all(c.get(b).status_code == 200 for b in bundles[1:])
    users.sign_out(Actor("viewer", "viewer", None, "", None, sid))
    assert c.get(bundles[0]).status_code == 401


def test_a_kept_answer_carries_the_pages_security_headers_and_needs_the_same_checks(web):
    """Callbacks get talisman's headers copied from the first one (auth.web._headers_kept_for_callbacks) and skip
    the limiter while no limit applies to them: the headers must be those a page gets, on a fresh answer and
    on a kept one, and the sign-in and CSRF checks still come before a kept answer."""
    app, _ = web
    c = signed_in(app, "viewer")
    page = c.get("/alerts").headers
    first, kept = dash_post(c, _panel_refresh()), dash_post(c, _panel_refresh())
    assert first.status_code == kept.status_code == 200 and kept.headers.get("X-Answer") == "kept"
    for r in (first, kept):
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                     "Permissions-Policy"):
            assert r.headers[name] == page[name], name
    token = c.get_cookie("_csrf_token").value
    no_token = c.post("/_dash-update-component", json=_panel_refresh(), headers={"Origin": "http://localhost"})
    assert no_token.status_code == 403 and no_token.headers.get("X-Answer") is None
    stranger = client(app)
    signed_out = stranger.post("/_dash-update-component", json=_panel_refresh(),
                               headers={"Origin": "http://localhost", "X-CSRFToken": token})
    assert signed_out.status_code in (401, 403) and signed_out.headers.get("X-Answer") is None


def test_a_limit_set_on_every_route_still_reaches_callbacks(web, monkeypatch):
    """The limiter is skipped for callbacks only while no limit could apply to them."""
    app, _ = web
    from flask_limiter import Limit

    from auth.web import limiter
    c = signed_in(app, "viewer")
    assert dash_post(c, _panel_refresh()).status_code == 200
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [Limit("2/minute", limiter._key_func)])
    codes = [dash_post(c, _panel_refresh()).status_code for _ in range(4)]
    assert codes[:2] == [200, 200] and 429 in codes[2:]


def test_a_disabled_user_or_a_new_role_reaches_kept_sessions_at_once(web):
    app, engine = web
    from auth.cli import cli_actor
    from auth.web import kept_sessions
    from commands import users
    c = signed_in(app, "operator")
    assert dash_post(c, _panel_refresh()).status_code == 200
    sid = _live_session(engine)
    users.set_role(cli_actor(), "operator", "viewer", engine=engine)
    assert dash_post(c, _panel_refresh()).status_code == 200
    assert kept_sessions._kept[sid][3].role == "viewer"
    users.set_active(cli_actor(), "operator", False, engine=engine)
    assert dash_post(c, _panel_refresh()).status_code == 401
    assert sid not in kept_sessions._kept

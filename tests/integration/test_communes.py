"""Many communes in one deployment (issue #20): every commune file loaded into the store with commune_id
wherever it is needed (both engines, migration 0009 included), the simulator serving several communes
each deterministically, panels answering per commune, and a user never seeing another commune's data
unless allowed: checked on the server at the panel callback, the export route, the pages' own callbacks
and the city page."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[2]
QT, DEMO = "quang_tho", "demo_xa_b"
NOW = 1_795_000_000   # a fixed moment (2026-11-18) for the simulator


def test_commune_files_are_told_apart_by_their_commune_key():
    from core.site import commune_files, get_sites, is_commune_file
    assert not is_commune_file(ROOT / "sites" / "walls.yaml")
    assert not is_commune_file(ROOT / "sites" / "alert_rules.yaml")
    files = commune_files(ROOT / "sites" / "quang_tho.yaml")
    assert files[0].name == "quang_tho.yaml" and {p.name for p in files} == {"quang_tho.yaml", "demo_xa_b.yaml"}
    sites = get_sites()
    assert [s.commune.id for s in sites] == [QT, DEMO]
    assert sites[1].commune.simulated and "demo" in sites[1].commune.name_en.lower()


def test_a_device_id_repeated_across_communes_is_refused(tmp_path):
    from core.errors import SiteConfigError
    from core.site import check_sites, load_site
    qt = load_site(ROOT / "sites" / "quang_tho.yaml")
    copy = qt.model_copy(update={"commune": qt.commune.model_copy(update={"id": "other"})})
    with pytest.raises(SiteConfigError):
        check_sites([qt, copy], [Path("a.yaml"), Path("b.yaml")])


def test_every_commune_reaches_the_store_with_its_commune_id(store_url, engine_for):
    from ingest.site_sync import sync_site
    from store.models import Commune, Device, Village
    engine = engine_for(store_url)
    counts = sync_site(engine)
    assert counts["communes"] == 2
    with engine.connect() as conn:
        communes = dict(conn.execute(select(Commune.id, Commune.position)).all())
        devices = dict(conn.execute(select(Device.id, Device.commune_id)).all())
        villages = dict(conn.execute(select(Village.id, Village.commune_id)).all())
    assert communes == {QT: 0, DEMO: 1}
    assert devices["air_1"] == QT and devices["gauge_phu_oc"] == QT      # no village: the site file's commune
    assert devices["demo_b_air_1"] == DEMO and villages["demo_b_thon_1"] == DEMO
    assert None not in devices.values()


def test_migration_0009_gives_rows_stored_before_it_their_commune(store_url, engine_for):
    from alembic import command

    from store.migrate import alembic_config
    engine = engine_for(store_url)
    cfg = alembic_config(store_url)
    cfg.attributes["engine"] = engine
    command.downgrade(cfg, "0008")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO communes (id, name, name_en, parent, center_lat, center_lon, zoom, simulated) "
                             "VALUES ('quang_tho', 'Q', 'Q', '', 16.5, 107.5, 13, true)")
        conn.exec_driver_sql("INSERT INTO villages (id, commune_id, name, center_lat, center_lon) "
                             "VALUES ('thon_1', 'quang_tho', 'Thôn 1', 16.5, 107.5)")
        for dev, village in (("air_1", "'thon_1'"), ("gauge_x", "NULL")):
            conn.exec_driver_sql("INSERT INTO devices (id, kind, name, village_id, source, from_site_file, simulated) "
                                 f"VALUES ('{dev}', 'air_station', 'x', {village}, 'none', true, true)")
        conn.exec_driver_sql("INSERT INTO reports (id, source, status, stage, requested_t, village_id) "
                             "VALUES ('QT-1', 'open311', 'open', 'open', 1, 'thon_1')")
        conn.exec_driver_sql("INSERT INTO alerts (rule_id, kind, subject, device_id, severity, state, title_vi, title_en, "
                             "opened_t, updated_t) VALUES ('r', 'threshold', 'air_1', 'air_1', 'high', 'open', 't', 't', 1, 1)")
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert dict(conn.exec_driver_sql("SELECT id, commune_id FROM devices").all()) == {"air_1": QT, "gauge_x": QT}
        assert conn.exec_driver_sql("SELECT commune_id FROM reports").scalar() == QT
        assert conn.exec_driver_sql("SELECT commune_id FROM alerts").scalar() == QT
        assert conn.exec_driver_sql("SELECT position FROM communes").scalar() == 0


# --- the simulator ------------------------------------------------------------------------------------

def _sim(files):
    from werkzeug.test import Client

    from simulator.server import SimulatorApp
    return Client(SimulatorApp(766, files, now_fn=lambda: NOW, chaos=0.0))


def _get(client, path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return r.get_json()


def test_the_simulator_serves_several_communes_each_deterministic():
    qt_file, demo_file = ROOT / "sites" / "quang_tho.yaml", ROOT / "sites" / "demo_xa_b.yaml"
    one, both, again = _sim([qt_file]), _sim([qt_file, demo_file]), _sim([qt_file, demo_file])
    window = "?start_date=2026-11-01T00:00:00Z&end_date=2026-11-15T00:00:00Z"
    # the same configuration answers the same, to the byte
    for path in ("/sta/v1.1/Things?$top=100", "/sta/v1.1/Datastreams(1001)/Observations?$top=50",
                 "/frigate/api/events?limit=200&after=1794900000", f"/open311/v2/requests.json{window}"):
        assert _get(both, path) == _get(again, path), path
    # Quảng Thọ's data is what it was when it was served alone
    assert _get(one, "/sta/v1.1/Datastreams(1)/Observations?$top=50") == \
        _get(both, "/sta/v1.1/Datastreams(1)/Observations?$top=50")
    qt_alone = _get(one, f"/open311/v2/requests.json{window}")
    mixed = _get(both, f"/open311/v2/requests.json{window}")
    assert [r for r in mixed if r["service_request_id"].startswith("QT-")] == qt_alone
    demo = [r for r in mixed if r["service_request_id"].startswith("DXB-")]
    assert demo and len(mixed) == len(qt_alone) + len(demo)
    # the demo commune has its own Things and its own seed: its first pond is not Quảng Thọ's first pond
    things = {t["name"] for t in _get(both, "/sta/v1.1/Things?$top=200")["value"]}
    assert "Trạm nước ao B1" in things and "Trạm nước ao 1" in things
    a = [o["result"] for o in _get(both, "/sta/v1.1/Datastreams(1)/Observations?$top=20")["value"]]
    b = [o["result"] for o in _get(both, "/sta/v1.1/Datastreams(1001)/Observations?$top=20")["value"]]
    assert a and b and a != b
    cams = {e["camera"] for e in _get(both, "/frigate/api/events?limit=500&after=1794800000")}
    assert any(c.startswith("demo_b_cam") for c in cams) and any(not c.startswith("demo_b_cam") for c in cams)


def test_simulator_communes_setting_picks_and_orders_the_communes(monkeypatch):
    from core.settings import get_settings
    monkeypatch.setenv("SIMULATOR_COMMUNES", f"{DEMO},{QT}")
    get_settings.cache_clear()
    try:
        assert [p.name for p in get_settings().simulator_site_files()] == ["demo_xa_b.yaml", "quang_tho.yaml"]
        monkeypatch.setenv("SIMULATOR_COMMUNES", "nowhere")
        get_settings.cache_clear()
        with pytest.raises(ValueError):
            get_settings().simulator_site_files()
    finally:
        get_settings.cache_clear()


# --- a store with both communes, ingested from the simulator ---------------------------------------

def open_alert_in_both(engine, subject: str, severity: str) -> None:
    """One open alert of the first threshold rule on a pond station of each commune (subject `<subject>-<device>`),
    stored as the alert engine stores it."""
    from alerts.engine import apply
    from alerts.rules import get_rules
    rule = next(r for r in get_rules().rules if r.kind == "threshold")
    with engine.begin() as conn:
        for dev in ("demo_b_water_1", "water_1"):
            apply(conn, rule, f"{subject}-{dev}", severity=severity, cleared=False, now=int(time.time()), name=dev,
                  device_id=dev)


@pytest.fixture(scope="module")
def two_communes(tmp_path_factory):
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from simulator.server import start_in_thread
    from store.engine import make_engine
    from store.migrate import upgrade
    server, url = start_in_thread(port=0, seed=766, site_file=[ROOT / "sites" / "quang_tho.yaml",
                                                               ROOT / "sites" / "demo_xa_b.yaml"])
    db = f"sqlite:///{tmp_path_factory.mktemp('communes') / 'brain.db'}"
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine)
    urls = {"sensorthings": f"{url}/sta/v1.1", "frigate": f"{url}/frigate", "open311": f"{url}/open311/v2",
            "indicators": f"{url}/feeds"}
    backfill(2, engine=engine, urls=urls, progress=False)
    engine.dispose()
    server.shutdown()
    return db


def test_ingest_gives_each_report_and_device_its_commune(two_communes, engine_for):
    from store.models import Device, IndicatorValue, Report
    engine = engine_for(two_communes)
    with engine.connect() as conn:
        by_commune = dict(conn.execute(select(Report.commune_id, Report.id).where(Report.id.like("DXB-%"))).all())
        qt = conn.execute(select(Report.commune_id).where(Report.id.like("QT-%")).distinct()).scalars().all()
        scopes = set(conn.scalars(select(IndicatorValue.scope).distinct()))
        registered = conn.execute(select(Device.id).where(Device.commune_id.is_(None))).scalars().all()
    assert set(by_commune) == {DEMO} and qt == [QT]
    assert {f"commune:{QT}", f"commune:{DEMO}"} <= scopes
    assert registered == []


def test_resolved_reports_are_counted_in_the_database_as_the_frame_counts_them(two_communes, use_store):
    """The overview's "reports resolved in the last day" (queries/reports.resolved_count) is what counting the
    resolved reports' frame gives, for each commune and for all, at several cut-offs."""
    use_store(two_communes)
    from datetime import datetime, timedelta, timezone

    from queries import reports
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=120)
    for commune in (QT, DEMO, None):
        frame = reports.reports(start, now, stage="resolved", limit=5000, commune=commune)
        for days in (1, 7, 60):
            since = now - timedelta(days=days)
            expected = int((frame["closed_time"] >= since).sum()) if not frame.empty else 0
            assert reports.resolved_count(start, now, since, commune=commune) == expected, (commune, days)
    everyone = reports.resolved_count(start, now, now - timedelta(days=60))
    assert everyone > 0 and everyone == sum(reports.resolved_count(start, now, now - timedelta(days=60), commune=c)
                                            for c in (QT, DEMO))


def test_panels_answer_for_the_commune_asked_about(two_communes, use_store):
    use_store(two_communes)
    from panels import Filters, data_for
    qt, demo = Filters(period="7d", commune=QT), Filters(period="7d", commune=DEMO)
    air_qt, air_demo = data_for("env.aqi_now", qt), data_for("env.aqi_now", demo)
    assert air_qt.scope == "device:air_1" and air_demo.scope == "device:demo_b_air_1"
    assert air_demo.value is not None
    assert data_for("env.aqi_now", Filters()).scope == "device:air_1"   # no commune: the default one
    week_qt, week_demo = data_for("fb.weekly", qt), data_for("fb.weekly", demo)
    assert week_qt.scope == f"commune:{QT}" and week_demo.scope == f"commune:{DEMO}"
    # the communes' reports are a partition of all reports: each counted once, in its own commune
    from queries import reports
    everyone = reports.report_stats(week_qt.start, week_qt.end)["received"]
    assert everyone > 0 and week_qt.frame["count"].sum() + week_demo.frame["count"].sum() == everyone
    assert week_qt.frame["count"].sum() == reports.report_stats(week_qt.start, week_qt.end, commune=QT)["received"]
    # another commune's village or device is a bad filter, not another commune's number
    assert data_for("fb.weekly", Filters(period="7d", commune=QT, village="demo_b_thon_1")).error is not None
    assert data_for("env.aqi_now", Filters(commune=QT, device="demo_b_air_1")).error is not None
    assert data_for("env.aqi_now", Filters(commune="nowhere")).error is not None
    from queries import events
    cams_qt, cams_demo = data_for("sec.events_week", qt), data_for("sec.events_week", demo)
    everyone = int(events.event_counts(cams_qt.start, cams_qt.end, "label")["count"].sum())
    assert cams_demo.value is not None and cams_qt.value + cams_demo.value == everyone


# --- who may see which commune -----------------------------------------------------------------------

@pytest.fixture
def users(two_communes, use_store, engine_for):
    use_store(two_communes)
    from auth.cli import cli_actor
    from commands import users as user_commands
    from store.models import User
    engine = engine_for(two_communes)
    admin = cli_actor()
    names = {}
    for name, communes in (("chi_qt", [QT]), ("both", [DEMO, QT]), ("anyone", [])):
        with engine.connect() as conn:
            exists = conn.scalar(select(User.id).where(User.username == name))
        if exists is None:
            user_commands.create_user(admin, name, "viewer", "mật khẩu dài 2026", engine=engine)
        user_commands.set_communes(admin, name, communes, engine=engine)
        with engine.connect() as conn:
            names[name] = conn.scalar(select(User.id).where(User.username == name))
    return names, engine


def _as(user_id, username):
    from flask import Flask, g

    from commands.base import Actor
    ctx = Flask(__name__).test_request_context("/")
    ctx.push()
    g.brain_actor = Actor(username, "viewer", "127.0.0.1", "", user_id, "s")
    return ctx


def _text(out) -> str:
    items = out if isinstance(out, (list, tuple)) else [out]
    return " ".join(str(o.to_plotly_json()) if hasattr(o, "to_plotly_json") else str(o) for o in items)


def test_a_user_is_refused_another_communes_data_on_the_server(users):
    from auth.communes import CommuneForbidden, allowed_communes, resolve_commune
    from layouts.panel_view import update_panel
    from store.models import AuditEntry
    ids, engine = users
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        assert allowed_communes() == [QT] and resolve_commune(None) == QT
        with pytest.raises(CommuneForbidden):
            resolve_commune(DEMO)
        slot = {"type": "panel-filters", "panel": "fb.reports_overdue", "slot": 0}
        # the URL's commune (through the shell store) and a forged slot filter are both refused
        for spec, shell in (({"filters": {}}, DEMO), ({"filters": {"commune": DEMO}}, None),
                            ({"filters": {"xa": DEMO}}, QT)):
            out, _ = update_panel(spec, 0, shell, slot, None)
            assert "Tài khoản không được xem số liệu của xã này" in _text(out), _text(out)[:300]
        ok, _ = update_panel({"filters": {}}, 0, QT, slot, None)
        assert "Tài khoản không được xem" not in _text(ok) and "kpi" in _text(ok)
        assert "commune=quang_tho" in _text(ok)        # its export links name the commune shown
    finally:
        ctx.pop()
    with engine.connect() as conn:
        denied = conn.execute(select(AuditEntry.actor, AuditEntry.target).where(
            AuditEntry.action == "commune.denied")).all()
    assert ("chi_qt", DEMO) in denied


def test_a_page_opened_for_a_commune_the_user_may_not_see_opens_their_own_and_says_why(sqlite_url, use_store,
                                                                                       engine_for, monkeypatch):
    """A full load of `?xa=<another's commune>` is redirected to the same page without it (the user's own commune,
    other parameters kept), audited, and the header says why in that page's first layout, once: drawn at the
    forged URL, the page showed the user's commune under the refusal and then, at the first refresh, the refusal
    in every panel (their callbacks read the URL's commune)."""
    import json

    use_store(sqlite_url)
    from auth.cli import cli_actor
    from commands import users
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from store.models import AuditEntry
    from tests.integration.test_app import _find, _layout_for
    engine = engine_for(sqlite_url)
    sync_site(engine)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    users.create_user(cli_actor(), "qt-only", "viewer", "a long test password")
    users.set_communes(cli_actor(), "qt-only", [QT])
    client = _signed_in_as(app_module.app, "qt-only")
    client.set_cookie("lang", "vi")

    r = client.get(f"/environment?period=30d&xa={DEMO}&village=v1")
    assert r.status_code == 302 and r.headers["Location"] == "/environment?period=30d&village=v1"
    said = json.dumps(_find(_layout_for(client, "http://localhost/environment?period=30d&village=v1"),
                            "shell-commune-error")["props"].get("children"), ensure_ascii=False)
    assert "Tài khoản không được xem số liệu của xã này" in said and DEMO in said
    again = _layout_for(client, "http://localhost/environment?period=30d&village=v1")
    assert not _find(again, "shell-commune-error")["props"].get("children")          # said once
    with engine.connect() as conn:
        assert conn.execute(select(AuditEntry.id).where(AuditEntry.action == "commune.denied",
                                                        AuditEntry.actor == "qt-only")).first()
    # a commune that does not exist: the same, with its own words; the user's own: the page, drawn for it
    r = client.get("/?xa=<img src=x onerror=alert(1)>")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    said = json.dumps(_find(_layout_for(client, "http://localhost/"), "shell-commune-error")["props"].get("children"),
                      ensure_ascii=False)
    assert "<img src=x onerror=alert(1)>" in said and "dangerouslySetInnerHTML" not in said     # text, not HTML
    assert client.get(f"/?xa={QT}").status_code == 200
    assert client.get(f"/?xa={DEMO}&xa={QT}").status_code == 200      # repeated: the page says so (layouts/pages.py)
    # not a page: the layout and the exports check the commune themselves, and nobody is redirected
    assert client.get(f"/_dash-layout?xa={DEMO}").status_code == 200
    assert client.get(f"/export/fb.reports_overdue.csv?xa={DEMO}").status_code != 302


def test_the_switcher_order_and_every_commune_for_an_unrestricted_user(users):
    from auth.communes import allowed_communes, resolve_commune
    ids, _ = users
    ctx = _as(ids["both"], "both")
    try:
        assert allowed_communes() == [DEMO, QT] and resolve_commune(None) == DEMO   # lands on the first
        assert resolve_commune(QT) == QT
    finally:
        ctx.pop()
    ctx = _as(ids["anyone"], "anyone")
    try:
        assert allowed_communes() == [QT, DEMO]
    finally:
        ctx.pop()


def test_the_city_page_lists_only_the_communes_the_user_may_see(users):
    import app  # noqa: F401 - pages register after the app exists
    from pages.city import update_city
    ids, _ = users
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        table, feats, covers, error = update_city("30d", {}, 0)
    finally:
        ctx.pop()
    assert error is None and [f["id"] for f in feats["features"]] == [QT]
    assert "Xã mô phỏng" not in str(table.to_plotly_json()) and "1 xã" in covers
    ctx = _as(ids["both"], "both")
    try:
        table, feats, covers, _ = update_city("30d", {}, 0)
    finally:
        ctx.pop()
    text = str(table.to_plotly_json())
    assert [f["id"] for f in feats["features"]] == [DEMO, QT] and "2 xã" in covers
    assert "/?xa=demo_xa_b" in text and "/?xa=quang_tho" in text


def test_the_city_page_shows_each_communes_panel_numbers(users):
    import app  # noqa: F401 - pages register after the app exists
    from pages.city import COLUMNS, commune_figures
    from panels import Filters, data_for
    figures = dict((c["id"], values) for c, values in commune_figures(Filters(period="30d"), [QT, DEMO]))
    for commune in (QT, DEMO):
        for key, panel_id in COLUMNS:
            assert figures[commune][key].value == data_for(panel_id, Filters(period="30d", commune=commune)).value
    assert figures[DEMO]["aqi"].value is not None and figures[QT]["766"].value is not None


def test_an_export_of_another_communes_panel_is_refused(users):
    from flask import Flask, g

    from commands.base import Actor
    from reports.routes import export
    ids, _ = users
    answers = {}
    for commune in (DEMO, QT):
        with Flask(__name__).test_request_context(f"/export/fb.reports_overdue.csv?xa={commune}"):
            g.brain_actor = Actor("chi_qt", "viewer", "127.0.0.1", "", ids["chi_qt"], "s")
            answers[commune] = export("fb.reports_overdue.csv")
    assert answers[DEMO].status_code == 400
    assert "không được xem" in answers[DEMO].get_data(as_text=True)
    assert answers[QT].status_code == 200 and b"Qu" in answers[QT].get_data()


def _signed_in_as(app, name: str):
    import re
    client = app.server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": name, "password": "a long test password", "csrf_token": token},
                    headers={"Origin": "http://localhost"})
    assert r.status_code == 302
    return client


def test_a_kept_answer_for_one_commune_is_never_served_to_a_user_refused_it(sqlite_url, use_store, engine_for,
                                                                            monkeypatch):
    """The served-answer cache (app.py) keys on the communes the user may see: what a user allowed both
    communes was answered is not handed, kept, to a user allowed only Quảng Thọ."""
    use_store(sqlite_url)
    from auth.cli import cli_actor
    from commands import users
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from tests.integration.test_app import signed_in_client
    from tests.integration.test_hostile_input import SignedIn
    sync_site(engine_for(sqlite_url))
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    both = SignedIn(signed_in_client(app_module.app, "viewer"))
    users.create_user(cli_actor(), "qt-viewer", "viewer", "a long test password")
    only_qt = SignedIn(_signed_in_as(app_module.app, "qt-viewer"))     # the same role: only the communes differ
    users.set_communes(cli_actor(), "t-viewer", [QT, DEMO])
    users.set_communes(cli_actor(), "qt-viewer", [QT])
    key = {"panel": "fb.reports_overdue", "slot": 0}
    filters_id = {"type": "panel-filters", **key}
    import json
    wildcard = lambda kind: json.dumps({"panel": ["MATCH"], "slot": ["MATCH"], "type": kind},  # noqa: E731
                                       separators=(",", ":"), sort_keys=True)
    body = {"output": f"..{wildcard('panel')}.children...{wildcard('panel-seen')}.data..", "outputs": [{"id": {"type": "panel", **key}, "property": "children"},
                                               {"id": {"type": "panel-seen", **key}, "property": "data"}],
            "changedPropIds": [], "inputs": [{"id": filters_id, "property": "data", "value": {"filters": {}}},
                                             {"id": "shell-tick", "property": "n_intervals", "value": 1},
                                             {"id": "shell-commune", "property": "data", "value": DEMO}],
            "state": [{"id": filters_id, "property": "id", "value": filters_id},
                      {"id": {"type": "panel-seen", **key}, "property": "data", "value": None}]}
    for c in (both, only_qt):
        c.set_cookie("lang", "vi")
    first = both.post("/_dash-update-component", json=body)
    kept = both.post("/_dash-update-component", json=body)
    assert first.status_code == 200 and kept.headers.get("X-Answer") == "kept"
    assert "không được xem" not in first.get_data(as_text=True)
    refused = only_qt.post("/_dash-update-component", json=body)
    assert refused.headers.get("X-Answer") is None
    assert "không được xem số liệu của xã này" in refused.get_data(as_text=True)


def test_an_operator_cannot_act_on_another_communes_alert(users):
    from commands import alerts as alert_commands
    from commands.base import Actor, PermissionDenied
    from store.models import Alert, AuditEntry
    ids, engine = users
    open_alert_in_both(engine, "test", "high")
    with engine.connect() as conn:
        by_device = dict(conn.execute(select(Alert.device_id, Alert.id).where(Alert.subject.like("test-%"))).all())
        communes = dict(conn.execute(select(Alert.device_id, Alert.commune_id).where(Alert.subject.like("test-%"))).all())
    assert communes == {"demo_b_water_1": DEMO, "water_1": QT}
    operator = Actor("chi_qt", "operator", "127.0.0.1", "", ids["chi_qt"], "s")
    with pytest.raises(PermissionDenied):
        alert_commands.acknowledge(operator, by_device["demo_b_water_1"], "không phải xã mình", engine=engine)
    assert alert_commands.acknowledge(operator, by_device["water_1"], "đã xem", engine=engine)
    with engine.connect() as conn:
        states = dict(conn.execute(select(Alert.device_id, Alert.state).where(Alert.subject.like("test-%"))).all())
        denied = conn.scalar(select(AuditEntry.detail).where(AuditEntry.action == "alert.acknowledge",
                                                            AuditEntry.outcome == "denied"))
    assert states == {"demo_b_water_1": "open", "water_1": "acknowledged"} and denied == f"commune {DEMO}"


def test_a_user_whose_communes_are_gone_sees_none_not_the_default(users, monkeypatch):
    import auth.communes as access
    ids, _ = users
    monkeypatch.setattr(access, "_assigned", lambda user_id: ("xa_da_bo",))   # its only commune was removed
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        assert access.allowed_communes() == []
        with pytest.raises(access.CommuneForbidden):
            access.resolve_commune(None)
    finally:
        ctx.pop()


def test_a_communes_share_is_checked_against_its_own_villages_only():
    import pandas as pd

    from queries.crosschecks import commune_outside_villages
    rows = [("smartphone_rate", f"village:{v}", "2026-10", x) for v, x in
            (("thon_1", 60.0), ("thon_2", 70.0), ("demo_b_thon_1", 80.0), ("demo_b_thon_2", 90.0))]
    rows += [("smartphone_rate", f"commune:{QT}", "2026-10", 65.0), ("smartphone_rate", f"commune:{DEMO}", "2026-10", 75.0)]
    df = pd.DataFrame(rows, columns=["indicator", "scope", "period", "value"])
    where = {"thon_1": QT, "thon_2": QT, "demo_b_thon_1": DEMO, "demo_b_thon_2": DEMO}
    found = commune_outside_villages(df, where)
    # 75 lies inside the union of all villages (60-90) but outside the demo commune's own (80-90)
    assert [(f["scope"], f["values"]["low"], f["values"]["high"]) for f in found] == [(f"commune:{DEMO}", 80.0, 90.0)]


def test_a_communes_map_popups_and_alert_banner_hold_only_its_own_alerts(users):
    """The overview's map reads its commune's alerts (not every commune's, 500 at most), and the header's
    banner, now counted with the layout, counts the URL's commune only when the user may see it."""
    from components.alert_actions import open_alerts_by_device
    from components.alert_banner import alert_banner
    from queries import site
    from queries.cache import invalidate
    ids, engine = users
    open_alert_in_both(engine, "banner", "critical")
    invalidate("alerts")
    assert "water_1" in open_alerts_by_device(QT) and "demo_b_water_1" not in open_alerts_by_device(QT)
    assert {"water_1", "demo_b_water_1"} <= set(open_alerts_by_device())
    ctx = _as(ids["chi_qt"], "chi_qt")
    try:
        own = str(alert_banner("vi", QT).to_plotly_json())
        other = str(alert_banner("vi", DEMO).to_plotly_json())
    finally:
        ctx.pop()
    assert "sev-critical" in own
    assert "sev-pill" not in other          # refused: nothing of the other commune, not even "no alerts"
    # one commune's row by id, the default one for None, nothing for an unknown id
    assert site.commune(DEMO)["id"] == DEMO and site.commune(None)["id"] == site.commune_ids()[0]
    assert site.commune("no_such_commune") == {}


def test_the_overviews_first_layout_holds_its_communes_markers_and_alerts_and_no_others(sqlite_url, use_store,
                                                                                      engine_for, monkeypatch):
    """`/` comes drawn in the first layout with its map's markers (popups with the operator's alert
    buttons), its open alerts and its changes, for the URL's commune only when the user may see it; the
    `-seen` stores hold what was drawn, so the first refresh with nothing new sends nothing."""
    import json

    use_store(sqlite_url)
    from auth.cli import cli_actor
    from commands import users
    from components.map import DEVICE_KINDS
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from queries.cache import invalidate
    from tests.integration.test_app import _find, _layout_for
    from tests.integration.test_hostile_input import SignedIn, _run
    engine = engine_for(sqlite_url)
    sync_site(engine)
    open_alert_in_both(engine, "first", "critical")
    invalidate("alerts")
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    users.create_user(cli_actor(), "qt-operator", "operator", "a long test password")
    users.set_communes(cli_actor(), "qt-operator", [QT])
    client = SignedIn(_signed_in_as(app_module.app, "qt-operator"))
    client.set_cookie("lang", "vi")

    def drawn(layout) -> tuple[dict, str, str]:
        feats = {f["id"]: f["properties"] for k in DEVICE_KINDS
                 for f in _find(layout, f"ov-layer-{k}")["props"]["data"]["features"]}
        return (feats, json.dumps(_find(layout, "ov-alerts")["props"].get("children")),
                json.dumps(_find(layout, "ov-changes")["props"].get("children")))

    for referer in ("http://localhost/", f"http://localhost/?xa={QT}", f"http://localhost/?xa={DEMO}"):
        layout = _layout_for(client, referer)
        feats, alerts, changes = drawn(layout)
        assert "water_1" in feats and "air_1" in feats, referer
        assert not [d for d in feats if d.startswith("demo_b_")], referer          # nothing of the other commune
        assert 'data-alert-act="acknowledge"' in feats["water_1"]["popup"]         # an operator's buttons
        assert "first-water_1" not in feats["air_1"]["popup"]
        assert "sev-critical" in alerts and "demo_b" not in alerts and "demo_b" not in json.dumps(layout)
        assert changes != "null"                                                   # drawn, not awaited
    refused = _layout_for(client, f"http://localhost/?xa={DEMO}")
    assert _find(refused, "shell-commune-error")["props"]["children"]              # and said so

    # the first refresh (the tick) brings nothing new: the stores already hold what the layout drew
    layout = _layout_for(client, "http://localhost/")
    for prefix, seen_id in (("..ov-layer-", "ov-map-seen"), ("..ov-alerts.", "ov-alerts-seen"),
                            ("..ov-changes.", "ov-changes-seen")):
        seen = _find(layout, seen_id)["props"]["data"]
        assert seen, seen_id
        values = [1, 0, None] if seen_id != "ov-changes-seen" else [1, None]     # tick, (alert done), commune
        assert json.loads(_run(client, app_module.app, prefix, values + [seen]))["response"] == {}, seen_id
        assert json.loads(_run(client, app_module.app, prefix, values + [None]))["response"], seen_id  # vs. a bare store

    # a user allowed both: the switcher's links open the page drawn, for each commune, from the layout on
    users.create_user(cli_actor(), "all-viewer", "viewer", "a long test password")
    every = _signed_in_as(app_module.app, "all-viewer")
    links = {}
    layout = _layout_for(every, f"http://localhost/environment?xa={DEMO}&period=30d")
    for cid in (QT, DEMO):
        links[cid] = _find(layout, {"type": "commune-link", "xa": cid})["props"]["href"]
    assert links == {QT: f"/environment?xa={QT}", DEMO: f"/environment?xa={DEMO}"}

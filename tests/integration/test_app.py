"""The Dash app without a browser: every page's layout renders bare (as Dash calls it at start-up) and
with hostile query strings; every callback's ids exist; bad URL parameters give a translated message."""
import pytest


@pytest.fixture
def app(sqlite_url, use_store, engine_for, site):
    use_store(sqlite_url)
    from ingest.site_sync import sync_site
    sync_site(engine_for(sqlite_url), site)
    import app as app_module
    return app_module.app


def signed_in_client(app, role: str = "administrator"):
    """A test client signed in through the sign-in form (every page needs a signed-in user)."""
    import re

    from auth.cli import cli_actor
    from commands import users
    name = f"t-{role}"
    try:
        users.create_user(cli_actor(), name, role, "a long test password")
    except users.UserError:
        pass
    client = app.server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": name, "password": "a long test password", "csrf_token": token},
                    headers={"Origin": "http://localhost"})
    assert r.status_code == 302
    return client


def _ids(component, out):
    cid = getattr(component, "id", None)
    if cid is not None:
        out.append(cid)
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for c in children:
            _ids(c, out)
    elif children is not None and hasattr(children, "to_plotly_json"):
        _ids(children, out)
    return out


def test_every_page_layout_renders_bare_and_with_hostile_query_strings(app):
    import dash
    for page in dash.page_registry.values():
        page["layout"]()
        page["layout"](period="<script>", village="../../etc", start="2025-99-99", station="x" * 5000, foo="bar")


# pattern-matching ids drawn from data (one revoke button per wall link; a panel's chart, drawn inside its slot
# when there is data to draw; commune links, only for users allowed several), never by a layout alone
DRAWN_BY_CALLBACKS = {"adm-tok-revoke", "panel-graph", "commune-link"}


def test_every_callback_input_and_output_exists_in_some_layout(app):
    import dash
    from flask import Flask
    from flask import g

    from commands.base import Actor
    bare = Flask(__name__)
    bare.secret_key = "test"              # the shell's sign-out form carries the session's CSRF token
    with bare.test_request_context("/"):
        g.brain_actor = Actor("admin", "administrator")     # every button and form an administrator sees
        ids = _ids(app.layout(), [])
        for page in dash.page_registry.values():
            ids += _ids(page["layout"](), [])
    static = {i for i in ids if isinstance(i, str)}
    dicts = [i for i in ids if isinstance(i, dict)]
    missing = []
    for cb in app.callback_map.values():
        for dep in cb["inputs"] + cb.get("state", []):
            cid = dep["id"]
            if cid.startswith("{"):
                import json
                want = json.loads(cid)
                if want.get("type") in DRAWN_BY_CALLBACKS:
                    continue
                if not any(all(v == d.get(k) or isinstance(v, list) for k, v in want.items() if k != "type") and
                           d.get("type") == want.get("type") for d in dicts):
                    missing.append(cid)
            elif cid not in static and cid not in ("_pages_location", "_pages_content", "_pages_store", "_pages_dummy"):
                missing.append(cid)
    assert not missing, missing


def _bar(**values):
    """What the shared filter callback receives from a page's bar: values, the dates store, the ids."""
    dates = values.pop("dates", None)
    return list(values.values()), [dates], [{"type": "filter", "name": k} for k in values]


def test_bad_url_parameters_give_a_translated_message_not_a_traceback(app):
    """The filter callback says once what is wrong, and hands the page's panels the same filters (each
    of which then refuses them with the same message instead of drawing)."""
    from dash import no_update
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from layouts.panel_view import apply_filters
    from flask import Flask
    slots = [{"filters": {"period": "7d"}, "size": "page"}, {"filters": {}, "size": "page", "pin": {"device": "gauge_1"}}]

    def run(**bar):
        context_value.set(AttributeDict(outputs_list=[[{"id": {"type": "filters-error", "page": "x"}}], []]))
        messages, specs = apply_filters(*_bar(**bar), slots)
        return messages[0], specs
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=vi"}):
        message, specs = run(period="custom", dates={"start": "2025-13-45", "end": None}, village=None, station=None,
                             parameter="do")
        assert "Ngày không hợp lệ" in str(message)
        assert specs[0]["filters"] == {"period": "custom", "start": "2025-13-45", "parameter": "do"}
        assert specs[1]["filters"]["device"] == "gauge_1"            # a pinned filter stays pinned
        message, _ = run(period="7d", village="thon_99", camera=None, label=None)
        assert "Không có thôn này" in str(message)
        message, _ = run(period="custom", dates={"start": "2025-06-10", "end": "2025-06-01"}, village=None)
        assert "kết thúc phải sau" in str(message)
        message, _ = run(period="7d", station="cam_03", parameter="do")
        assert message is not None                                    # a camera is not a pond station
        for hostile in ("not a dict", ["2025-01-01"], {"start": {"$gt": 1}, "end": 7}, {"start": "x" * 10_000}):
            message, specs = run(period="custom", dates=hostile, station=None)
            assert "Traceback" not in str(message) and message is not None     # a message, never an exception
        message, specs = run(period="7d", village=None, station=None, parameter="do")
        assert message is None and specs[0]["filters"] == {"period": "7d", "parameter": "do"}
        context_value.set(AttributeDict(outputs_list=[[], []]))
        _, specs = apply_filters(*_bar(period="7d", parameter="do"), [{"filters": {"period": "7d", "parameter": "do"}}])
        assert specs == [no_update]                                   # unchanged filters: the panel is not asked again
        _, specs = apply_filters(*_bar(severity="high"), slots)
        assert specs == [no_update, no_update]                        # no period filter: slots keep their own
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=en"}):
        message, _ = run(period="custom", dates={"start": "1900-01-01", "end": "2025-01-01"})
        assert "Period too long" in str(message)


def test_a_page_opened_from_a_bad_link_says_why_from_its_layout(app):
    """The filter callback runs only when the bar changes: the first message comes with the layout."""
    from flask import Flask

    from pages import environment, feedback
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=vi"}):
        assert "Ngày không hợp lệ" in str(environment.layout(period="custom", start="2025-13-45").to_plotly_json())
        assert "Không có thôn này" in str(feedback.layout(village="thon_99").to_plotly_json())
        assert "alert" not in str(feedback.layout().to_plotly_json()).lower()


def test_the_same_panel_appears_once_per_gauge_on_the_environment_page(app):
    from flask import Flask

    from pages import environment
    with Flask(__name__).test_request_context("/"):
        ids = [i for i in _ids(environment.layout(station="water_1"), []) if isinstance(i, dict)]
    river = [i for i in ids if i.get("type") == "panel" and i.get("panel") == "env.river_now"]
    assert len(river) == 3 and len({i["slot"] for i in river}) == 3


def test_navigation_comes_from_the_page_registry_and_hides_admin_pages(app):
    from flask import Flask, g

    from commands.base import Actor
    from layouts.shell import nav_entries
    bare = Flask(__name__)
    with bare.test_request_context("/"):
        g.brain_actor = Actor("viewer", "viewer")
        bar = nav_entries()
        assert bar[0] == ("overview", "/") and ("environment", "/environment") in bar and ("reports", "/reports") in bar
        assert [k for k, _ in bar].index("meeting") < [k for k, _ in bar].index("alerts")
        assert nav_entries("user") == []
        g.brain_actor = Actor("admin", "administrator")
        assert ("audit", "/admin/audit") in nav_entries("user")
        assert all(not path.startswith("/admin") for _, path in nav_entries())


def test_nothing_served_loads_from_outside(app):
    client = signed_in_client(app, "viewer")
    html = client.get("/").get_data(as_text=True)
    import re
    external = [u for u in re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html) if "127.0.0.1" not in u]
    assert not external
    for css in re.findall(r'href="(/assets/[^"]+\.css[^"]*)"', html):
        body = client.get(css).get_data(as_text=True)
        assert not re.search(r"url\(['\"]?https?://", body), css
        assert "@import" not in body or "http" not in body


def test_mbtiles_are_served_from_the_app_with_the_tms_row_flipped(app, tmp_path, monkeypatch):
    import sqlite3
    from core.settings import get_settings
    path = tmp_path / "commune.mbtiles"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        c.execute("INSERT INTO tiles VALUES (14, 13085, 9664, ?)", (b"\x89PNG-fake",))   # y 6719 at z14 in XYZ
    monkeypatch.setenv("MBTILES_FILE", str(path))
    get_settings.cache_clear()
    client = signed_in_client(app, "viewer")
    r = client.get("/tiles/14/13085/6719.png")
    assert r.status_code == 200 and r.data == b"\x89PNG-fake" and r.mimetype == "image/png"
    assert client.get("/tiles/14/13085/9664.png").status_code == 404
    from components.map import base_layers
    assert base_layers()[0].url == "/tiles/{z}/{x}/{y}.png"
    monkeypatch.delenv("MBTILES_FILE")
    get_settings.cache_clear()
    assert base_layers() == []          # offline default: no tiles at all


def test_alerts_page_preselects_an_alert_from_a_map_link(app):
    from pages import alerts
    from flask import Flask
    with Flask(__name__).test_request_context("/"):
        layout = alerts.layout(alert="7")
    def find(c, wanted):
        if getattr(c, "id", None) == wanted:
            return c
        kids = getattr(c, "children", None)
        for k in (kids if isinstance(kids, (list, tuple)) else [kids]):
            if k is not None and hasattr(k, "to_plotly_json"):
                hit = find(k, wanted)
                if hit is not None:
                    return hit
        return None
    assert find(layout, "al-selected").data == 7


def _find(node, wanted_id):
    """The component (as Dash's JSON) with this id in a layout, or None."""
    if isinstance(node, dict):
        if isinstance(node.get("props"), dict) and node["props"].get("id") == wanted_id:
            return node
        for value in node.values():
            found = _find(value, wanted_id)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find(value, wanted_id)
            if found is not None:
                return found
    return None


def _layout_for(client, referer=None):
    import json
    r = client.get("/_dash-layout", headers={"Referer": referer} if referer else {})
    assert r.status_code == 200
    return json.loads(r.get_data(as_text=True))


def test_the_page_being_opened_comes_drawn_in_the_first_layout(app):
    """The browser's layout request names the page (Referer): the page container holds that page with
    its panels drawn, and the Location already holds the URL, so neither the router nor a panel callback
    is needed to show it."""
    client = signed_in_client(app, "viewer")
    layout = _layout_for(client, "http://localhost/environment?period=30d&parameter=ph")
    location = _find(layout, "_pages_location")["props"]
    assert (location["pathname"], location["search"]) == ("/environment", "?period=30d&parameter=ph")
    assert _find(layout, "_pages_store")["props"]["data"] == {"title": "Môi trường – Bộ não số"}
    pond = {"type": "panel", "panel": "env.pond_series", "slot": 0}
    body = _find(layout, pond)
    assert body is not None and body["props"]["children"]        # drawn, not waiting for its callback
    spec = _find(layout, {**pond, "type": "panel-filters"})["props"]["data"]
    assert spec["filters"]["period"] == "30d" and spec["filters"]["parameter"] == "ph"   # the URL's filters
    assert _find(layout, {**pond, "type": "panel-seen"})["props"]["data"]     # the first refresh sends nothing unchanged
    assert "data" not in _find(layout, "shell-commune")["props"]     # no ?xa=: the default commune, as the store says
    shell_url = _find(layout, "shell-url")["props"]
    assert (shell_url["pathname"], shell_url["search"]) == ("/environment", "?period=30d&parameter=ph")
    # behind a proxy that ends TLS the browser's Referer says https while this server sees http
    behind_proxy = _layout_for(client, "https://localhost/alerts")
    assert _find(behind_proxy, "_pages_location")["props"]["pathname"] == "/alerts"


def test_without_a_usable_referer_the_router_draws_the_page_as_before(app):
    client = signed_in_client(app, "viewer")
    for referer in (None, "http://elsewhere.example/environment", "http://localhost/no-such-page", "ftp://localhost/alerts",
                    "http://localhost/_dash-layout"):
        layout = _layout_for(client, referer)
        content = _find(layout, "_pages_content")["props"]
        assert not content.get("children"), referer
        assert "pathname" not in _find(layout, "_pages_location")["props"]


def test_the_commune_of_the_opened_url_is_the_one_drawn_and_named(app):
    """?xa= of the opened page: the shell's commune store starts with it (so the browser's copy of the URL
    changes nothing), the panels are drawn for it; a commune the user may not see is refused in the header."""
    client = signed_in_client(app, "viewer")
    layout = _layout_for(client, "http://localhost/?xa=quang_tho")
    assert _find(layout, "shell-commune")["props"]["data"] == "quang_tho"
    slot = _find(layout, {"type": "panel-filters", "panel": "env.aqi_now", "slot": 0})
    assert slot["props"]["data"]["filters"].get("commune") == "quang_tho"
    refused = _layout_for(client, "http://localhost/?xa=not-a-commune")
    assert _find(refused, "shell-commune-error")["props"]["children"]      # said in the header, as the callback did


def test_the_browser_gets_the_custom_plotly_bundle_behind_the_sign_in(app):
    from layouts.plotly_bundle import PLOTLY_PATH
    assert app.server.test_client().get(PLOTLY_PATH).status_code in (302, 401)
    client = signed_in_client(app, "viewer")
    r = client.get(PLOTLY_PATH)
    assert r.status_code == 200 and b"plotly.js (custom - minified)" in r.data[:200]
    assert client.get(PLOTLY_PATH, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def _has_component(node, namespace: str, type_: str | None = None) -> bool:
    if isinstance(node, dict):
        if node.get("namespace") == namespace and type_ in (None, node.get("type")):
            return True
        return any(_has_component(v, namespace, type_) for v in node.values())
    if isinstance(node, list):
        return any(_has_component(v, namespace, type_) for v in node)
    return False


def test_a_chart_page_starts_its_layout_and_plotly_with_the_scripts(app):
    """A new visitor's browser fetches a chart page's layout, the callback map and plotly.js while it compiles
    Dash's scripts (hints before the first script), from this origin only; the other pages keep Dash's order."""
    import re

    from app import CHART_PAGES
    from layouts.plotly_bundle import PLOTLY_PATH
    client = signed_in_client(app, "viewer")
    for path in (sorted(CHART_PAGES)[0], "/alerts"):
        html = client.get(path).get_data(as_text=True)
        first_script = html.index("<script")
        hints = ('<link rel="preload" href="/_dash-layout" as="fetch" crossorigin="anonymous">',
                 '<link rel="preload" href="/_dash-dependencies" as="fetch" crossorigin="anonymous">',
                 f'<script src="{PLOTLY_PATH}" defer></script>')
        if path in CHART_PAGES:
            assert all(-1 < html.find(h) <= first_script for h in hints), path
            assert all(h.startswith("/") and not h.startswith("//")
                       for h in re.findall(r'<link rel="preload" href="([^"]+)"', html))
        else:
            assert "_dash-layout" not in html.split("<script")[0] and PLOTLY_PATH not in html, path


def _pages_whose_first_layout_has(client, namespace: str, type_: str | None = None) -> set[str]:
    """The plain pages (no template, not the wall, not 404) whose first layout holds such a component."""
    import dash
    found = set()
    for page in dash.page_registry.values():
        path = page["path"]
        if page.get("path_template") or path.startswith("/wall") or path == "/404":
            continue
        if _has_component(_layout_for(client, f"http://localhost{path}"), namespace, type_):
            found.add(path)
    return found


def test_the_chart_pages_are_the_pages_whose_first_layout_draws_a_chart(app):
    """CHART_PAGES (plotly.js run before the layout arrives) is exactly the pages whose first layout holds a
    chart: a page missing from it loses the head start, one wrongly in it compiles 1.5 MB for nothing."""
    from app import CHART_PAGES
    assert _pages_whose_first_layout_has(signed_in_client(app), "dash_core_components", "Graph") == set(CHART_PAGES)


def test_the_map_pages_are_the_pages_whose_first_layout_draws_a_map(app):
    """MAP_PAGES keep dash-leaflet's script (app.py); every other page gets the stand-in that loads it on
    demand: a map page missing from it draws its map one round trip late, a page wrongly in it compiles
    300 KB for nothing. The wall, which draws maps in its slides, keeps it too."""
    from app import MAP_PAGES
    assert _pages_whose_first_layout_has(signed_in_client(app), "dash_leaflet") | {"/wall"} == set(MAP_PAGES)


def test_the_grid_pages_are_the_pages_whose_first_layout_draws_a_table(app):
    """GRID_PAGES keep AG Grid's script and start its community part early (app.py); elsewhere a stand-in loads
    it when a table first renders."""
    from app import GRID_PAGES
    assert _pages_whose_first_layout_has(signed_in_client(app), "dash_ag_grid") == set(GRID_PAGES)

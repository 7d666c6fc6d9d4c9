"""What the app sends over the wire: callback answers kept serialised (and compressed) until the data
changes, never for callbacks that act, per language; bundles compressed and cacheable for a year."""
import gzip
import json

import brotli
import pytest


@pytest.fixture
def client(sqlite_url, use_store, engine_for, site, monkeypatch):
    """A signed-in viewer whose callback POSTs carry the CSRF token, as the browser's do."""
    use_store(sqlite_url)
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from tests.integration.test_app import signed_in_client
    from tests.integration.test_hostile_input import SignedIn
    sync_site(engine_for(sqlite_url), site)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    c = signed_in_client(app_module.app, "viewer")
    c.get("/")
    return SignedIn(c)


def pond_request(tick=0, station="water_1"):
    """What the browser posts for the environment page's pond chart: its slot's filters (as the page's
    filter callback set them), the refresh tick, the slot's id and what it last drew."""
    key = {"panel": "env.pond_series", "slot": 0}
    spec = {"filters": {"period": "custom", "start": "2025-01-01", "end": "2025-01-07", "device": station,
                        "parameter": "do"}, "size": "page"}
    outs = [{"id": {"type": "panel", **key}, "property": "children"},
            {"id": {"type": "panel-seen", **key}, "property": "data"}]
    return {"output": "..{\"panel\":[\"MATCH\"],\"slot\":[\"MATCH\"],\"type\":\"panel\"}.children..."
                      "{\"panel\":[\"MATCH\"],\"slot\":[\"MATCH\"],\"type\":\"panel-seen\"}.data..",
            "outputs": outs, "changedPropIds": [],
            "inputs": [{"id": {"type": "panel-filters", **key}, "property": "data", "value": spec},
                       {"id": "shell-tick", "property": "n_intervals", "value": tick},
                       {"id": "shell-commune", "property": "data", "value": None}],
            "state": [{"id": {"type": "panel-filters", **key}, "property": "id", "value": {"type": "panel-filters", **key}},
                      {"id": {"type": "panel-seen", **key}, "property": "data", "value": None}]}


def post(client, body, encoding="", lang="vi"):
    client.set_cookie("lang", lang)
    return client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": encoding})


def test_an_answer_is_kept_until_the_data_changes(client):
    from queries.cache import invalidate
    first = post(client, pond_request())
    assert first.status_code == 200 and first.headers.get("X-Answer") is None
    again = post(client, pond_request(tick=5))          # a refresh tick alone does not change the answer
    assert again.headers.get("X-Answer") == "kept" and again.data == first.data
    assert "Trạm nước ao" in json.dumps(again.json["response"], ensure_ascii=False)   # the chart, drawn
    assert post(client, pond_request(station="water_2")).headers.get("X-Answer") is None   # other inputs
    assert post(client, pond_request(), lang="en").headers.get("X-Answer") is None         # other language
    invalidate("readings")                                # what ingest does after a write
    after = post(client, pond_request())
    assert after.headers.get("X-Answer") is None
    assert post(client, pond_request()).headers.get("X-Answer") == "kept"


def test_kept_answers_are_compressed_once_in_the_encoding_asked_for(client):
    plain = json.loads(post(client, pond_request()).data)
    br = post(client, pond_request(), encoding="gzip, deflate, br")
    assert br.headers["Content-Encoding"] == "br"
    assert json.loads(brotli.decompress(br.data))["response"].keys() == plain["response"].keys()
    br_again = post(client, pond_request(), encoding="gzip, deflate, br")
    assert br_again.headers.get("X-Answer") == "kept" and br_again.headers["Content-Encoding"] == "br"
    assert br_again.data == br.data
    gz = post(client, pond_request(), encoding="gzip")
    assert gz.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(gz.data))["response"].keys() == plain["response"].keys()


def test_callbacks_that_act_are_never_answered_from_the_cache(client):
    body = {"output": "alerts-action-result.children", "outputs": {"id": "alerts-action-result", "property": "children"},
            "changedPropIds": ["alerts-ack.n_clicks"], "state": [],
            "inputs": [{"id": "alerts-ack", "property": "n_clicks", "value": 1}]}
    from app import _callback_parts
    assert _callback_parts(body) is None
    for _ in range(2):
        r = post(client, body)
        assert r.headers.get("X-Answer") is None


def test_bundles_are_compressed_and_cacheable_for_a_year(client):
    index = client.get("/").get_data(as_text=True)
    import re
    src = re.search(r'src="(/_dash-component-suites/dash/dash-renderer/build/dash_renderer\.[^"]+\.js)"', index)
    assert src, "the renderer is served from this app with a fingerprint"
    r = client.get(src.group(1), headers={"Accept-Encoding": "br"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "br"
    assert "max-age=31536000" in r.headers["Cache-Control"] and "immutable" in r.headers["Cache-Control"]
    plain = client.get(src.group(1), headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in plain.headers and brotli.decompress(r.data) == plain.data
    # the renderer served is Dash's with the backport of plotly/dash#3934 (layouts/renderer_backport.py)
    from layouts.renderer_backport import PATCHED_EFFECT
    assert plain.data.count(PATCHED_EFFECT.encode()) == 1


def test_bundles_load_only_on_the_pages_that_draw_them(client):
    """A first visit does not fetch and compile what its page does not draw: AG Grid (1.3 MB) and dash_table
    on no page, dash-leaflet on the pages without a map; each is replaced by a stand-in namespace that loads
    it when one of its components renders (the bundles are still served). Dash's babel-polyfill is left out
    for the regenerator runtime its bundles call (assets/VENDORED.md); every inline script is in the CSP."""
    import re

    from app import GRID_PAGES, MAP_PAGES
    from auth.web import inline_script_hashes
    assert "/" in MAP_PAGES and "/services" not in MAP_PAGES | GRID_PAGES and "/alerts" in GRID_PAGES - MAP_PAGES
    for path in ("/", "/services", "/alerts"):
        r = client.get(path)
        index = r.get_data(as_text=True)
        for namespace, bundle, tag_kept in (("dash_ag_grid", r'dash_ag_grid/dash_ag_grid\.[^"]+\.min\.js', path == "/alerts"),
                                            ("dash_table", r'dash/dash_table/bundle\.[^"]+\.js', False),
                                            ("dash_leaflet", r'dash_leaflet/dash_leaflet\.[^"]+\.js', path == "/")):
            tag = re.search(r'<script src="(/_dash-component-suites/%s)"></script>' % bundle, index)
            stand_in = re.search(r'var src = "(/_dash-component-suites/%s)", ns = "%s"' % (bundle, namespace), index)
            assert bool(tag) == tag_kept and bool(stand_in) == (not tag_kept), (path, namespace)
            assert client.get((tag or stand_in).group(1)).status_code == 200
        assert ("dash_ag_grid/async-community.js" in index) == (path == "/alerts")     # a table page starts it early
        assert "polyfill@" not in index and "/assets/01_regenerator-runtime.js" in index
        csp = r.headers["Content-Security-Policy"]
        assert all(h in csp for h in inline_script_hashes(index)), path



"""Nothing a source or a visitor sends can break the app or run in a browser (issue 15), checked through
the Flask server with the app's own callback map: body caps (413), callback shape and JSON depth (400),
URL parameters (translated messages), unknown pages (404), snapshots (sniffed rasters only), hostile
records rendered as text, and property-based fuzzing of every callback and every page's URL parameters."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakeserver import Answer, FakeServer
from tests.hostile import IMG, JPEG, SVG, SCRIPT, seed_hostile

CALLBACK = "/_dash-update-component"
PAGES_ROUTER = ".._pages_content.children..._pages_store.data.."


@pytest.fixture(scope="module")
def snapshots():
    server = FakeServer()
    server.on("/snap/svg.jpg", Answer(SVG, ctype="image/jpeg"))
    server.on("/snap/real.jpg", Answer(JPEG, ctype="image/jpeg"))
    server.on("/snap/html.jpg", Answer(b"<html><script>alert(1)</script></html>", ctype="image/png"))
    server.on("/snap/big.jpg", Answer(JPEG[:3] + b"\x00" * 6_000_000, ctype="image/jpeg"))
    yield server
    server.close()


@pytest.fixture
def app(sqlite_url, use_store, engine_for, site, snapshots):
    use_store(sqlite_url)
    from ingest.site_sync import sync_site
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    seed_hostile(engine, f"{snapshots.url}/snap")
    import app as app_module
    return app_module.app


class SignedIn:
    """A signed-in administrator's test client whose POSTs carry the Origin and the CSRF token the way
    the browser's do, so what these tests probe is the input handling behind access control."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def post(self, *args, headers=None, **kwargs):
        cookie = self.client.get_cookie("_csrf_token")
        sent = {"Origin": "http://localhost", **({"X-CSRFToken": cookie.value} if cookie else {}), **(headers or {})}
        return self.client.post(*args, headers=sent, **kwargs)


@pytest.fixture
def client(app, monkeypatch):
    from core.settings import get_settings
    from tests.integration.test_app import signed_in_client
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")   # every test signs in from one address
    get_settings.cache_clear()
    c = signed_in_client(app)
    c.set_cookie("lang", "vi")
    c.get("/")                       # the page hands out the CSRF cookie the renderer echoes
    return SignedIn(c)


class CallbackErrors(logging.Handler):
    """Counts what reaches the app's on_error handler (an exception no callback handled)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(f"{record.getMessage()} {record.exc_info[1]!r}" if record.exc_info else record.getMessage())


@pytest.fixture
def unhandled():
    handler = CallbackErrors()
    logging.getLogger("app").addHandler(handler)
    yield handler.records
    logging.getLogger("app").removeHandler(handler)


def _concrete(dep_id: str, wildcard_list):
    """A dependency id as the renderer sends it: ALL matches no component here, MATCH one named "x"."""
    if not dep_id.startswith("{"):
        return dep_id
    parsed = json.loads(dep_id)
    if any(v in (["ALL"], ["ALLSMALLER"]) for v in parsed.values()):
        return wildcard_list
    return {k: ("x" if v == ["MATCH"] else v) for k, v in parsed.items()}


def callback_body(key: str, cb: dict, values: list) -> dict:
    """The JSON the Dash renderer posts for callback `key`, with `values` for its inputs then states."""
    from dash._utils import split_callback_id

    def dep(d, value):
        cid = _concrete(d["id"], [])
        return [] if cid == [] else {"id": cid, "property": d["property"], "value": value}

    def out(o):
        cid = _concrete(o["id"], [])
        return [] if cid == [] else {"id": cid, "property": o["property"].split("@")[0]}
    outs = split_callback_id(key)
    deps = cb["inputs"] + cb.get("state", [])
    vals = dict(zip(range(len(deps)), values))
    return {"output": key, "outputs": [out(o) for o in outs] if isinstance(outs, list) else out(outs),
            "inputs": [dep(d, vals.get(i)) for i, d in enumerate(cb["inputs"])],
            "changedPropIds": [f"{d['id']}.{d['property']}" for d in cb["inputs"][:1]],
            "state": [dep(d, vals.get(len(cb["inputs"]) + i)) for i, d in enumerate(cb.get("state", []))]}


def server_callbacks(app) -> dict:
    return {k: cb for k, cb in app.callback_map.items() if "callback" in cb}


def route(client, path: str, search: str = ""):
    body = {"output": PAGES_ROUTER, "outputs": [{"id": "_pages_content", "property": "children"},
                                                {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
    return client.post(CALLBACK, json=body)


# --- request limits ----------------------------------------------------------------------------------

def test_a_huge_callback_body_is_refused_with_413_and_a_message(client):
    body = json.dumps({"output": "shell-alert-counts.children", "inputs": [], "pad": "x" * 2_000_000})
    r = client.post(CALLBACK, data=body, content_type="application/json")
    assert r.status_code == 413
    assert "quá lớn" in r.get_json()["error"]
    r = client.post("/set", data=b"x" * 2_000_000)       # every other route has a cap too
    assert r.status_code in (405, 413)


def test_the_upload_callback_may_carry_a_file_bigger_than_an_ordinary_callback(client, app):
    import base64
    key = next(k for k in app.callback_map if k.startswith("..data-preview.children"))
    csv_text = "indicator,scope,period,value,note\n" + "online_dossier_rate,commune:quang_tho,2026-10,50,x\n" * 40_000
    contents = "data:text/csv;base64," + base64.b64encode(csv_text.encode()).decode()
    assert len(contents) > 1_000_000
    body = json.dumps(callback_body(key, app.callback_map[key], [contents, "big.csv"]))   # "output" first
    r = client.post(CALLBACK, data=body, content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "trùng" in r.get_data(as_text=True)          # 40 000 rows over one key: duplicates, said so


def test_the_upload_cap_is_only_for_the_upload_callback_itself(client, app):
    """The larger cap is chosen from the "output" key read first; a body that names a made-up key containing the
    upload target, or names the upload callback first and another callback in a second "output" key (JSON
    keeps the last), gets the ordinary cap or a 400, never a 2 MB body into another callback."""
    key = next(k for k in app.callback_map if k.startswith("..data-preview.children"))
    pad = "x" * 2_000_000
    made_up = '{"output": "..data-preview.children...nope.children..", "inputs": [], "pad": "' + pad + '"}'
    assert client.post(CALLBACK, data=made_up, content_type="application/json").status_code == 413
    smuggled = ('{"output": "' + key + '", "inputs": [], "output": "shell-alert-counts.children", "pad": "'
                + pad + '"}')
    assert client.post(CALLBACK, data=smuggled, content_type="application/json").status_code == 400


def test_json_nested_3000_deep_is_a_clear_400(client):
    deep = "[" * 3000 + "]" * 3000
    body = '{"output": "shell-alert-counts.children", "inputs": [{"id": "shell-tick", "property": "n_intervals", "value": ' \
           + deep + '}]}'
    r = client.post(CALLBACK, data=body, content_type="application/json")
    assert r.status_code == 400 and "không hợp lệ" in r.get_json()["error"]


@pytest.mark.parametrize("body", ["not json", "[]", '{"output": "nope.children", "inputs": []}',
                                  '{"output": "shell-alert-counts.children", "inputs": "x"}',
                                  '{"output": "shell-alert-counts.children", "inputs": [1, 2, 3]}'])
def test_malformed_callback_requests_are_400_not_500(client, body):
    assert client.post(CALLBACK, data=body, content_type="application/json").status_code == 400


# --- URL and callback input ---------------------------------------------------------------------------

@pytest.mark.parametrize("search, message", [
    ("?alert=" + "9" * 30, "Mã cảnh báo không hợp lệ"),
    ("?alert=%C2%B2", "Mã cảnh báo không hợp lệ"),
    ("?alert=1&alert=2", 'Tham số “alert” xuất hiện nhiều lần'),
    ("?start=2026-01-01&start=2026-02-01&end=x&end=y", 'Tham số “start” xuất hiện nhiều lần'),
])
def test_bad_alert_parameters_give_a_translated_message_and_the_page(client, unhandled, search, message):
    r = route(client, "/alerts", search)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and message in text
    assert "al-grid" in text                     # the page itself is there, below the message
    assert not unhandled


def test_a_lone_surrogate_in_a_filter_value_is_answered_not_echoed_raw(client, app, unhandled):
    key = next(k for k in app.callback_map if k.startswith("..al-grid.rowData"))
    body = json.dumps(callback_body(key, app.callback_map[key], ["x", None, "\ud800" + IMG, "active", 0, None, 0]))
    r = client.post(CALLBACK, data=body, content_type="application/json")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "Không có thôn này" in text and "\\ud800" not in text
    assert not unhandled


def test_unknown_pages_answer_404_with_a_vietnamese_page(client):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and "<html" in r.get_data(as_text=True).lower()
    assert client.get("/alerts").status_code == 200 and client.get("/").status_code == 200
    r = route(client, "/khong-co-trang-nay")
    assert "Không tìm thấy trang" in r.get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "Page not found" in route(client, "/nope").get_data(as_text=True)


# --- snapshots -----------------------------------------------------------------------------------------

def test_snapshots_are_served_only_as_sniffed_rasters_with_nosniff(client, app, snapshots, engine_for, sqlite_url):
    from sqlalchemy import update

    from store.models import CameraEvent
    r = client.get("/media/snapshot/xss-ev-jpg")
    assert r.status_code == 200 and r.mimetype == "image/jpeg" and r.data == JPEG
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    engine = engine_for(sqlite_url)
    for name in ("svg.jpg", "html.jpg", "big.jpg"):
        with engine.begin() as conn:
            conn.execute(update(CameraEvent).where(CameraEvent.id == "xss-ev-jpg")
                         .values(snapshot_url=f"{snapshots.url}/snap/{name}"))
        r = client.get("/media/snapshot/xss-ev-jpg")
        assert b"<script" not in r.data and b"onload" not in r.data, name
        assert "Không có ảnh" in r.get_data(as_text=True)         # our own placeholder instead
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in r.headers["Content-Security-Policy"]


# --- hostile records rendered ---------------------------------------------------------------------------

def _run(client, app, prefix: str, values: list) -> str:
    key = next(k for k in app.callback_map if k.startswith(prefix))
    r = client.post(CALLBACK, data=json.dumps(callback_body(key, app.callback_map[key], values)),
                    content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_data(as_text=True)


def test_hostile_records_reach_html_only_escaped_and_missing_ones_read_as_a_dash(client, app, unhandled):
    text = _run(client, app, "..fb-grid.rowData", ["30d", {"start": None, "end": None}, None, None, None, 0])
    data = json.loads(text)["response"]
    layer = data["fb-reports"]["data"]["features"]
    by_id = {f["id"]: f["properties"] for f in layer}
    assert "<img" not in json.dumps(layer) and "<script" not in json.dumps(layer)
    assert "&lt;img src=x onerror=" in by_id["XSS-1"]["tooltip"] and "&lt;script&gt;" in by_id["XSS-1"]["popup"]
    assert "&lt;img" in by_id["XSS-1"]["popup"]                          # address too
    assert by_id["XSS-2"]["tooltip"] == "XSS-2" and "nan" not in by_id["XSS-2"]["popup"].lower()
    assert "(không có mô tả)" in by_id["XSS-2"]["popup"]
    for prefix, values in (("..ov-layer-water_station.data", [0, 0, None]), ("..env-stations.data", [0, 0, None]),
                           ("..sec-cameras.data", [0, 0, None])):
        text = _run(client, app, prefix, values)
        assert "<img" not in text and "<script" not in text, prefix
        assert "&lt;img src=x" in text, prefix                              # the hostile name is there, as text
    # the overview draws its markers in the first layout too: escaped there as well
    from tests.integration.test_app import _find, _layout_for
    from components.map import DEVICE_KINDS
    layout = _layout_for(client, "http://localhost/")
    layers = json.dumps([_find(layout, f"ov-layer-{k}")["props"]["data"] for k in DEVICE_KINDS])
    assert "<img" not in layers and "<script" not in layers and "&lt;img src=x" in layers
    assert not unhandled


def test_the_feedback_page_survives_a_report_with_no_description(client, app, unhandled):
    _run(client, app, "..fb-grid.rowData", ["7d", None, None, None, None, 0])
    _run(client, app, "fb-history.children", [[{"id": "XSS-2"}], None])
    assert not unhandled


# --- property-based fuzzing ----------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(["\ud800", "\udfff", IMG, SCRIPT, "../../etc/passwd", "' OR 1=1 --", "=cmd|' /C calc'!A0",
                                "9" * 30, "%C2%B2", "²", "\x00", "", " ", "null", "-1", "1e309", "thon_1", "custom",
                                "7d", "water_1", "cam_03", "XSS-1", "<", "&amp;", "\u202e", "𝕏" * 300])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63),
                    st.floats(allow_nan=False), HOSTILE_TEXT, st.text(max_size=40))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.one_of(HOSTILE_TEXT, st.sampled_from(
                                                           ["id", "start", "end", "properties", "points", "action",
                                                            "customdata"])), inner, max_size=4)), max_leaves=12)


TEXTS = st.one_of(st.none(), HOSTILE_TEXT, st.text(max_size=30))
FEATURE_CLICK = st.fixed_dictionaries({}, optional={"properties": st.one_of(VALUES, st.dictionaries(
    st.sampled_from(["id", "kind", "cluster"]), st.one_of(HOSTILE_TEXT, VALUES), max_size=3)),
    "points": st.one_of(VALUES, st.lists(st.dictionaries(st.sampled_from(["customdata", "x", "y"]), VALUES, max_size=3),
                                         max_size=2))})
# Mostly what the property's component could send (so the callbacks themselves are exercised), sometimes anything
IN_TYPE = {
    "n_clicks": st.one_of(st.none(), st.integers(0, 2**40)), "n_intervals": st.one_of(st.none(), st.integers(0, 2**40)),
    "pathname": HOSTILE_TEXT.map(lambda v: "/" + v), "search": TEXTS.map(lambda v: v and "?" + v),
    "value": st.one_of(TEXTS, st.lists(HOSTILE_TEXT, max_size=3)), "date": TEXTS, "filename": TEXTS,
    "contents": st.one_of(TEXTS, st.binary(max_size=300).map(
        lambda b: "data:application/octet-stream;base64," + __import__("base64").b64encode(b).decode()),
        st.sampled_from(["data:text/csv;base64,", "data:x;base64,UEsDBAo=", "no comma"])),
    "clickData": st.one_of(st.none(), FEATURE_CLICK),
    "selectedRows": st.one_of(st.none(), st.lists(st.dictionaries(st.sampled_from(["id", "title"]), VALUES, max_size=2),
                                                  max_size=2)),
}


def value_for(prop: str):
    in_type = IN_TYPE.get(prop, VALUES)
    return st.one_of(in_type, in_type, in_type, VALUES)


@pytest.mark.slow
def test_fuzzing_every_callback_gives_no_500_and_no_unhandled_exception(client, app, unhandled):
    callbacks = server_callbacks(app)
    keys = sorted(callbacks)
    codes: dict[int, int] = {}

    @st.composite
    def request(draw):
        key = draw(st.sampled_from(keys))
        deps = callbacks[key]["inputs"] + callbacks[key].get("state", [])
        return key, [draw(value_for(d["property"])) for d in deps]

    @settings(max_examples=700, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(request())
    def one(req):
        key, values = req
        r = client.post(CALLBACK, data=json.dumps(callback_body(key, callbacks[key], values)),
                        content_type="application/json")
        codes[r.status_code] = codes.get(r.status_code, 0) + 1
        assert r.status_code in (200, 204, 400), (key, values, r.get_data(as_text=True)[:300])
        assert not unhandled, (key, values, unhandled[-1])
    one()
    print(f"\nfuzzed {sum(codes.values())} callback requests over {len(keys)} callbacks: {codes}")
    assert codes.get(200, 0) > 300              # the fuzzing reached the callbacks, not only the guard
    assert client.get("/").status_code == 200


@pytest.mark.slow
def test_fuzzing_every_pages_url_parameters_gives_no_500_and_no_unhandled_exception(client, unhandled):
    import dash
    from urllib.parse import urlencode
    paths = sorted({p["path"] for p in dash.page_registry.values() if p["module"] != "pages.not_found_404"})
    names = ["period", "start", "end", "village", "station", "parameter", "camera", "label", "category", "stage",
             "severity", "kind", "state", "alert", "lang", "x"]
    tried = 0

    @settings(max_examples=300, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(paths), st.lists(st.tuples(st.sampled_from(names), st.one_of(HOSTILE_TEXT, st.text(max_size=30))),
                                            max_size=5))
    def one(path, params):
        nonlocal tried
        tried += 1
        search = "?" + urlencode(params, encoding="utf-8", errors="surrogatepass") if params else ""
        r = route(client, path, search)
        assert r.status_code == 200, (path, search, r.get_data(as_text=True)[:300])
        assert not unhandled, (path, search, unhandled[-1])
        direct = client.get(path + search)
        assert direct.status_code == 200, (path, search)
    one()
    print(f"\nfuzzed {tried} page URLs over {len(paths)} pages")
    assert client.get("/").status_code == 200


# --- what the project writes, and what an upload stores -----------------------------------------------

def test_dump_escapes_cells_a_spreadsheet_would_run(sqlite_url, use_store, engine_for, site):
    import csv
    import io

    from ingest.records import IndicatorRecord
    from ingest.site_sync import sync_site
    from ingest.writer import Writer
    from queries.dump import dump
    use_store(sqlite_url)
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    notes = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1", "-1+2", "\t=1", "ordinary"]
    Writer(engine).write([IndicatorRecord("file", "online_dossier_rate", "commune:quang_tho", f"2026-{m:02d}", 10.0 + m,
                                          None, None, note, 1) for m, note in enumerate(notes, start=1)])
    out = io.StringIO()
    assert dump("indicators", out=out) == len(notes)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    written = {r["note"] for r in rows}
    assert written == {"'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'+1", "'-1+2", "'\t=1", "ordinary"}
    assert {r["value"] for r in rows} >= {"11.0", "16.0"}          # numbers stay numbers


def test_an_upload_with_100000_rows_over_12_keys_stores_12_and_reports_duplicates(sqlite_url, engine_for, site):
    from ingest.files import import_bytes
    from ingest.site_sync import sync_site
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    lines = ["indicator,scope,period,value"] + [f"online_dossier_rate,commune:quang_tho,2025-{1 + n % 12:02d},{n % 100}"
                                               for n in range(100_000)]
    result = import_bytes("\n".join(lines).encode(), "many.csv", dry_run=False, engine=engine)
    assert result["stored"] == 12 and result["updated"] == 0 and result["duplicates"] == 100_000 - 12

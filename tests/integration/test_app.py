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


def test_every_callback_input_and_output_exists_in_some_layout(app):
    import dash
    from flask import Flask
    with Flask(__name__).test_request_context("/"):
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
                if not any(all(v == d.get(k) or isinstance(v, list) for k, v in want.items() if k != "type") and
                           d.get("type") == want.get("type") for d in dicts):
                    missing.append(cid)
            elif cid not in static and cid not in ("_pages_location", "_pages_content", "_pages_store", "_pages_dummy"):
                missing.append(cid)
    assert not missing, missing


def test_bad_url_parameters_give_a_translated_message_not_a_traceback(app):
    from pages import environment, feedback, security
    from flask import Flask
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=vi"}):
        out = environment.update_pond("custom", "2025-13-45", None, None, None, "do", 0)
        assert "Ngày không hợp lệ" in str(out[-1])
        out = security.update_events("7d", None, None, "thon_99", None, None, 0)
        assert "Không có thôn này" in str(out[-1])
        out = feedback.update_feedback("custom", "2025-06-10", "2025-06-01", None, None, None, 0)
        assert "kết thúc phải sau" in str(out[-1])
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=en"}):
        out = environment.update_pond("custom", "1900-01-01", "2025-01-01", None, None, "do", 0)
        assert "Period too long" in str(out[-1])


def test_nothing_served_loads_from_outside(app):
    client = app.server.test_client()
    html = client.get("/").get_data(as_text=True)
    import re
    external = [u for u in re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html) if "127.0.0.1" not in u]
    assert not external
    for css in re.findall(r'href="(/assets/[^"]+\.css[^"]*)"', html):
        body = client.get(css).get_data(as_text=True)
        assert not re.search(r"url\(['\"]?https?://", body), css
        assert "@import" not in body or "http" not in body

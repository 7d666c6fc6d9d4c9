"""The Dash app: pages under pages/, the shell in layouts/, everything served from this machine."""
from __future__ import annotations

import gzip
import json
import logging
import re
import sqlite3
import uuid

import brotli
import dash_bootstrap_components as dbc
import PIL.Image  # noqa: F401 - plotly imports it lazily on a figure's first encoding; two worker threads doing
                  # that at once saw it half-initialised (AttributeError, a 500 on the first load of a page)
import orjson
from dash import Dash, set_props
from flask import Response, abort, g, make_response, redirect, request
from flask_compress import Compress

from auth.context import current_actor
from core.i18n import t
from core.logging import configure
from core.settings import get_settings
from layouts import guards, pages, plotly_bundle, renderer_backport, shell
from layouts.context import current_lang, current_theme
from queries import cache as data_cache
from reports import routes as report_routes
from reports.background import CELERY_APP as celery_app  # noqa: F401 - `celery -A app:celery_app worker`

configure(get_settings().log_level)
log = logging.getLogger(__name__)
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")


def on_error(err: Exception) -> None:
    """Anything unexpected in a callback: logged with a reference, the user sees the reference only.
    A command refused for the user's role is not unexpected: the request answers 403 (already audited)."""
    from commands.base import PermissionDenied
    if isinstance(err, PermissionDenied):
        abort(403)
    ref = uuid.uuid4().hex[:8]
    g.no_response_cache = True      # an error answer is not kept for the next viewer
    log.exception("callback error %s", ref, exc_info=err)
    set_props("shell-error", {"children": dbc.Alert(t("error.internal", current_lang(), ref=ref), color="danger",
                                                    dismissable=True)})


app = Dash(__name__, use_pages=True, pages_folder="pages", suppress_callback_exceptions=True,
           external_stylesheets=[], title="Bộ não số – Quảng Thọ", update_title=None, on_error=on_error,
           meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
app.layout = shell.layout
server = app.server


@server.before_request
def pin_cache_versions():
    """First of the hooks: the shared cache's versions read once for the request (queries/cache.py
    pin_versions), so the sign-in check, the commune check, the kept answer's key and every memoised query
    behind a callback ask the store for versions in one exchange instead of one each. Bundles and the
    watchdog's ping read no data and skip it."""
    if not request.path.startswith(STATIC_PREFIXES) and request.path != "/healthz":
        data_cache.pin_versions()


@server.teardown_request
def unpin_cache_versions(_exc=None):
    data_cache.unpin_versions()


def _ensure_sync_remembered(sync: dict = {}):  # noqa: B006 - one per process, on purpose
    """Flask asks `inspect.iscoroutinefunction` of each of a request's ~20 hooks and its view on every request
    (≈0.03 ms of a 1 ms kept answer); whether a function is a coroutine does not change, so it is asked once."""
    ensure_sync = server.ensure_sync

    def remembered(func):
        try:
            return func if sync[func] else ensure_sync(func)
        except KeyError:
            if len(sync) < 10_000:    # hooks and views are a fixed set; anything made per request is not kept
                sync[func] = ensure_sync(func) is func
            return ensure_sync(func)
        except TypeError:          # an unhashable callable: asked every time, as before
            return ensure_sync(func)
    server.ensure_sync = remembered


_ensure_sync_remembered()
guards.install(app)              # body caps, callback shape and depth, 404 for unknown paths
report_routes.install(server)    # /export/<panel>.<fmt> and the report archive's downloads
pages.guard_all_layouts()        # URL parameters reach layouts cleaned; repeats refused with a message

# Dash finishes its set-up (script paths, the callback map, the pages router) on a worker's first
# request, and marks it done before it is: with threaded gunicorn workers a second request arriving
# meanwhile finds no scripts ("dash is not a registered library") or no callback ("Callback function not found").
# Doing the set-up here, at import, makes every worker ready before it accepts a request.
with server.test_request_context("/"):
    server.preprocess_request()   # runs Dash's first-request hooks: its set-up and the pages router

# Component bundles that most pages never draw are not compiled by every first visit: AG Grid's (1.3 MB, a third of
# the scripts; only the pages with a table show one), dash-leaflet's (300 KB, 70 ms of the main thread on a page with
# no map) and dash_table's (Dash registers it; no page uses it). Their script tag is replaced by a stand-in namespace:
# each component it is asked for (the renderer asks `window[namespace][type]`) loads the real bundle when it first
# renders (React.lazy), and every stand-in loads it 3 s after the page settles otherwise, so moving to a page with a
# table or a map later finds it ready. The real bundle then takes its namespace back; the component mounts once from it.
_LAZY_NAMESPACE = """<script>(function () {
  var src = %(src)s, ns = %(ns)s, loading = null, stand_ins = {};
  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = function () { resolve(window[ns]); };
        s.onerror = function (e) { loading = null; s.remove(); reject(e); };   // a later render tries again
        document.head.appendChild(s);
      });
    }
    return loading;
  }
  function standIn(type) {
    var Real = React.lazy(function () { return load().then(function (real) { return {default: real[type]}; }); });
    // while it loads, a box of the component's size marked loading (as Dash marks a pending component), so
    // nothing jumps when it arrives and a page counts as drawn only once it is there
    return function (props) {
      var waiting = React.createElement("div", {className: "lazy-bundle " + (props.className || ""), style: props.style,
                                                "data-dash-is-loading": "true"});
      return React.createElement(React.Suspense, {fallback: waiting}, React.createElement(Real, props));
    };
  }
  // components only (capitalised names): anything else asked of the namespace is not there, as in the real one
  window[ns] = new Proxy({}, {get: function (_target, type) {
    if (typeof type !== "string" || !/^[A-Z]/.test(type)) return undefined;
    return stand_ins[type] || (stand_ins[type] = standIn(type));
  }});
  // the prefetch is a courtesy: with the server away (the watchdog says so) it fails quietly
  window.addEventListener("load", function () { setTimeout(function () { load().catch(function () {}); }, 3000); });
})();</script>"""
def _suite_tag(bundle: str) -> re.Pattern:
    """Dash's script tag of one component suite's bundle (its URL carries a version fingerprint)."""
    return re.compile(r'<script src="([^"]*/_dash-component-suites/%s\.[^"]+\.js)"></script>' % re.escape(bundle))


# The pages whose first layout draws a map or a table (tests/integration/test_app.py checks both against the
# layouts) keep that bundle's script, since it is on their first screen; the wall draws maps in its slides. A page
# with a table also starts AG Grid's second part (the community grid, which its bundle loads when a grid renders)
# with its scripts.
MAP_PAGES = frozenset({"/", "/environment", "/feedback", "/security", "/city", "/wall"})
GRID_PAGES = frozenset({"/alerts", "/feedback", "/admin/audit"})
_GRID_PAGE_HINT = '<link rel="preload" href="{prefix}_dash-component-suites/dash_ag_grid/async-community.js" as="script">'
# namespace -> (its script tag, whether the page at this path keeps the real script)
_LAZY_BUNDLES = {
    "dash_ag_grid": (_suite_tag("dash_ag_grid/dash_ag_grid"), lambda path: path in GRID_PAGES),
    "dash_leaflet": (_suite_tag("dash_leaflet/dash_leaflet"), lambda path: path in MAP_PAGES or path.startswith("/wall/")),
    "dash_table": (_suite_tag("dash/dash_table/bundle"), lambda path: False),
}
_POLYFILL_TAG = _suite_tag("dash/deps/polyfill@7")
_interpolate_index = app.interpolate_index


# A new visitor's browser fetched in series: the scripts (~1 s to fetch and compile), then the renderer asked for
# the layout (the page's panels, computed by the server then), then the first chart asked for Dash's graph chunk
# and plotly.js (1.5 MB, 454 KB brotli) and compiled it. On the pages whose first layout draws charts, hints at
# the top of <head> start the layout, the callback map, the graph chunk and plotly.js with the scripts: the
# server computes the layout while the browser compiles, and plotly.js runs (`defer`: after the page's scripts)
# while the browser waits for the layout, so its ~0.4 s of compiling is off the path from layout to drawn; dcc's
# Graph finds window.Plotly and loads nothing. The renderer's own fetch (GET, same-origin credentials, CORS mode)
# takes the preloaded answer, so each is still asked once (tests/browser/test_pages.py); the preload's Referer is
# the page's URL like the renderer's, so it brings the same page (layouts/first_page.py). All from this origin,
# as the CSP's default-src 'self' wants; no inline script, so the CSP's hashes are unchanged.
# The other pages (layout in 100-500 ms, no chart) keep Dash's order: with the hints /alerts drew 0.5-1.5 s
# later in every A/B round (README "Third pass: first render"). CHART_PAGES is checked against the pages'
# first layouts by tests/integration/test_app.py.
CHART_PAGES = frozenset({"/environment", "/security", "/feedback", "/services", "/digital", "/meeting"})
_CHART_PAGE_HINTS = ('<link rel="preload" href="{prefix}_dash-layout" as="fetch" crossorigin="anonymous">'
                     '<link rel="preload" href="{prefix}_dash-dependencies" as="fetch" crossorigin="anonymous">'
                     '<link rel="preload" href="{prefix}_dash-component-suites/dash/dcc/async-graph.js" as="script">'
                     '<script src="{plotly}" defer></script>')


def _page_path() -> str:
    from flask import has_request_context
    return "/" + app.strip_relative_path(request.path) if has_request_context() else "/"


def _index_with_lazy_bundles(**kwargs):
    """Dash's page for the path asked: stand-ins for the bundles it does not draw, no babel-polyfill, and the
    early starts of a chart page (layout, plotly.js) or a table page (AG Grid's community part)."""
    scripts, path = kwargs.get("scripts", ""), _page_path()
    for namespace, (tag, kept) in _LAZY_BUNDLES.items():
        found = tag.search(scripts)
        if found and not kept(path):
            scripts = scripts.replace(found.group(0), _LAZY_NAMESPACE % {"src": json.dumps(found.group(1)),
                                                                       "ns": json.dumps(namespace)})
    # Dash's babel-polyfill: assets/01_regenerator-runtime.js gives its bundles the one part they use (VENDORED.md)
    kwargs["scripts"] = _POLYFILL_TAG.sub("", scripts, count=1)
    prefix = app.config.requests_pathname_prefix
    if path in CHART_PAGES:
        hints = _CHART_PAGE_HINTS.format(prefix=prefix, plotly=prefix + plotly_bundle.PLOTLY_PATH.lstrip("/"))
        kwargs["css"] = hints + kwargs.get("css", "")
    if path in GRID_PAGES:
        kwargs["css"] = _GRID_PAGE_HINT.format(prefix=prefix) + kwargs.get("css", "")
    return _interpolate_index(**kwargs)


app.interpolate_index = _index_with_lazy_bundles


# sign-in, roles, wall tokens, CSRF checks and security headers (README "Users and access"); after Dash's
# set-up, since the Content-Security-Policy hashes the inline scripts of the finished page
from auth.web import init_app as init_access  # noqa: E402

init_access(server, app)
guards.install_commune_check(server)    # after the gate: a page opened for a commune the user may not see
plotly_bundle.install(server)    # plotly.js with scatter, bar, heatmap only (1.1 MB) at Dash's plotly.js URL, behind the sign-in gate
renderer_backport.install(server)    # Dash's renderer without its O(components²) first render (plotly/dash#3934)


# --- what travels: compression, cache headers, kept callback answers ------------------------------------
CALLBACK_PATH = "/_dash-update-component"
RESPONSE_TTL_S = 30            # a kept answer is at most this old (and never older than the last write)
# inputs that carry a viewer's action (a click, an upload): such a callback may write, so it always runs
ACTION_PROPS = frozenset({"n_clicks", "n_clicks_timestamp", "n_submit", "n_submit_timestamp", "contents", "filename",
                          "last_modified"})
# inputs that only say "time to refresh": their count does not change the answer (the TTL bounds its age)
TICK_INPUTS = frozenset({("shell-tick", "n_intervals")})


class _StaticCompressed:
    """flask-compress's cache for the bundles that never change under one URL (Dash fingerprints its
    component suites, our assets carry ?m=<mtime>): each is compressed once per worker, not per visit.
    Everything else (layouts, callback answers) is compressed afresh and never kept here."""

    def __init__(self):
        self._kept: dict[str, bytes] = {}

    def get(self, key: str):
        return self._kept.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";-"):
            self._kept[key] = value


def _static_key(req) -> str:
    return req.full_path if req.path.startswith(STATIC_PREFIXES) else "-"


server.config.update(COMPRESS_ALGORITHM=["br", "gzip"], COMPRESS_BR_LEVEL=5, COMPRESS_LEVEL=6, COMPRESS_MIN_SIZE=1024,
                     COMPRESS_CACHE_BACKEND=_StaticCompressed, COMPRESS_CACHE_KEY=_static_key)
Compress(server)


def _callback_parts(body: dict) -> tuple | None:
    """What a callback answer depends on: the request (with refresh ticks' counts left out), the viewer's
    language, theme and role; None for callbacks that act (clicks, uploads), which are never answered from the cache."""
    props = body.get("inputs", []) + body.get("state", [])
    flat = [x for item in props for x in (item if isinstance(item, list) else [item])]   # ALL/MATCH come as lists
    for item in flat:
        if not isinstance(item, dict) or item.get("property") in ACTION_PROPS:
            return None
        if isinstance(item.get("id"), str) and (item["id"], item.get("property")) in TICK_INPUTS:
            item["value"] = None
    # the role too: a viewer's map popups carry no action buttons, an operator's do (the cache runs after
    # the sign-in gate and the CSRF check, so nothing here is answered to a request they refuse); and the
    # communes the user may see: an answer for a commune is never handed to a user refused it
    from auth.communes import allowed_communes
    return (orjson.dumps(body, option=orjson.OPT_SORT_KEYS), current_lang(), current_theme(), current_actor().role,
            tuple(allowed_communes()))


def _encoding() -> str | None:
    accepted = request.headers.get("Accept-Encoding", "").lower()
    return "br" if "br" in accepted else ("gzip" if "gzip" in accepted else None)


@server.before_request
def answer_from_cache():
    """A callback asked before with the same inputs since the last write is answered with the bytes kept
    then (already compressed): no figure is rebuilt, nothing is encoded twice."""
    if request.method != "POST" or request.path != CALLBACK_PATH:
        return None
    try:
        parts = _callback_parts(orjson.loads(request.get_data(cache=True)))
    except (orjson.JSONDecodeError, TypeError, AttributeError):
        return None
    if parts is None:
        return None
    g.response_key = data_cache.response_key(parts + (_encoding(),))
    hit = data_cache.get_response(g.response_key)
    if hit is None:
        return None
    body, headers = hit
    resp = Response(body, status=200, headers=headers)
    resp.headers["X-Answer"] = "kept"
    return resp


@server.after_request
def keep_answer_and_cache_headers(resp: Response) -> Response:
    """Keeps a callback's answer (compressed once here; flask-compress then leaves it alone), and marks
    fingerprinted bundles and versioned assets as cacheable for a year."""
    key = getattr(g, "response_key", None)
    if (key is not None and resp.status_code == 200 and not getattr(g, "no_response_cache", False)
            and resp.headers.get("X-Answer") != "kept"):
        data, encoding = resp.get_data(), key[-1][-1]      # (Dash streams its answer; this reads it whole)
        if encoding == "br":
            data = brotli.compress(data, quality=5)
        elif encoding == "gzip":
            data = gzip.compress(data, compresslevel=6)
        headers = {"Content-Type": resp.headers.get("Content-Type", "application/json"), "Vary": "Accept-Encoding, Cookie"}
        if encoding:
            headers["Content-Encoding"] = encoding
        data_cache.set_response(key, (data, headers), RESPONSE_TTL_S)
        resp.set_data(data)
        resp.headers.update(headers)
    if request.path.startswith(STATIC_PREFIXES) and resp.status_code == 200 and (
            request.path.startswith("/assets/") and request.args.get("m") or resp.cache_control.max_age):
        resp.cache_control.public = True
        resp.cache_control.max_age = 31536000
        resp.cache_control.immutable = True
    return resp




@server.route("/healthz")
def healthz():
    """The connection watchdog's ping: answers while this web server runs; no database work, so a wall
    of screens pinging it costs nothing."""
    import time
    return {"ok": True, "time": int(time.time())}, 200, {"Cache-Control": "no-store"}


@server.route("/set")
def set_preference():
    """Language / theme switch: remembered in a cookie for a year, then back to the page."""
    target = request.referrer or "/"
    if not target.startswith(request.host_url):
        target = "/"
    resp = make_response(redirect(target))
    if request.args.get("lang") in ("vi", "en"):
        resp.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
    if request.args.get("theme") in ("light", "dark"):
        resp.set_cookie("theme", request.args["theme"], max_age=365 * 86400, samesite="Lax")
    return resp


@server.route("/tiles/<int:z>/<int:x>/<int:y>.png")
def mbtiles(z: int, x: int, y: int):
    """Raster tiles from an .mbtiles file (TMS rows, hence the flip), for maps with no internet."""
    path = get_settings().mbtiles_file
    if not path:
        abort(404)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                           (z, x, (1 << z) - 1 - y)).fetchone()
    if row is None:
        abort(404)
    return Response(row[0], mimetype="image/png", headers={"Cache-Control": "public, max-age=86400"})


PLACEHOLDER_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" '
                   'fill="#8a8f98"/><text x="160" y="96" fill="#fff" font-family="sans-serif" font-size="15" '
                   'text-anchor="middle">{text}</text></svg>')


SNAPSHOT_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
                    "Content-Disposition": "inline"}


def _fetch_snapshot(url: str) -> tuple[bytes, str] | None:
    """The NVR's image if it is a JPEG/PNG/WebP (by its magic bytes) under the size cap, else None."""
    import requests

    from core.media import MAX_SNAPSHOT_BYTES, raster_type
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    try:
        with requests.get(url, timeout=3, stream=True) as r:
            if not r.ok:
                return None
            declared = r.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_SNAPSHOT_BYTES:
                return None
            body = b""
            for chunk in r.iter_content(65536):
                body += chunk
                if len(body) > MAX_SNAPSHOT_BYTES:
                    return None
    except requests.RequestException:
        return None
    kind = raster_type(body[:16])
    return (body, kind) if kind else None


@server.route("/media/snapshot/<path:event_id>")
def snapshot(event_id: str):
    """Camera snapshots through the dashboard: the wall never talks to the NVR itself, and a source
    that is down (or sends anything but a JPEG/PNG/WebP: an SVG would run its script here) shows a grey
    "no image" card instead."""
    from sqlalchemy import select

    from store.engine import get_engine
    from store.models import CameraEvent
    image = None
    if len(event_id) <= 200:
        with get_engine().connect() as conn:
            url = conn.scalar(select(CameraEvent.snapshot_url).where(CameraEvent.id == event_id))
        image = _fetch_snapshot(url) if url else None
    if image:
        return Response(image[0], mimetype=image[1], headers={"Cache-Control": "public, max-age=3600", **SNAPSHOT_HEADERS})
    text = "Không có ảnh" if current_lang() == "vi" else "No image"
    return Response(PLACEHOLDER_SVG.format(text=text), mimetype="image/svg+xml",
                    headers={"Cache-Control": "no-store", **SNAPSHOT_HEADERS})


# flask-talisman sets the app's policy on every response; an image from outside gets its own, stricter one
snapshot.talisman_view_options = {"content_security_policy": SNAPSHOT_HEADERS["Content-Security-Policy"]}


if __name__ == "__main__":
    s = get_settings()
    app.run(host=s.host, port=s.port, debug=False)

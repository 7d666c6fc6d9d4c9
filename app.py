"""The Dash app: pages under pages/, the shell in layouts/, everything served from this machine."""
from __future__ import annotations

import logging
import sqlite3
import uuid

import dash_bootstrap_components as dbc
from dash import Dash, set_props
from flask import Response, abort, make_response, redirect, request

from core.i18n import t
from core.logging import configure
from core.settings import get_settings
from layouts import guards, pages, shell
from layouts.context import current_lang
from reports import routes as report_routes
from reports.background import CELERY_APP as celery_app  # noqa: F401 - `celery -A app:celery_app worker`

configure(get_settings().log_level)
log = logging.getLogger(__name__)


def on_error(err: Exception) -> None:
    """Anything unexpected in a callback: logged with a reference, the user sees the reference only."""
    ref = uuid.uuid4().hex[:8]
    log.exception("callback error %s", ref, exc_info=err)
    set_props("shell-error", {"children": dbc.Alert(t("error.internal", current_lang(), ref=ref), color="danger",
                                                    dismissable=True)})


app = Dash(__name__, use_pages=True, pages_folder="pages", suppress_callback_exceptions=True,
           external_stylesheets=[], title="Bộ não số – Quảng Thọ", update_title=None, on_error=on_error,
           meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
app.layout = shell.layout
server = app.server
guards.install(app)              # body caps, callback shape and depth, 404 for unknown paths
report_routes.install(server)    # /export/<panel>.<fmt> and the report archive's downloads
pages.guard_all_layouts()        # URL parameters reach layouts cleaned; repeats refused with a message

# Dash finishes its set-up (script paths, the callback map, the pages router) on a worker's first
# request, and marks it done before it is: with threaded gunicorn workers a second request arriving
# meanwhile finds no scripts ("dash is not a registered library") or no callback ("Callback function not found").
# Doing the set-up here, at import, makes every worker ready before it accepts a request.
with server.test_request_context("/"):
    server.preprocess_request()   # runs Dash's first-request hooks: its set-up and the pages router


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


if __name__ == "__main__":
    s = get_settings()
    app.run(host=s.host, port=s.port, debug=False)

"""The page a browser opens, already inside the first layout it asks for.

Dash Pages answers `/_dash-layout` with an empty page container; once the scripts run, the container's
Location reports the URL and the router callback sends the page: one more round trip before the page's
own callbacks can even start (README "Benchmarks", first render). The browser's request for the layout
names the page it is opening (the Referer, which our Referrer-Policy `same-origin` keeps for the app's own
requests), so the shell can put that page's layout in the container from the start, with the Location
already holding the path and query the browser shows: it then has nothing to report, and the router (which
Dash registers with `prevent_initial_call`) is not called. Panel slots draw their first content in the
layout (layouts/panel_view.py), so a first visit needs no callback for its panels either.

Whenever the Referer is missing, from another site, or names a path with no page, the plain container is
used and everything happens as before (the router fills it): this is a shortcut, never a requirement."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import dash
from dash import dcc, html

log = logging.getLogger(__name__)

# dash.page_container's ids (dash/dash.py): the router callback and Dash's title callback address these
LOCATION, CONTENT, STORE, DUMMY = "_pages_location", "_pages_content", "_pages_store", "_pages_dummy"


@dataclass(frozen=True)
class FirstPage:
    """The container to place, and the URL's commune (`?xa=`) when the page is already in it (the shell
    then starts its commune store with it, so nothing has changed when the browser reads the URL)."""
    container: object
    prefilled: bool = False
    xa: str | None = None
    pathname: str | None = None
    search: str = ""

    def url_props(self) -> dict:
        """The shell's own Location starts with the URL too, so its first report changes nothing either."""
        return {"pathname": self.pathname, "search": self.search} if self.prefilled else {}


def opened_url() -> tuple[str, str] | None:
    """(pathname, search) of the page whose scripts are asking for the layout, as `window.location` has
    them, or None when this request is not such a request or does not say (no Referer, another host)."""
    from flask import has_request_context, request
    if not has_request_context() or not request.path.endswith("/_dash-layout"):
        return None
    referrer = request.headers.get("Referer")
    if not referrer or len(referrer) > 4000:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return None
    # the host alone: behind a proxy that ends TLS the browser says https and this server may see http; the
    # Referer only chooses which of the user's own pages to draw (any page is theirs to ask for anyway)
    if parts.netloc != request.host or parts.scheme not in ("http", "https") or not parts.path:
        return None
    return parts.path, f"?{parts.query}" if parts.query else ""


def first_page() -> FirstPage:
    """The page container with the opened page in it, or Dash's empty one (see the module's docstring)."""
    opened = opened_url()
    if opened is None:
        return FirstPage(dash.page_container)
    pathname, search = opened
    try:
        from dash._pages import _parse_query_string, _path_to_page
        app = dash.get_app()
        if getattr(app, "routing_callback_inputs", None):     # the router would need more than the URL
            return FirstPage(dash.page_container)
        page, path_variables = _path_to_page(app.strip_relative_path(pathname))
        if not page:                       # not a page: the router says 404 as it always has
            return FirstPage(dash.page_container)
        query = _parse_query_string(search)
        layout = page.get("layout", "")
        content = layout(**{**(path_variables or {}), **query}) if callable(layout) else layout
        title = page["title"](**(path_variables or {})) if callable(page["title"]) else page["title"]
    except Exception:  # noqa: BLE001 - the router will draw the page (and report its error) as before
        log.exception("first page %s not drawn in the layout; the router will draw it", pathname)
        return FirstPage(dash.page_container)
    xa = parse_qs(search[1:]).get("xa", [None])[0] or None
    container = html.Div([
        dcc.Location(id=LOCATION, refresh="callback-nav", pathname=pathname, search=search),
        html.Div(content, id=CONTENT, disable_n_clicks=True),
        dcc.Store(id=STORE, data={"title": title}),
        html.Div(id=DUMMY, disable_n_clicks=True),
    ])
    return FirstPage(container, prefilled=True, xa=xa, pathname=pathname, search=search)

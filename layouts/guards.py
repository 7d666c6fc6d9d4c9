"""What the web server checks before Dash sees a request: nothing a visitor sends can make it run out of
memory, recurse to death, fail to encode its answer, or answer 200 for a page that does not exist.

- Bodies are capped (a callback needs kilobytes; the Data page's upload callbacks carry a base64 file and
  have their own, larger cap): 413 with a translated message.
- A callback body must look like what the Dash renderer sends (a known callback, its inputs and states as
  lists of {id, property, value}), nested at most MAX_DEPTH deep: otherwise 400, not a 500 from deep inside
  Dash. Lone surrogates in its strings (which no JSON encoder can send back) become U+FFFD.
- Query strings reaching a page's layout are cleaned the same way (core/text.py) and a repeated parameter
  is refused with a translated message on the page (layouts/pages.py).
- A path that is no page answers 404 (Dash Pages shows its "not found" layout with a 200)."""
from __future__ import annotations

import io
import json
import logging
import re

import orjson
from dash.exceptions import DashException
from flask import Response, request

from core.i18n import t
from core.text import source_text
from layouts.context import current_lang

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
MAX_CALLBACK_BYTES = 1_000_000          # the largest ordinary callback body is a few kilobytes
MAX_UPLOAD_BYTES = 28_000_000           # a 20 MB file (pages/data.py MAX_UPLOAD) in base64, plus the envelope
# callbacks whose body may carry the uploaded file (pages/data.py)
UPLOAD_OUTPUTS = ("data-preview.children", "data-stored.children")
MAX_DEPTH = 32
CHECKED_BODY = "brain.callback_body"    # where check_callback leaves the body it checked (the WSGI environ)
# the renderer sends "output" first ({"output": ..., "outputs": ..., "inputs": ...}), so the callback is
# known before the body is read
_OUTPUT_PREFIX = re.compile(rb'^\s*\{\s*"output"\s*:\s*"((?:[^"\\]|\\.){0,4000})"')
# paths served by the server itself, not pages
_OWN_PREFIXES = ("/_dash", "/_reload-hash", "/_favicon", "/assets/", "/set", "/tiles/", "/media/")


def _message(status: int, key: str, **values) -> Response:
    text = t(key, current_lang(), **values)
    return Response(json.dumps({"error": text}, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _clean(value, depth: int = 0):
    """Strings without lone surrogates; raises ValueError past MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    if isinstance(value, str):
        return source_text(value)
    if isinstance(value, list):
        return [_clean(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {source_text(k): _clean(v, depth + 1) for k, v in value.items()}
    return value


# orjson refuses lone surrogates (escaped or raw), NaN/Infinity and non-UTF-8 input: a body it parses needs no
# cleaning, only the depth check. It reads an integer of 20 digits or more as a float where json keeps an int:
# such a body (a browser never sends one) takes the json path, so both paths give the same values.
_LONG_INTEGER = re.compile(rb"\d{19}")


def _too_deep(value) -> bool:
    """Nested past MAX_DEPTH (the same count as _clean's: a scalar at depth MAX_DEPTH + 1 is too deep)."""
    level = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [v for c in level if isinstance(c, (list, dict)) for v in (c.values() if isinstance(c, dict) else c)]
        if not level:
            return False
    return True


def _parse(body: bytes):
    """The body's JSON with no lone surrogates and at most MAX_DEPTH deep, and its clean encoding; ValueError or
    RecursionError otherwise. The common case (valid UTF-8 JSON, nothing to replace) is parsed by orjson."""
    if not _LONG_INTEGER.search(body):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = _REFUSED
        if data is not _REFUSED:
            if _too_deep(data):
                raise ValueError("too deep")
            return data, orjson.dumps(data)
    data = _clean(json.loads(body))
    return data, json.dumps(data, ensure_ascii=False).encode()


_REFUSED = object()


def _read_body(limit: int, prefix: bytes, stream, length: int | None) -> bytes | None:
    """The body, never more than limit + 1 bytes read; never past Content-Length (a raw socket would wait)."""
    want = (limit + 1 if length is None else min(length, limit + 1)) - len(prefix)
    rest = stream.read(want) if want > 0 else b""
    body = prefix + rest
    return None if len(body) > limit else body


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text_or_none(v) -> bool:
    return v is None or isinstance(v, str)


# What the components on these pages can send for a property; a value no component could send is refused
# here (400) instead of reaching a callback that would trip over it. Properties not listed carry anything.
PROPERTY_TYPES = {
    "n_clicks": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53),
    "n_intervals": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53),
    # a dcc.Location always knows its path; None would crash Dash's router on a page with a path_template
    "pathname": lambda v: isinstance(v, str) and v.startswith("/"),
    "search": _text_or_none, "hash": _text_or_none, "href": _text_or_none,
    "contents": _text_or_none, "filename": _text_or_none, "date": _text_or_none,
    "value": lambda v: v is None or isinstance(v, str) or _number(v) or
    (isinstance(v, list) and all(isinstance(i, str) or _number(i) for i in v)),
    "clickData": lambda v: v is None or isinstance(v, dict),
    "selectedRows": lambda v: v is None or (isinstance(v, list) and all(isinstance(r, dict) for r in v)),
}


def _is_dependency(item) -> bool:
    if isinstance(item, list):   # pattern-matching ALL: a list of dependencies
        return all(_is_dependency(i) for i in item)
    if not (isinstance(item, dict) and isinstance(item.get("id"), (str, dict)) and isinstance(item.get("property"), str)):
        return False
    check = PROPERTY_TYPES.get(item["property"])
    return check is None or check(item.get("value"))


def check_callback(callback_map: dict) -> Response | None:
    """Body cap, shape, depth and surrogates of a callback request; None lets Dash go on."""
    length = request.content_length
    if length is not None and length > MAX_UPLOAD_BYTES:
        return _message(413, "error.body_too_large")
    stream = request.environ["wsgi.input"]
    prefix = stream.read(min(length, 8192) if length is not None else 8192)
    m = _OUTPUT_PREFIX.match(prefix)
    output = m.group(1).decode("utf-8", "replace") if m else ""
    # the larger cap only for a callback that really outputs to an upload target (the whole key, not a part)
    upload = output in callback_map and any(o in output.strip(".").split("...") for o in UPLOAD_OUTPUTS)
    limit = MAX_UPLOAD_BYTES if upload else MAX_CALLBACK_BYTES
    if length is not None and length > limit:
        return _message(413, "error.body_too_large")
    body = _read_body(limit, prefix, stream, length) if length is None or length > len(prefix) else prefix
    if body is None:
        return _message(413, "error.body_too_large")
    try:
        data, clean = _parse(body)
    except RecursionError:
        return _message(400, "error.bad_request")
    except ValueError:   # not JSON, not UTF-8, or nested past MAX_DEPTH
        return _message(400, "error.bad_request")
    if not isinstance(data, dict) or data.get("output") not in callback_map:
        return _message(400, "error.bad_request")
    if upload and data["output"] != output:   # a second "output" key later in the body would pick another callback
        return _message(400, "error.bad_request")
    cb = callback_map[data["output"]]
    inputs, state = data.get("inputs"), data.get("state", [])
    if not (isinstance(inputs, list) and isinstance(state, list) and len(inputs) == len(cb.get("inputs", []))
            and len(state) == len(cb.get("state", [])) and all(_is_dependency(i) for i in inputs + state)
            and isinstance(data.get("outputs", []), (list, dict))
            and isinstance(data.get("changedPropIds", []), list)
            and all(isinstance(p, str) for p in data.get("changedPropIds", []))):
        return _message(400, "error.bad_request")
    request.environ[CHECKED_BODY] = data      # the checked body, for the hooks after this one (not re-parsed)
    request.max_content_length = limit     # Flask 3.1: this request's own cap, for Dash's get_json()
    request.environ["wsgi.input"] = io.BytesIO(clean)
    request.environ["CONTENT_LENGTH"] = str(len(clean))
    return None


def install(app) -> None:
    """Hook the checks into the Dash app's Flask server."""
    import dash
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_CALLBACK_BYTES   # every other route: Flask answers 413

    @server.before_request
    def guard_request():
        if request.path == CALLBACK_PATH and request.method == "POST":
            return check_callback(app.callback_map)
        return None

    @server.errorhandler(DashException)
    def dash_refused(err):
        """Dash's own checks (outputs not matching the callback, ...) fail on a request that the renderer
        would never send: a 400 for the sender, not a 500 in the log."""
        log.warning("callback request refused by Dash: %s", str(err)[:200])
        return _message(400, "error.bad_request")

    @server.errorhandler(413)
    def too_large(_err):
        return _message(413, "error.body_too_large")


    @server.after_request
    def not_found_status(response: Response) -> Response:
        """Dash Pages answers every unknown path with the app (then shows "not found"): say 404."""
        if request.method != "GET" or response.status_code != 200 or response.mimetype != "text/html":
            return response
        path = request.path.rstrip("/") or "/"
        rule = request.url_rule.rule if request.url_rule is not None else None
        if path.startswith(_OWN_PREFIXES) or rule not in (None, "/", "/<path:path>"):
            return response   # a route of our own (sign-in, admin, exports): not Dash's catch-all
        pages = [p for p in dash.page_registry.values() if p.get("module") != "pages.not_found_404"]
        known = {(p.get("path") or "").rstrip("/") or "/" for p in pages if not p.get("path_template")}
        templates = [_template_regex(p["path_template"]) for p in pages if p.get("path_template")]
        if path not in known and not any(rx.fullmatch(path) for rx in templates):
            response.status_code = 404
        return response


# where a refused ?xa= waits for the page's first layout to say so (layouts/shell.py), after the redirect below
COMMUNE_REFUSED = "commune_refused"
COMMUNE_ERRORS = frozenset({"error.commune_forbidden", "error.unknown_commune"})


def install_commune_check(server) -> None:
    """A page opened with `?xa=` naming a commune the user may not see (or none there is) is answered with a
    redirect to the same page without it: the user's own commune, with the refusal said once in the header.
    Drawn at that URL instead, the page showed the refusal over the user's own commune from its layout, then
    the refusal in every panel at the first refresh, whose callbacks read the URL's commune. Registered after
    the sign-in gate (app.py): a visitor not signed in is sent to sign in first; a wall names its own commune."""
    from flask import redirect, session
    from urllib.parse import urlencode

    @server.before_request
    def commune_in_url():
        if request.method != "GET" or len(request.args.getlist("xa")) != 1:
            return None
        if request.url_rule is None or request.url_rule.rule not in ("/", "/<path:path>"):
            return None                                   # not a page of Dash's: exports and the rest check their own
        from auth.communes import resolve_commune
        from auth.context import current_actor, current_wall
        from core.errors import BadParam
        if current_wall() is not None or current_actor().role is None:
            return None
        try:
            resolve_commune(request.args.get("xa"))       # audits a refusal
            return None
        except BadParam as err:
            if err.key not in COMMUNE_ERRORS:
                return None
            session[COMMUNE_REFUSED] = {"key": err.key, "value": source_text(err.values.get("value", ""), limit=40)}
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "xa"]
            return redirect(request.path + ("?" + urlencode(rest) if rest else ""))


def refused_commune_message(lang: str):
    """The refusal a redirect above left for this page's first layout, once (None when there is none)."""
    from flask import has_request_context, session
    if not has_request_context() or not request.path.endswith("/_dash-layout"):
        return None
    refused = session.pop(COMMUNE_REFUSED, None)
    if not isinstance(refused, dict) or refused.get("key") not in COMMUNE_ERRORS:
        return None
    from components.errors import error_alert
    from core.errors import BadParam
    return error_alert(BadParam(refused["key"], value=str(refused.get("value", ""))[:40]), lang)


def _template_regex(template: str):
    """/wall/<name> -> a pattern matching /wall/anything-but-a-slash."""
    import re
    parts = re.split(r"(<[^>]+>)", template.rstrip("/") or "/")
    return re.compile("".join("[^/]+" if p.startswith("<") else re.escape(p) for p in parts))


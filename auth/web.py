"""The Flask side of access control, set up once by app.py (`init_app`):

- sessions: flask-login over a signed cookie that carries only a random session id (UserSession row),
  HttpOnly, SameSite=Lax, Secure when the request came over HTTPS; idle and absolute timeouts;
- the gate (one before_request): every path needs a signed-in user except the sign-in pages, /set and
  the vendored assets; a wall token opens its own wall and the few requests that wall makes, nothing else;
- cross-site request forgery: every POST must come from this origin (Origin, else Referer) and carry
  the session's token (Dash's renderer echoes the `_csrf_token` cookie as `X-CSRFToken`; forms post it);
- sign-in attempts rate-limited by address (flask-limiter) and by name + address (the audit log);
- headers (flask-talisman): a Content-Security-Policy with the hashes of Dash's few inline scripts,
  nosniff, frame-ancestors 'none', Referrer-Policy;
- optional single sign-on through OpenID Connect (auth.oidc)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit

from markupsafe import Markup
from flask import Flask, current_app, g, has_request_context, jsonify, make_response, redirect, render_template_string, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from auth.context import current_actor, current_wall
from auth.secret import secret_key
from commands import users as user_commands
from commands.base import Actor, PermissionDenied, audit
from commands.tokens import check_wall_token, wall_token_live
from core.i18n import t
from core.settings import get_settings
from layouts.context import current_lang, current_theme
from layouts.guards import CHECKED_BODY

log = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"          # the name dash-renderer reads and echoes as X-CSRFToken
# /healthz: the connection watchdog of every screen (walls included) pings it; it reads no data
PUBLIC_PATHS = frozenset({"/login", "/logout", "/set", "/login/oidc", "/login/oidc/callback", "/_favicon.ico",
                          "/healthz"})
PUBLIC_PREFIXES = ("/assets/",)
# what a wall's page needs besides /wall itself: Dash's scripts, layout and callbacks, map tiles, snapshots
WALL_PREFIXES = ("/assets/", "/_dash-component-suites/", "/tiles/", "/media/snapshot/")
WALL_PATHS = frozenset({"/_dash-layout", "/_dash-dependencies", "/_favicon.ico", "/_dash-update-component"})
WALL_ID_PREFIX = "wall-"             # a wall token may drive only callbacks whose outputs are wall-* ids
WALL_PANEL_TYPES = ("panel", "panel-seen")   # ... or panel slots (layouts/panel_view.py)
limiter = Limiter(get_remote_address, strategy="fixed-window")   # storage: RATELIMIT_STORAGE_URI, set in init_app
SESSION_KEPT_S = 30                  # the longest a worker answers a callback from a session it read before
KEPT_SESSIONS_MAX = 4096


class SignedIn(UserMixin):
    """flask-login's user: the id it keeps in the cookie is the session id, not the user's."""

    def __init__(self, actor: Actor):
        self.actor = actor

    def get_id(self) -> str:
        return self.actor.session_id or ""


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the request came over HTTPS (directly, or via a trusted proxy)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (has_request_context() and request.is_secure)


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


# --- the Dash request body ---------------------------------------------------------------------------

def _dash_body() -> dict:
    """The callback's body as layouts.guards checked it (parsed once a request), else parsed here."""
    if not request.path.endswith("/_dash-update-component"):
        return {}
    body = request.environ.get(CHECKED_BODY)
    if body is None:
        body = request.get_json(silent=True, cache=True)
    return body if isinstance(body, dict) else {}


def _flat(items) -> list[dict]:
    out: list[dict] = []
    for it in items if isinstance(items, list) else [items]:
        if isinstance(it, list):
            out += _flat(it)
        elif isinstance(it, dict):
            out.append(it)
    return out


def _is_user_action() -> bool:
    """Background refreshes (dcc.Interval ticks) do not keep a session alive; anything else does."""
    changed = _dash_body().get("changedPropIds")
    if isinstance(changed, list) and changed:
        return not all(isinstance(c, str) and c.endswith(".n_intervals") for c in changed)
    return True


# --- sessions kept briefly for callbacks -------------------------------------------------------------------

class KeptSessions:
    """The sessions this worker read lately, for callback requests and Dash's component bundles only (a page
    refresh sends a dozen callbacks a minute per screen, a first visit a dozen bundles at once; a page itself
    always reads its session from the store).

    An entry is used only while all of these hold, else the session is read from the store as before:
    - the "sessions" tag's version read for this request (one exchange with the cache, shared with the
      kept answers' key) is the one read with the entry: signing out, disabling a user, changing a role or a
      password (commands.users) bump it, so every worker reads those sessions again at once;
    - it was read less than SESSION_KEPT_S ago (a change written around the commands ages out by then);
    - the session's own clocks, kept with it, say it has not idled out nor passed its absolute lifetime;
    - the request does not have to move the idle clock (a user action, and the last move 30 s ago or more).
    A cache that does not answer (no version) keeps nothing: every request reads the store."""

    def __init__(self):
        self._kept: dict[str, tuple] = {}

    def get(self, session_id: str, ip: str | None, version: int | None, idle_s: int, absolute_s: int,
            touch: bool) -> Actor | None:
        entry = self._kept.get(session_id)
        if entry is None or version is None:
            return None
        kept_ip, kept_version, read_at, actor, created_t, seen_t = entry
        now = time.time()
        if (kept_ip != ip or kept_version != version or time.monotonic() - read_at >= SESSION_KEPT_S
                or now - seen_t > idle_s or now - created_t > absolute_s
                or (touch and now - seen_t >= user_commands.TOUCH_EVERY_S)):
            return None
        return actor

    def keep(self, session_id: str, ip: str | None, version: int | None, state: tuple) -> None:
        if version is None:
            return
        if len(self._kept) >= KEPT_SESSIONS_MAX:
            self._kept.clear()
        actor, created_t, seen_t = state
        self._kept[session_id] = (ip, version, time.monotonic(), actor, created_t, seen_t)

    def drop(self, session_id: object) -> None:
        if isinstance(session_id, str):
            self._kept.pop(session_id, None)


kept_sessions = KeptSessions()


def _is_callback() -> bool:
    return request.method == "POST" and request.path == "/_dash-update-component"


def _is_bundle() -> bool:
    """A script of Dash's component suites (fingerprinted, cached for a year): a first visit asks for a dozen
    at once, each behind the sign-in gate; reading the session from the store for each was most of what
    serving one cost (≈3-7 ms of a worker, while the same worker computes the page's layout)."""
    return request.method == "GET" and request.path.startswith("/_dash-component-suites/")


# --- wall tokens ---------------------------------------------------------------------------------------

def _wall_path_ok(path: str, playlist: str) -> bool:
    return path.rstrip("/") in ("/wall", f"/wall/{playlist}")


def _is_wall_path(path: str) -> bool:
    return path.rstrip("/") == "/wall" or path.startswith("/wall/")


def _wall_allows(wall: dict) -> bool:
    path = request.path
    if request.method in ("GET", "HEAD") and (_wall_path_ok(path, wall["playlist"]) or path.startswith(WALL_PREFIXES)
                                             or path in WALL_PATHS):
        return path != "/_dash-update-component"
    if request.method != "POST" or path != "/_dash-update-component":
        return False
    body = _dash_body()
    outputs = _flat(body.get("outputs"))
    if not outputs:
        return False
    ids = [o.get("id") for o in outputs]
    if "_pages_content" in ids:        # the pages router: only for this wall's own address
        where = [i.get("value") for i in _flat(body.get("inputs"))
                 if i.get("id") == "_pages_location" and i.get("property") == "pathname"]
        return bool(where) and all(isinstance(p, str) and _wall_path_ok(p, wall["playlist"]) for p in where)
    return all(_wall_output(i) for i in ids)


def _wall_output(component_id) -> bool:
    """What a wall may redraw: its own wall-* components and the panel slots of its slides (read-only
    answers from the query layer). A page shown as a slide needs that page's callbacks, which a wall link
    does not reach: such slides need a signed-in screen."""
    if isinstance(component_id, str):
        return component_id.startswith(WALL_ID_PREFIX)
    return isinstance(component_id, dict) and component_id.get("type") in WALL_PANEL_TYPES


# --- cross-site request forgery -------------------------------------------------------------------------

def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _same_origin() -> bool:
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent or sent == "null":
        return False
    parts = urlsplit(sent)
    return f"{parts.scheme}://{parts.netloc}" == request.host_url.rstrip("/")


def _csrf_problem() -> str | None:
    if not _same_origin():
        return "origin"
    sent = request.headers.get("X-CSRFToken")
    if sent is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = request.form.get("csrf_token")
    expected = session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        return "token"
    return None


# --- responses ------------------------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="{{ lang }}" data-bs-theme="{{ theme }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }} – {{ brand }}</title>
<link rel="stylesheet" href="/assets/00_bootstrap.min.css"><link rel="stylesheet" href="/assets/01_bootstrap-icons.min.css">
<link rel="stylesheet" href="/assets/02_fonts.css"><link rel="stylesheet" href="/assets/10_app.css"></head>
<body class="auth-page"><main class="auth-box">
<div class="auth-brand">{{ brand }}<small>{{ subtitle }}</small></div>
<h1 class="h4 mb-3">{{ title }}</h1>
{% for kind, text in messages %}<div class="alert alert-{{ kind }}" role="alert" id="auth-message">{{ text }}</div>{% endfor %}
{{ body }}
<div class="auth-foot"><a href="/set?lang={{ other_lang }}" id="auth-lang">{{ other_lang_label }}</a></div>
</main></body></html>"""

_SIGN_IN = """<form method="post" action="/login" id="sign-in-form" autocomplete="on">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
<label class="form-label" for="username">{{ t('auth.username') }}</label>
<input class="form-control mb-2" id="username" name="username" autocomplete="username" maxlength="100" required autofocus>
<label class="form-label" for="password">{{ t('auth.password') }}</label>
<input class="form-control mb-3" id="password" name="password" type="password" autocomplete="current-password" maxlength="1024" required>
<button class="btn btn-primary w-100" type="submit" id="sign-in">{{ t('auth.sign_in') }}</button></form>
{% if oidc %}<a class="btn btn-outline-secondary w-100 mt-2" href="/login/oidc?{{ next_q }}" id="sign-in-oidc">{{ t('auth.sign_in_with', name=oidc) }}</a>{% endif %}
{% if no_users %}<p class="small muted mt-3" id="auth-first-user">{{ t('auth.no_users') }}<br><code>python manage.py create-user admin --role administrator</code></p>{% endif %}"""

_SIGN_OUT = """<p>{{ t('auth.signed_in_as', who=who) }}</p>
<form method="post" action="/logout" id="sign-out-form"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<button class="btn btn-primary" type="submit" id="sign-out">{{ t('auth.sign_out') }}</button>
<a class="btn btn-outline-secondary ms-2" href="/">{{ t('common.cancel') }}</a></form>"""


def _render(title_key: str, body_tpl: str, status: int = 200, messages=(), **values):
    lang = current_lang()
    other = "en" if lang == "vi" else "vi"
    tr = lambda key, **v: t(key, lang, **v)   # noqa: E731
    body = Markup(render_template_string(body_tpl, t=tr, **values))   # escaped already
    html = render_template_string(_PAGE, lang=lang, theme=current_theme(), title=tr(title_key), brand=tr("app.brain"),
                                  subtitle=tr("app.title"), messages=list(messages), body=body, other_lang=other,
                                  other_lang_label=tr(f"shell.lang_{other}"))
    resp = make_response(html, status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _deny(status: int = 403, key: str = "auth.forbidden"):
    if request.path.startswith("/_dash-") or request.method != "GET" or request.accept_mimetypes.best == "application/json":
        return make_response(jsonify({"error": t(key, current_lang())}), status)
    return _render("auth.forbidden_title", "<p>{{ t(k) }}</p><a href='/'>{{ t('auth.home') }}</a>", status, k=key)


def safe_next(target: object) -> str:
    """Only a path on this site: no scheme, no host, no //evil or \\evil."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or len(target) > 2000 or re.search(r"[\x00-\x1f]", target):
        return "/"
    return target


# --- set-up -----------------------------------------------------------------------------------------------

def init_app(server: Flask, dash_app) -> None:
    s = get_settings()
    server.secret_key = secret_key()
    server.config.update(SESSION_COOKIE_NAME="brain_session", SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=False)
    server.session_interface = _SessionInterface()
    if s.trust_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)

    login_manager = LoginManager()
    login_manager.session_protection = "basic"
    login_manager.init_app(server)

    from queries import cache as data_cache
    # every request checks its session, and a callback its communes: their versions are read with the data
    # version in the request's one exchange with the cache (queries/cache.py pin_versions)
    data_cache.watch_tags(user_commands.SESSIONS_TAG, "access", "site")

    @login_manager.user_loader
    def load_user(session_id):
        now = get_settings()
        idle_s, absolute_s, touch, ip = (now.session_idle_minutes * 60, now.session_absolute_hours * 3600,
                                         _is_user_action(), client_ip())
        keep = (_is_callback() or _is_bundle()) and isinstance(session_id, str)
        version = data_cache.tag_version(user_commands.SESSIONS_TAG) if keep else None
        if keep:
            actor = kept_sessions.get(session_id, ip, version, idle_s, absolute_s, touch)
            if actor is not None:
                return SignedIn(actor)
        state = user_commands.session_state(session_id, ip, idle_s, absolute_s, touch=touch)
        if state is None:
            kept_sessions.drop(session_id)
            return None
        if keep:
            kept_sessions.keep(session_id, ip, version, state)
        return SignedIn(state[0])

    server.config["RATELIMIT_STORAGE_URI"] = s.redis_url or "memory://"
    server.config["RATELIMIT_HEADERS_ENABLED"] = False
    limiter.init_app(server)
    _skip_limiter_where_no_limit_applies(server)

    server.before_request(_gate)
    server.after_request(_csrf_cookie)
    _routes(server)
    from auth import oidc
    oidc.init_app(server)
    _headers(server, dash_app)

    @server.errorhandler(PermissionDenied)
    def _forbidden(_err):
        return _deny(403)

    @server.errorhandler(429)
    def _too_many(_err):
        audit(Actor(str(request.form.get("username", ""))[:100] or "anonymous", None, client_ip()), "sign_in",
              None, "throttled", "rate limit")
        return _render("auth.sign_in", _SIGN_IN, 429, [("danger", t("auth.too_many", current_lang()))],
                       csrf=csrf_token(), next="/", next_q="", oidc=None, no_users=False)


def _no_limit_on_callbacks() -> bool:
    """Whether no rate limit can apply to a callback request: none for every route (default or application
    limits) and none on Dash's callback view. Read at each request (a few attribute reads), so a limit
    added later applies at once."""
    from flask_limiter.util import get_qualified_name
    m = limiter.limit_manager
    view = current_app.view_functions.get(request.endpoint or "")
    return not (view is None or request.blueprint or m.application_limits or m.default_limits
                or m.decorated_limits(get_qualified_name(view)) or m.has_hints(request.endpoint or ""))


def _skip_limiter_where_no_limit_applies(server: Flask) -> None:
    """flask-limiter looks up every request's limits (≈0.05 ms of a 1 ms kept callback answer); a callback has
    none (the only limit is on the sign-in form), so its check is skipped while that stays true. Any other
    request, and a callback once a limit could apply to it, goes through the limiter as before."""
    hooks = server.before_request_funcs.setdefault(None, [])
    for i, hook in enumerate(hooks):
        if hook == limiter._check_request_limit:      # noqa: SLF001 - the bound method init_app registered
            check = hook

            def check_request_limit(check=check):
                if _is_callback() and _no_limit_on_callbacks():
                    return None
                return check()
            hooks[i] = check_request_limit
            return


def _gate():
    path = request.path
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        problem = _csrf_problem()
        if problem:
            if path == "/login":       # an expired form: show it again rather than an error page
                return redirect("/login?expired=1")
            audit(Actor(current_actor().username, current_actor().role, client_ip()), "csrf", path[:200], "denied",
                  problem)
            return _deny(403)
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    ip = client_ip()
    token = request.args.get("token")
    if token is not None and _is_wall_path(path) and not current_user.is_authenticated:
        info = check_wall_token(token)
        if info is None or not _wall_path_ok(path, info[1]):
            session.pop("wall", None)
            audit(Actor("anonymous", None, ip), "wall.open", path[:200], "denied",
                  "bad or revoked token" if info is None else f"token for {info[1]}")
            return _deny(403)
        session.clear()
        session["wall"] = {"id": info[0], "playlist": info[1]}
        csrf_token()
        audit(Actor(f"wall:{info[0]}", None, ip), "wall.open", info[1], "ok")
    wall = current_wall()
    if wall is not None and not current_user.is_authenticated:
        if not isinstance(wall.get("id"), int) or not wall_token_live(wall["id"]):
            session.clear()
            audit(Actor(f"wall:{wall.get('id')}", None, ip), "wall.request", path[:200], "denied", "revoked")
            return _deny(403)
        g.brain_actor = Actor(f"wall:{wall['id']}", None, ip)
        if not _wall_allows(wall):
            audit(g.brain_actor, "wall.request", path[:200], "denied", None)
            return _deny(403)
        return None
    if not current_user.is_authenticated:
        if path.startswith("/_dash-") or request.method not in ("GET", "HEAD"):
            return make_response(jsonify({"error": "sign-in required", "login": "/login"}), 401)
        nxt = request.full_path.rstrip("?") if request.query_string else path
        return redirect("/login?" + urlencode({"next": safe_next(nxt)}))
    return None


def _csrf_cookie(resp):
    token = session.get("csrf")
    if isinstance(token, str) and request.cookies.get(CSRF_COOKIE) != token:
        resp.set_cookie(CSRF_COOKIE, token, httponly=False, samesite="Strict", secure=request.is_secure, path="/")
    resp.headers.pop("Server", None)
    return resp


def _routes(server: Flask) -> None:
    @server.route("/login", methods=["GET", "POST"])
    @limiter.limit(lambda: get_settings().login_rate_limit, methods=["POST"])
    def login():
        from auth import oidc
        lang = current_lang()
        nxt = safe_next(request.values.get("next", "/"))
        if request.method == "GET" and current_user.is_authenticated:
            return redirect(nxt)
        messages = []
        if request.args.get("out"):
            messages.append(("success", t("auth.signed_out", lang)))
        if request.args.get("expired"):
            messages.append(("warning", t("auth.expired", lang)))
        if request.args.get("sso_failed"):
            messages.append(("danger", t("auth.sso_failed", lang)))
        status = 200
        if request.method == "POST":
            outcome, actor = user_commands.sign_in(request.form.get("username"), request.form.get("password"),
                                                   client_ip(), get_settings().login_max_failures)
            if outcome == "ok":
                return finish_sign_in(actor, nxt)
            messages.append(("danger", t("auth.too_many" if outcome == "throttled" else "auth.failed", lang)))
            status = 429 if outcome == "throttled" else 401
        try:
            no_users = user_commands.count_users() == 0
        except Exception:  # noqa: BLE001 - before the first migration
            no_users = True
        return _render("auth.sign_in", _SIGN_IN, status, messages, csrf=csrf_token(), next=nxt,
                       next_q=urlencode({"next": nxt}), oidc=oidc.label(), no_users=no_users)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if not current_user.is_authenticated:
            session.pop("wall", None)
            return redirect("/login")
        actor = current_actor()
        if request.method == "GET":
            return _render("auth.sign_out", _SIGN_OUT, csrf=csrf_token(), who=actor.label)
        user_commands.sign_out(Actor(actor.username, actor.role, client_ip(), actor.display_name, actor.user_id,
                                     actor.session_id))
        kept_sessions.drop(actor.session_id)
        logout_user()
        session.clear()
        resp = redirect("/login?out=1")
        resp.delete_cookie(CSRF_COOKIE, path="/")
        return resp

    server.add_url_rule("/admin/audit.csv", "audit_csv", audit_csv)


def audit_csv():
    """The audit log as CSV for administrators, with the page's filters; cells a spreadsheet would run
    as a formula are written as text."""
    import csv
    import io

    from commands.audit import COLUMNS, audit_rows, formula_safe
    from core.timeutil import to_local
    rows = audit_rows(current_actor(), request.args.get("who"), request.args.get("action"), request.args.get("outcome"),
                      request.args.get("days", "7"))
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["time"] + COLUMNS[1:])
    for r in rows:
        when = to_local(int(r["t"])).strftime("%d/%m/%Y %H:%M:%S")
        out.writerow([when] + [formula_safe(r[c]) for c in COLUMNS[1:]])
    resp = make_response("\ufeff" + buf.getvalue())      # BOM: Excel reads UTF-8 Vietnamese correctly
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = "attachment; filename=audit-log.csv"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def finish_sign_in(actor: Actor, nxt: str):
    """A new session after a password or single sign-on: nothing from before sign-in survives."""
    session.clear()           # language and theme live in their own cookies, untouched
    login_user(SignedIn(actor))
    csrf_token()
    return redirect(safe_next(nxt))


# --- headers ------------------------------------------------------------------------------------------------

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>(?:(?!\bsrc=)[^>])*)>(?P<body>.*?)</script>", re.S)


def inline_script_hashes(html: str) -> list[str]:
    """CSP hashes of the inline scripts Dash writes into its page: the renderer's start-up line and the
    clientside callbacks given as strings. JSON blocks (the Dash config) are data, not script."""
    out = []
    for m in _INLINE_SCRIPT.finditer(html):
        if "application/json" in m.group("attrs") or not m.group("body").strip():
            continue
        digest = base64.b64encode(hashlib.sha256(m.group("body").encode()).digest()).decode()
        out.append(f"'sha256-{digest}'")
    return sorted(set(out))


def content_security_policy(script_hashes: list[str]) -> dict:
    s = get_settings()
    img = ["'self'", "data:", "blob:"]
    if s.tile_url:
        parts = urlsplit(s.tile_url.replace("{s}", "a"))
        if parts.scheme in ("http", "https") and parts.netloc:
            img.append(f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in s.tile_url else parts.netloc}")
    form = ["'self'"]
    if s.oidc_issuer:
        p = urlsplit(s.oidc_issuer)
        form.append(f"{p.scheme}://{p.netloc}")
    return {
        "default-src": "'self'",
        "script-src": ["'self'"] + script_hashes,
        # Plotly, AG Grid and Leaflet write <style> elements and style attributes at run time
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": img,
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": form,
        "frame-ancestors": "'none'",
    }


def _headers(server: Flask, dash_app) -> None:
    from flask_talisman import Talisman
    import dash
    # the page's inline scripts depend on its path (app.py leaves out the bundles a page does not draw): the
    # hashes of every page's start-up scripts, each once
    hashes: list[str] = []
    for path in ["/"] + [page["path"] for page in dash.page_registry.values()]:
        with server.test_request_context(path):
            hashes += [h for h in inline_script_hashes(dash_app.index()) if h not in hashes]
    server.config["CSP_SCRIPT_HASHES"] = hashes
    talisman = Talisman(server, force_https=False, session_cookie_secure=False, frame_options="DENY",
             content_security_policy=content_security_policy(server.config["CSP_SCRIPT_HASHES"]),
             referrer_policy="same-origin", strict_transport_security=True, x_content_type_options=True,
             permissions_policy={"browsing-topics": "()", "camera": "()", "microphone": "()", "geolocation": "()"})

    _headers_kept_for_callbacks(server, talisman)


def _headers_kept_for_callbacks(server: Flask, talisman) -> None:
    """flask-talisman builds its headers afresh for every response (≈0.07 ms of a 1 ms kept callback answer).
    A callback's are always the same (Dash's callback view has no options of its own, no nonce is used;
    only Strict-Transport-Security depends on the request, on HTTPS or not): the first callback of each kind
    has talisman build them, on an empty response, and later callbacks get a copy of those. Every other
    response is built by talisman as before."""
    set_headers = talisman._set_response_headers            # noqa: SLF001 - the hook Talisman registered
    kept: dict[bool, list[tuple[str, str]]] = {}

    def set_response_headers(response):
        if not _is_callback() or talisman.content_security_policy_nonce_in:
            return set_headers(response)
        headers = kept.get(request.is_secure)
        if headers is None:
            from flask import Response
            blank = Response()
            before = set(blank.headers.items())
            set_headers(blank)
            headers = kept[request.is_secure] = [h for h in blank.headers.items() if h not in before]
        for name, value in headers:
            response.headers[name] = value
        return response
    hooks = server.after_request_funcs.setdefault(None, [])
    hooks[hooks.index(set_headers)] = set_response_headers

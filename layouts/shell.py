"""The navigation shell for laptops and phones: the commune's name (and a switcher for users allowed
several), navigation by pillar, a clock in Asia/Ho_Chi_Minh, the alert banner, the language and theme
switches, and the page below.

The commune is in the URL as `?xa=<commune id>`, carried onto every navigation link like the period and
the village; the shell copies it into the store `shell-commune`, which every panel slot reads (and the
server checks against the user: auth/communes.py). A query parameter rather than a path prefix: Dash
Pages passes it to every layout unchanged, the filter sync already carries parameters from page to page,
and no page has to be registered once per commune."""
from __future__ import annotations

from urllib.parse import quote

import dash
from dash import ALL, Input, Output, State, callback, clientside_callback, dcc, html

from auth.context import can, current_actor, current_wall
from components.alert_actions import action_dialog
from components.alert_banner import alert_banner
from components.errors import error_alert
from core.errors import BadParam
from core.i18n import t
from core.timeutil import LOCAL_TZ
from layouts.context import current_lang, current_theme
from layouts.first_page import first_page
from layouts.guards import refused_commune_message

def nav_entries(menu: str = "bar") -> list[tuple[str, str]]:
    """(key, path) of the pages the signed-in user may open, from Dash's page registry, in page order.
    A page shows up by registering `nav=<key>` (its label is t("nav.<key>")); `nav_role` (default:
    anyone signed in) hides it from lesser roles; `nav_menu="user"` puts it in the user menu instead of
    the bar (the administrator's pages). The pages themselves check the role again: this only hides links."""
    pages = sorted(dash.page_registry.values(), key=lambda p: (p.get("order") is None, p.get("order") or 0,
                                                                  p.get("module", "")))
    return [(p["nav"], p["path"]) for p in pages
            if p.get("nav") and p.get("nav_menu", "bar") == menu and (p.get("nav_role") is None or can(p["nav_role"]))]


def _commune_name(lang: str, commune_id: str | None = None) -> tuple[str, str]:
    try:
        from queries.site import commune
        c = commune(commune_id)
    except Exception:  # noqa: BLE001 - the shell must render even before the first migration
        c = {}
    if not c:
        return t("app.title", lang), ""
    return (c["name"] if lang == "vi" else c["name_en"]), c.get("parent", "")


def _first_commune() -> str | None:
    try:
        from auth.communes import allowed_communes
        allowed = allowed_communes()
    except Exception:  # noqa: BLE001 - before the first migration
        return None
    return allowed[0] if allowed else ""     # "": a user with no commune, the header names none


def _commune_switcher(lang: str, pathname: str | None = None):
    """The communes this user may see, when more than one: each link opens the same page for that commune
    (`pathname`: the page the layout draws, else the overview; the href then follows the page, clientside
    below, called only when the page changes); the city page, which shows them side by side."""
    try:
        from auth.communes import allowed_communes
        from queries.site import commune
        allowed = allowed_communes()
    except Exception:  # noqa: BLE001 - before the first migration
        return None
    if len(allowed) < 2:
        return None
    path = pathname if pathname and pathname.startswith("/") and not pathname.startswith("//") else "/"
    items = [dcc.Link(t("city.title", lang), href="/city", id="shell-commune-city", className="dropdown-item"),
             html.Hr(className="dropdown-divider")]
    for cid in allowed:
        c = commune(cid)
        # a plain link: opening another commune reloads the page, so every store starts from its URL
        items.append(html.A(c.get("name") if lang == "vi" else c.get("name_en"), href=f"{path}?xa={quote(cid, safe='')}",
                            id={"type": "commune-link", "xa": cid}, className="dropdown-item"))
    return shell_menu("shell-commune-switch", html.I(className="bi bi-geo-alt"), items, toggle_class="shell-commune-toggle",
                      title=t("shell.commune_switch", lang))


def shell_menu(menu_id: str, label, items: list, *, toggle_class: str, class_name: str = "", title: str | None = None):
    """A header menu as the browser's own disclosure (<details>/<summary>), styled as Bootstrap's dropdown.
    dbc.DropdownMenu positioned its closed menus with Popper when the page first rendered: ~60 ms of a first
    visit's main thread, on every page, for menus nobody had opened. This one costs nothing until opened, is
    keyboard-operable as it is, and assets/15_menus.js closes it on a click elsewhere, Escape or a choice."""
    return html.Details([
        html.Summary(label, className=f"dropdown-toggle {toggle_class}", title=title, **{"aria-haspopup": "menu"}),
        html.Div(items, className="dropdown-menu dropdown-menu-end show shell-menu-list", role="menu"),
    ], id=menu_id, className=f"shell-menu {class_name}".strip())


def _alert_slot(lang: str, xa: str | None = None):
    return alert_banner(lang, xa)


def _user_slot(lang: str):
    """Who is signed in, the administrator's pages, and sign-out (a form POST carrying the CSRF token)."""
    actor = current_actor()
    if actor.role is None:
        return None
    from auth.web import csrf_token
    items = [html.H6(f"{actor.label} · {t(f'role.{actor.role}', lang)}", className="dropdown-header")]
    items += [dcc.Link(t(f"nav.{key}", lang), href=path, id=f"shell-nav-{key}", className="dropdown-item")
              for key, path in nav_entries("user")]
    items.append(html.Hr(className="dropdown-divider"))
    items.append(html.Form([dcc.Input(type="hidden", name="csrf_token", value=csrf_token(), id="shell-sign-out-token"),
                            html.Button([html.I(className="bi bi-box-arrow-right me-2"), t("auth.sign_out", lang)],
                                        type="submit", className="dropdown-item", id="shell-sign-out")],
                           action="/logout", method="POST"))
    label = html.Span([html.I(className="bi bi-person-circle me-1"), html.Span(actor.label, className="shell-user-name")])
    return shell_menu("shell-user", label, items, toggle_class="shell-user-toggle", class_name="shell-user")


def _wall_shell():
    """A wall token sees its page and nothing of the navigation shell (whose callbacks it may not run)."""
    return html.Div([dcc.Location(id="shell-url"), dcc.Interval(id="shell-tick", interval=60_000),
                     dcc.Store(id="shell-commune"),
                     html.Main(dash.page_container, className="page")], id="shell", className="wall-shell")


def layout():
    if current_wall() is not None and current_actor().role is None:
        return _wall_shell()
    lang, theme = current_lang(), current_theme()
    first = first_page()
    if first.prefilled:     # the page is in the layout: the header names its commune (?xa=) from the start
        name, parent, commune_problem = commune_header(first.xa, lang)
    else:
        (name, parent), commune_problem = _commune_name(lang, _first_commune()), None
    # a full load of another commune's URL was redirected to the user's own (layouts/guards.py): say why, once
    commune_problem = commune_problem or refused_commune_message(lang)
    other_lang = "en" if lang == "vi" else "vi"
    other_theme = "light" if theme == "dark" else "dark"
    return html.Div([
        dcc.Location(id="shell-url", **first.url_props()),
        dcc.Interval(id="shell-tick", interval=60_000),
        dcc.Interval(id="shell-clock-tick", interval=1_000),
        dcc.Store(id="shell-filters-sync"),
        # the URL's commune, when the page came with the layout: the shell's copy of the URL then changes nothing
        dcc.Store(id="shell-commune", **({"data": first.xa} if first.prefilled and first.xa else {})),
        html.Header([
            dcc.Link([t("app.brain", lang), " · ", html.Span(name, id="shell-commune-name"),
                      # on a laptop the parent commune stays and the app's title gives way (10_app.css)
                      html.Small([html.Span(t("app.title", lang), className="shell-app-title"),
                                  html.Span(parent, id="shell-commune-parent", className="shell-commune-parent")])],
                     href="/", className="shell-brand", id="shell-brand"),
            # dcc.Link: moving between pages swaps the page in place, with no reload of the scripts
            html.Nav([dcc.Link(t(f"nav.{key}", lang), href=path, id={"type": "nav", "page": key, "path": path})
                      for key, path in nav_entries()], className="shell-links"),
            html.Div([
                _alert_slot(lang, first.xa if first.prefilled else None),
                _commune_switcher(lang, first.pathname),
                html.Span(_clock_now(), id="shell-clock", className="shell-clock"),
                html.A(t(f"shell.lang_{other_lang}", lang), href=f"/set?lang={other_lang}", id="shell-lang-switch",
                       title=t(f"shell.lang_{other_lang}", lang)),
                html.A(html.I(className="bi bi-moon-stars" if theme == "light" else "bi bi-sun"),
                       href=f"/set?theme={other_theme}", id="shell-theme-switch",
                       title=t(f"shell.theme_{other_theme}", lang)),
                _user_slot(lang),
            ], className="shell-right"),
        ], className="shell-nav d-flex align-items-center"),
        html.Div(id="shell-error"),
        html.Div(commune_problem, id="shell-commune-error"),
        html.Div(id="shell-watchdog", className="watchdog", hidden=True, role="alert"),
        action_dialog(lang),
        html.Main(first.container, className="page"),
    ], id="shell", **{"data-lang": lang})


def _clock_now() -> str:
    """The clock's first reading, in the layout: the browser's own clock takes over at the first tick."""
    from datetime import datetime
    return datetime.now(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


# The clock: local time of the commune whatever the viewer's machine says. Its first reading comes with the
# layout, so the formatter (whose first construction loads the time zone data: ~25 ms of a first visit's main
# thread) is built at the first tick, after the page is drawn, and kept.
clientside_callback(
    """function (_) {
        const f = window.brainClock || (window.brainClock = new Intl.DateTimeFormat('vi-VN', {timeZone: '%s',
                   day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false}));
        const g = Object.fromEntries(f.formatToParts(new Date()).map(p => [p.type, p.value]));
        return `${g.day}/${g.month}/${g.year} ${g.hour}:${g.minute}`;
    }""" % LOCAL_TZ.key,
    Output("shell-clock", "children"), Input("shell-clock-tick", "n_intervals"), prevent_initial_call=True)

# Filters -> URL query string (replaceState: no reload) and onto every navigation link.
clientside_callback(
    """function (values, dates, _commune, navIds) {
        const ctx = dash_clientside.callback_context;
        const items = (ctx.inputs_list[0] || []).concat(ctx.inputs_list[1] || []);
        const q = new URLSearchParams(window.location.search);
        let period = null;
        items.forEach(it => { if (it.id.name === 'period') { period = it.value; } });
        items.forEach(it => {
            const name = it.id.name;
            let v = it.value;
            if ((name === 'start' || name === 'end') && period !== 'custom') { v = null; }
            if (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length)) { q.delete(name); }
            else { q.set(name, v); }
        });
        const qs = q.toString();
        const url = window.location.pathname + (qs ? '?' + qs : '');
        if (url !== window.location.pathname + window.location.search) { window.history.replaceState(null, '', url); }
        const shared = new URLSearchParams();
        ['period', 'start', 'end', 'village', 'xa'].forEach(k => { if (q.get(k)) { shared.set(k, q.get(k)); } });
        const s = shared.toString();
        return [navIds.map(id => id.path + (s ? '?' + s : '')), qs];
    }""",
    Output({"type": "nav", "page": ALL, "path": ALL}, "href"), Output("shell-filters-sync", "data"),
    Input({"type": "filter", "name": ALL}, "value"), Input({"type": "filter-date", "name": ALL}, "date"),
    Input("shell-commune", "data"),     # pages without filters still carry the commune onto the links
    State({"type": "nav", "page": ALL, "path": ALL}, "id"))

# The current page's link is marked.
clientside_callback(
    """function (path, ids) {
        return ids.map(id => (id.path === '/' ? path === '/' : (path || '').startsWith(id.path)) ? 'active' : '');
    }""",
    Output({"type": "nav", "page": ALL, "path": ALL}, "className"), Input("shell-url", "pathname"),
    State({"type": "nav", "page": ALL, "path": ALL}, "id"))

# The wall (/wall, /wall/<name>) hides the navigation and is always dark.
clientside_callback(
    """function (path) {
        const wall = /^\\/wall(\\/|$)/.test(path || '');
        document.body.classList.toggle('wall-mode', wall);
        if (wall) { document.documentElement.setAttribute('data-bs-theme', 'dark'); }
        return wall ? 'shell-wall' : '';
    }""",
    Output("shell", "className"), Input("shell-url", "pathname"))


# The commune of the URL (?xa=) into the store every panel slot reads; unchanged: no update, so the
# panels are not asked again when another filter moves, nor when a page opens (its slots and the header
# are drawn for the URL's commune with the layout; an empty store and no ?xa= both mean the default one).
clientside_callback(
    """function (search, current) {
        const xa = new URLSearchParams(search || '').get('xa') || null;
        return xa === (current == null ? null : current) ? window.dash_clientside.no_update : xa;
    }""",
    Output("shell-commune", "data"), Input("shell-url", "search"), State("shell-commune", "data"))

# The switcher's links open the page being looked at, for the other commune (its own filters dropped:
# another commune's village means nothing here).
clientside_callback(
    """function (path, ids) {
        return ids.map(id => (path || '/') + '?xa=' + encodeURIComponent(id.xa));
    }""",
    Output({"type": "commune-link", "xa": ALL}, "href"), Input("shell-url", "pathname"),
    State({"type": "commune-link", "xa": ALL}, "id"), prevent_initial_call=True)

# The brand opens the overview of the commune being shown.
clientside_callback(
    """function (xa) { return xa ? '/?xa=' + encodeURIComponent(xa) : '/'; }""",
    Output("shell-brand", "href"), Input("shell-commune", "data"))


@callback(Output("shell-commune-name", "children"), Output("shell-commune-parent", "children"),
          Output("shell-commune-error", "children"), Input("shell-commune", "data"), prevent_initial_call=True)
def update_commune_name(xa):
    """The header names the commune being shown; a commune the user may not see is refused here and by
    every panel (the server checks, whatever the browser sends). Not called when a page opens with its
    layout (the shell names it then, layouts/first_page.py); called when the browser's copy of the URL's
    commune arrives otherwise, or changes."""
    return commune_header(xa, current_lang())


def commune_header(xa, lang: str):
    """(name, parent, refusal message or None) for the header, for the URL's commune `xa`."""
    from auth.communes import resolve_commune
    try:
        commune = resolve_commune(xa)
        problem = None
    except BadParam as err:
        problem = error_alert(err, lang)
        try:
            commune = resolve_commune(None)
        except BadParam:            # no commune at all for this user: the header names none
            return t("app.title", lang), "", problem
    name, parent = _commune_name(lang, commune)
    return name, parent, problem

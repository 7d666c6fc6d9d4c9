"""Báo cáo — the weekly report archive: every generated PDF (Decree 30 form) and XLSX with a download
link, and a button that makes (or makes again) a chosen week's pack as a background callback with a
progress bar, so the page stays responsive while charts are drawn and the PDF is laid out.

Each commune has its own reports: the page makes the commune's of `?xa=` (resolved for the user on the
server) and lists the files of the communes the user may see. The background callback runs where there
is no request to ask who is signed in, so the layout hands it the commune and the allowed communes
signed with the app's secret (itsdangerous): a forged value is refused, not trusted.

The archive says whose each report is (the commune's name, Vietnamese unless the viewer chose English)
and can be narrowed to one commune; reports the last run could not make are listed above it with the
reference to find them in the log. Both only ever show the viewer's communes, checked on the server;
a download link of another commune's file answers 404 (reports/routes.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from itsdangerous import BadData, URLSafeSerializer

from auth.communes import allowed_communes, resolve_commune
from auth.secret import secret_key

from components.page import card, page_header
from core.errors import BadParam
from core.formatting import fmt_date, fmt_datetime, fmt_number
from core.i18n import t
from layouts.context import current_lang
from queries.site import communes as site_communes
from queries.site import default_commune
from reports import archive
from reports.background import MANAGER
from reports.meta import last_full_week
from reports.weekly import make_weekly, parse_week

dash.register_page(__name__, path="/reports", order=9, nav="reports", title="Báo cáo – Bộ não số")
P = "rep"
WEEKS_OFFERED = 12


def week_options(lang: str, now: datetime | None = None) -> list[dict]:
    """The last full weeks, newest first: "Tuần 48/2026 (23/11/2026–29/11/2026)"."""
    last = last_full_week(now)
    out = []
    for i in range(WEEKS_OFFERED):
        monday = last - timedelta(days=7 * i)
        year, week, _ = monday.isocalendar()
        label = (f"{t('report.week_label', lang, week=f'{week:02d}', year=year)} "
                 f"({fmt_date(monday)}–{fmt_date(monday + timedelta(days=6))})")
        out.append({"label": label, "value": archive.week_key(monday)})
    return out


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(), salt="report-commune")


def sign_scope(commune: str | None, allowed: list[str]) -> str:
    """What the background callback may act on: the commune to report on and those to list."""
    return _signer().dumps({"commune": commune, "allowed": list(allowed)})


def read_scope(token) -> tuple[str | None, list[str]]:
    """(commune, allowed) from a signed scope; BadParam for anything not signed here."""
    try:
        scope = _signer().loads(token) if isinstance(token, str) else None
    except BadData:
        scope = None
    if not isinstance(scope, dict) or not isinstance(scope.get("allowed"), list):
        raise BadParam("error.commune_forbidden", value="—")
    return scope.get("commune"), [c for c in scope["allowed"] if isinstance(c, str)]


def visible_files(allowed: list[str], only: str | None = None) -> list:
    """The archive's files of the allowed communes (an unnamed, older file: the default commune's), or of
    `only` among them."""
    parts = {archive.name_part(c) for c in allowed if not only or c == only}
    default = archive.name_part(default_commune() or "")
    return [f for f in archive.files() if (f.commune or default) in parts]


def commune_names(lang: str) -> dict[str, str]:
    """File-name part -> the commune's name in words ("Quảng Thọ (cũ)"; in English its English name)."""
    out = {}
    for row in site_communes().to_dict("records"):
        name = row["name"] if lang == "vi" or not row.get("name_en") else row["name_en"]
        out[archive.name_part(row["id"])] = name
    return out


def commune_options(lang: str, allowed: list[str]) -> list[dict]:
    names = commune_names(lang)
    return [{"label": t("reports.all_communes", lang), "value": ""}] + [
        {"label": names.get(archive.name_part(c), c), "value": c} for c in allowed]


def week_text(key: str, lang: str) -> str:
    year, week = key.split("-W")
    return t("report.week_label", lang, week=week, year=year)


def failed_list(lang: str, allowed: list[str], only: str | None = None):
    """The allowed communes' weeks whose last run failed (the record of a week is replaced by its next
    run, so a week made since is not listed), newest first."""
    names = commune_names(lang)
    keep = {c for c in allowed if not only or c == only}
    items = []
    for run in archive.runs():
        commune = run.commune or default_commune()
        if not run.failed or commune not in keep:
            continue
        try:
            when = fmt_datetime(datetime.fromisoformat(run.at), lang)
        except (TypeError, ValueError):
            when = "—"
        key = "reports.mail_failed" if run.state == "mail_failed" else "reports.failed"
        items.append(html.Li(t(key, lang, week=week_text(run.week, lang),
                               commune=names.get(archive.name_part(commune or ""), commune or "—"),
                               when=when, ref=run.ref or "—"), className=f"{P}-failed-item"))
    if not items:
        return None
    return dbc.Alert([html.Strong(t("reports.failed_title", lang)), html.Ul(items, className="mb-0")],
                     color="warning", id=f"{P}-failed")


def archive_table(lang: str, allowed: list[str] | None = None, only: str | None = None):
    allowed = allowed_communes() if allowed is None else allowed
    failed = failed_list(lang, allowed, only)
    files = visible_files(allowed, only)
    if not files:
        return html.Div([failed, html.Div(t("reports.empty", lang), className="muted", id=f"{P}-archive-empty")])
    names = commune_names(lang)
    default = archive.name_part(default_commune() or "")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in ("reports.col_commune", "reports.col_week",
                                                             "reports.col_file", "reports.col_made",
                                                             "reports.col_size")]))
    rows = [html.Tr([html.Td(names.get(f.commune or default, f.commune or "—"), className=f"{P}-commune"),
                     html.Td(week_text(f.week, lang), className="text-nowrap"),
                     html.Td(html.A(f.name, href=f"/reports/files/{f.name}", download=f.name, className=f"{P}-file")),
                     html.Td(fmt_datetime(f.made, lang), className="text-nowrap"),
                     html.Td(f"{fmt_number(f.size / 1024, lang, 0)} KB", className="text-nowrap")])
            for f in files]
    return html.Div([failed, html.Div(html.Table([head, html.Tbody(rows)], className="table table-sm table-compact"),
                                      className="table-responsive")])


def layout(week: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    allowed = allowed_communes()
    options = week_options(lang)
    chosen = week if week in {o["value"] for o in options} else options[0]["value"]
    names = commune_names(lang)
    return html.Div([
        page_header(t("reports.title", lang), t("reports.intro", lang)),
        dcc.Store(id=f"{P}-lang", data=lang),   # the background process has no request, hence no cookie
        dcc.Store(id=f"{P}-scope", data=sign_scope(commune, allowed)),
        card(t("reports.make", lang), html.Div([
            html.P(t("reports.make_for", lang, commune=names.get(archive.name_part(commune or ""), commune or "—")),
                   id=f"{P}-make-for", className="mb-2"),
            html.Div([
                dbc.Label(t("reports.week", lang), html_for=f"{P}-week"),
                dcc.Dropdown(id=f"{P}-week", options=options, value=chosen, clearable=False,
                             style={"minWidth": "22rem"}),
                dbc.Button(t("reports.make", lang), id=f"{P}-make", color="primary", n_clicks=0),
                dbc.Button(t("reports.cancel", lang), id=f"{P}-cancel", color="secondary", outline=True,
                           disabled=True),
            ], className="filter-bar"),
            dbc.Progress(id=f"{P}-progress", value=0, label="", className="reports-progress mb-2", striped=True,
                         animated=True, style={"visibility": "hidden"}),
            html.Div(id=f"{P}-result", role="status"),
        ])),
        card(t("reports.archive", lang), html.Div([
            html.Div([
                dbc.Label(t("reports.filter_commune", lang), html_for=f"{P}-commune"),
                dcc.Dropdown(id=f"{P}-commune", options=commune_options(lang, allowed), value="", clearable=False,
                             style={"minWidth": "18rem"}),
            ], className="filter-bar mb-2", style=None if len(allowed) > 1 else {"display": "none"}),
            html.Div(archive_table(lang, allowed), id=f"{P}-archive"),
        ])),
    ])


@callback(Output(f"{P}-archive", "children", allow_duplicate=True), Input(f"{P}-commune", "value"),
          State(f"{P}-lang", "data"), prevent_initial_call=True)
def filter_archive(only, lang):
    """The archive of one commune or of all the viewer's: the viewer's communes are asked again here (a
    request, so the signed-in user), never taken from the browser."""
    lang = lang if lang in ("vi", "en") else "vi"
    allowed = allowed_communes()
    if only and only not in allowed:
        return dbc.Alert(t("error.commune_forbidden", lang, value=str(only)[:40]), color="warning")
    return archive_table(lang, allowed, only or None)


@callback(Output(f"{P}-result", "children"), Output(f"{P}-archive", "children"),
          Input(f"{P}-make", "n_clicks"), State(f"{P}-week", "value"), State(f"{P}-lang", "data"),
          State(f"{P}-scope", "data"), State(f"{P}-commune", "value"),
          background=True, manager=MANAGER, prevent_initial_call=True,
          running=[(Output(f"{P}-make", "disabled"), True, False), (Output(f"{P}-cancel", "disabled"), False, True),
                   (Output(f"{P}-progress", "style"), {"visibility": "visible"}, {"visibility": "hidden"})],
          cancel=[Input(f"{P}-cancel", "n_clicks")],
          progress=[Output(f"{P}-progress", "value"), Output(f"{P}-progress", "label")],
          progress_default=[0, ""])
def make_report(set_progress, n_clicks, week, lang, scope=None, only=None):
    """Runs in a background process (diskcache) or a Celery worker; reports each step to the bar."""
    lang = lang if lang in ("vi", "en") else "vi"
    try:
        commune, allowed = read_scope(scope)
    except BadParam as err:
        return dbc.Alert(t(err.key, lang, **err.values), color="warning"), None
    try:
        monday = parse_week(week)
        if commune is not None and commune not in allowed:
            raise BadParam("error.commune_forbidden", value=str(commune)[:40])
    except BadParam as err:
        return (dbc.Alert(t(err.key, lang, **err.values), color="warning"),
                archive_table(lang, allowed, _only(only, allowed)))

    def step(done: int, total: int, text: str) -> None:
        set_progress((int(100 * done / max(total, 1)), text))

    paths = make_weekly(monday, lang, progress=step, now=datetime.now(timezone.utc), commune=commune)
    links = [html.A(p.name, href=f"/reports/files/{p.name}", download=p.name, className=f"{P}-made me-3")
             for p in paths]
    return (dbc.Alert([t("reports.done", lang, files=""), *links], color="success"),
            archive_table(lang, allowed, _only(only, allowed)))


def _only(only, allowed: list[str]) -> str | None:
    """The archive filter as the browser sent it, kept only if it is one of the signed allowed communes."""
    return only if isinstance(only, str) and only in allowed else None

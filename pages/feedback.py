"""Phản ánh — scene reports: counts by status for this week, last week, four weeks and the year;
handling times; overdue against the working-day deadline; by category and village; the map; the
list, and one report's history. Every number is a panel (panels/feedback.py); the page arranges them and
draws the list panel's reports as its grid and its map (a row or a marker opens the report's history)."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, html

from auth.communes import resolve_commune
from components.filters import extra_filter, fid, filter_bar, period_filter, period_inputs, shown_period, village_filter
from components.grid import list_grid
from components.map import clicked_id, empty, feature, page_map, popup_html
from components.page import card, page_header, village_options
from components.errors import error_alert
from core.errors import AppError, BadParam
from core.formatting import fmt_date, fmt_datetime
from core.i18n import t
from core.text import is_missing, source_text
from layouts.context import current_lang
from layouts.panel_view import bar_filters, filters_error, first_answer, slot
from panels import data_for
from panels.base import Filters
from panels.feedback import STAGES, category_name, list_rows
from queries.base import records
from queries import reports, site

dash.register_page(__name__, path="/feedback", order=3, title="Phản ánh – Bộ não số", nav="feedback")
P = "fb"
DEFAULT_PERIOD = "30d"
STAGE_COLOURS = {"open": "#0b5cad", "processing": "#f29900", "resolved": "#1e8e3e", "overdue": "#d93025"}
KPIS = ("fb.received", "fb.reports_overdue", "fb.due_soon", "fb.first_response", "fb.resolution", "fb.on_time")


def layout(period: str = DEFAULT_PERIOD, start: str | None = None, end: str | None = None, village: str | None = None,
           category: str | None = None, stage: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    cats = list(site.service_names(lang).items())
    filters = bar_filters(shown_period(period, start), {"start": start, "end": end}, village=village,
                          category=category, stage=stage, commune=commune)
    # the list as update_list would send it first (grid rows and columns, map layer): no callback on a first visit
    (rows, cols, reports_now), problem = first_answer(list_view, ([], [], empty()), filters, lang)
    return html.Div([
        page_header(t("fb.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("category", t("filter.category", lang), cats, category),
                   extra_filter("stage", t("fb.stage_filter", lang), [(s, t(f"stage.{s}", lang)) for s in STAGES], stage)),
        filters_error(P, filters), problem,
        html.Div([slot(pid, filters) for pid in KPIS], className="kpi-grid", id=f"{P}-kpis"),
        html.Div([slot("fb.summary", filters, id=f"{P}-summary"), slot("fb.weekly", filters, id=f"{P}-weeks", height="sm")],
                 className="grid-2"),
        html.Div([slot("fb.categories", filters, id=f"{P}-cats"), slot("fb.villages", filters, id=f"{P}-villages")],
                 className="grid-2"),
        html.Div([card(t("fb.map", lang), page_map(P, lang, [("reports", t("map.reports", lang), True, True)], village,
                                                 commune=commune, data={"reports": reports_now})),
                  card(t("fb.history", lang), html.Div(t("fb.pick", lang), id=f"{P}-history", className="muted"))],
                 className="grid-2"),
        card(t("fb.list", lang), list_grid(f"{P}-grid", lang, 20, "32rem", rowData=rows, columnDefs=cols)),
    ])


COLUMNS = (("id", 160), ("time", 150), ("category", None), ("village", 110), ("stage", 140), ("deadline", 120),
           ("description", None))


@callback(Output(f"{P}-grid", "rowData"), Output(f"{P}-grid", "columnDefs"), Output(f"{P}-reports", "data"),
          *period_inputs(), Input(fid("village"), "value"), Input(fid("category"), "value"),
          Input(fid("stage"), "value"), Input("shell-tick", "n_intervals"), Input("shell-commune", "data"),
          prevent_initial_call=True)
def update_list(period, dates, village, category, stage, _tick, xa):
    """The list again when the filters change, every minute and when the commune changes (the layout drew
    the first one)."""
    try:
        commune = resolve_commune(xa)     # the URL's commune, checked against the user on the server
    except BadParam:
        return [], [], empty()            # the panels above say why
    return list_view(bar_filters(period, dates, village=village, category=category, stage=stage, commune=commune),
                     current_lang())


def list_view(filters: dict, lang: str) -> tuple:
    """(grid rows, grid columns, map layer): the list panel's reports for these filters (their commune
    already checked against the user) as the page's grid and map layer; what makes them interactive is the
    page's: a row or a marker opens the report's history. Grid cells are text (AG Grid renders no HTML
    here), popups are HTML escaped by popup_html."""
    data = data_for("fb.list", Filters.from_mapping(filters))
    if data.error is not None or data.frame is None:     # the message is the page's, above its panels
        return [], [], empty()
    cols = [{"field": c, "headerName": t(f"fb.col_{c if c != 'description' else 'desc'}", lang),
             **({"maxWidth": w} if w else {"flex": 2} if c == "description" else {})} for c, w in COLUMNS]
    names = site.service_names(lang)
    feats = [feature(r["lat"], r["lon"], id=r["id"], tooltip=source_text(r["description"], source_text(r["id"])),
                     popup=popup_html(r["id"], [category_name(r, lang, names),
                                                source_text(r["description"], t("fb.no_description", lang)),
                                                source_text(r.get("address"), ""),
                                                t("fb.deadline", lang, d=fmt_date(r["deadline_time"]))
                                                if not is_missing(r["deadline_time"]) else ""]),
                     color=STAGE_COLOURS["overdue" if r["overdue"] else r["stage"]], radius=7)
             for r in records(data.frame) if not is_missing(r["lat"]) and not is_missing(r["lon"])]
    return list_rows(data, lang), cols, {"type": "FeatureCollection", "features": feats}


@callback(Output(f"{P}-history", "children"), Input(f"{P}-grid", "selectedRows"), Input(f"{P}-reports", "clickData"),
          State("shell-commune", "data"), prevent_initial_call=True)
def show_history(selected, click, xa):
    lang = current_lang()
    try:
        commune = resolve_commune(xa)
    except AppError as err:
        return error_alert(err, lang)
    rid = None
    if dash.ctx.triggered_id == f"{P}-reports" and isinstance(click, dict):
        rid = clicked_id(click)
    elif isinstance(selected, list) and selected and isinstance(selected[0], dict):
        rid = selected[0].get("id")
    if not isinstance(rid, str) or not rid or len(rid) > 200:
        return t("fb.pick", lang)
    rid = source_text(rid)
    hist = reports.report_history(rid, commune)
    if hist.empty:
        return html.Div([html.Strong(rid), html.Div(t("common.no_data", lang), className="muted")])
    return html.Div([html.Strong(rid), html.Ul([
        html.Li([html.Span(fmt_datetime(r["time"]), className="muted"), " · ",
                 html.Strong(t(f"stage.{r['stage']}", lang)), f" ({source_text(r['status'])})",
                 html.Div(source_text(r["description"], ""))]) for r in records(hist)])])

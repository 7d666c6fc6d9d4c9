"""Phản ánh — scene reports: counts by status for this week, last week, four weeks and the year;
handling times; overdue against the working-day deadline; by category and village; the map; the
list, and one report's history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, callback, html

from auth.communes import resolve_commune
from components.errors import error_alert
from components.figures.bars import bar
from components.figures.base import no_data, style
from components.filters import extra_filter, fid, filter_bar, period_filter, period_inputs, village_filter
from components.freshness import freshness_badge
from components.grid import list_grid
from components.kpi import covers_text, kpi_card
from components.map import clicked_id, empty, feature, page_map, popup_html
from components.page import card, fresh, graph, page_header, parse_filters, village_options
from core.errors import AppError
from core.formatting import fmt_date, fmt_datetime, fmt_number
from core.i18n import t
from core.text import is_missing, source_text
from core.timeutil import LOCAL_TZ, local_midnight
from layouts.context import current_lang, current_theme
from panels.feedback import weekly_bars
from queries.base import records
from queries import reports, site
from queries.windows import week_bounds

dash.register_page(__name__, path="/feedback", order=3, title="Phản ánh – Bộ não số")
P = "fb"
STAGES = ("open", "processing", "resolved", "overdue")
STAGE_COLOURS = {"open": "#0b5cad", "processing": "#f29900", "resolved": "#1e8e3e", "overdue": "#d93025"}


def layout(period: str = "30d", start: str | None = None, end: str | None = None, village: str | None = None,
           category: str | None = None, stage: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    cats = list(site.service_names(lang).items())
    return html.Div([
        page_header(t("fb.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("category", t("filter.category", lang), cats, category),
                   extra_filter("stage", t("fb.stage_filter", lang), [(s, t(f"stage.{s}", lang)) for s in STAGES], stage)),
        html.Div(id=f"{P}-error"),
        html.Div(id=f"{P}-kpis", className="kpi-grid"),
        html.Div([card(t("fb.summary", lang), html.Div(id=f"{P}-summary"), extra=[html.Span(id=f"{P}-fresh")]),
                  card(t("fb.by_week", lang), graph(f"{P}-weeks", "sm", "phan-anh", lang=lang))], className="grid-2"),
        html.Div([card(t("fb.by_category", lang), graph(f"{P}-cats", "md", "phan-anh", lang=lang)),
                  card(t("fb.by_village", lang), graph(f"{P}-villages", "md", "phan-anh", lang=lang))], className="grid-2"),
        html.Div([card(t("fb.map", lang), page_map(P, lang, [("reports", t("map.reports", lang), True, True)], village,
                                                       commune=commune)),
                  card(t("fb.history", lang), html.Div(t("fb.pick", lang), id=f"{P}-history", className="muted"))],
                 className="grid-2"),
        card(t("fb.list", lang), list_grid(f"{P}-grid", lang, 20, "32rem")),
    ])


FILTERS = [*period_inputs(),
           Input(fid("village"), "value"), Input(fid("category"), "value"), Input(fid("stage"), "value"),
           Input("shell-tick", "n_intervals"), Input("shell-commune", "data")]


def _row(label, st, lang):
    return html.Tr([html.Th(label), *[html.Td(fmt_number(v, lang, 0)) for v in
                                      (st["received"], st["open"], st["processing"], st["resolved"], st["overdue"])]])


@callback(Output(f"{P}-kpis", "children"), Output(f"{P}-summary", "children"), Output(f"{P}-weeks", "figure"),
          Output(f"{P}-cats", "figure"), Output(f"{P}-villages", "figure"), Output(f"{P}-grid", "rowData"),
          Output(f"{P}-grid", "columnDefs"), Output(f"{P}-reports", "data"), Output(f"{P}-fresh", "children"),
          Output(f"{P}-error", "children"), *FILTERS)
def update_feedback(period, dates, village, category, stage, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, village = parse_filters(period, dates, village, commune)
    except AppError as err:
        nd = no_data(lang, theme)
        return [], None, nd, nd, nd, [], [], empty(), None, error_alert(err, lang)
    now = datetime.now(timezone.utc)
    today = now.astimezone(LOCAL_TZ).date()
    w0, _ = week_bounds(today)
    year0 = local_midnight(today.replace(month=1, day=1))
    st = reports.report_stats(s, e, village, category, commune=commune)
    f = fresh("open311")
    vname = dict(village_options(commune)).get(village) if village else None
    scope = t("cover.village", lang, name=vname) if vname else (site.commune(commune).get(
        "name" if lang == "vi" else "name_en") or t("cover.commune", lang))
    in_period = covers_text(lang, start=s, end=e, scope=scope)
    overdue = reports.overdue_now(village, category, commune=commune)
    kp = [kpi_card("received", t("stage.received", lang), st["received"], "", lang, decimals=0, direction="none", fresh=f,
                   page=P, covers=in_period),
          kpi_card("overdue", t("stage.overdue", lang), overdue, "", lang, decimals=0, direction="down", page=P,
                   covers=covers_text(lang, now=True, scope=f"{scope}, {t('cover.all_unresolved', lang)}")),
          kpi_card("due_soon", t("fb.due_soon", lang), st["due_soon"], "", lang, decimals=0, direction="down", page=P,
                   covers=in_period),
          kpi_card("first", t("fb.first_response", lang), st["avg_days_first_response"], t("common.days", lang), lang,
                   direction="down", page=P, covers=in_period),
          kpi_card("resolution", t("fb.resolution", lang), st["avg_days_resolution"], t("common.days", lang), lang,
                   direction="down", page=P, covers=in_period),
          kpi_card("on_time", t("fb.on_time", lang), st["on_time_rate"], "%", lang, direction="up", page=P,
                   covers=in_period)]
    periods = [(t("fb.this_week", lang), w0, now), (t("fb.last_week", lang), w0 - timedelta(days=7), w0),
               (t("fb.last_4_weeks", lang), w0 - timedelta(days=28), w0), (t("fb.year", lang), year0, now),
               (t("fb.selected", lang), s, e)]
    head = html.Tr([html.Th(t("fb.col_period", lang))] + [html.Th(t(f"stage.{k}", lang)) for k in
                                                          ("received", "open", "processing", "resolved", "overdue")])
    summary = html.Table([html.Thead(head), html.Tbody([_row(label, reports.report_stats(a, b, village, category, commune=commune), lang)
                                                        for label, a, b in periods])],
                         className="table table-sm table-compact mb-0")
    week_fig = weekly_bars(reports.weekly_counts(s, e, village, category, commune=commune), lang, theme)
    names = site.service_names(lang)
    cats = reports.report_counts(s, e, "service_code", village, category, commune).sort_values("count", ascending=False)
    cat_fig = bar(cats, x="service_code", lang=lang, labels=names, horizontal=True, theme=theme)
    vil = reports.report_counts(s, e, "village", village, category, commune)
    vil_fig = bar(vil, x="village", lang=lang, labels=dict(village_options(commune)), theme=theme)
    df = reports.reports(s, e, village, category, stage if stage in STAGES else None, commune=commune)
    vnames = dict(village_options(commune))
    rows = [{"id": source_text(r["id"]), "time": fmt_datetime(r["requested_time"]),
             "category": names.get(r["service_code"], source_text(r["service_name"])),
             "village": vnames.get(r["village_id"], "—"),
             "stage": t("stage.overdue", lang) if r["overdue"] else t(f"stage.{r['stage']}", lang),
             "deadline": fmt_date(r["deadline_time"]) if not is_missing(r["deadline_time"]) else "—",
             "description": source_text(r["description"])} for r in records(df)]
    cols = [{"field": "id", "headerName": t("fb.col_id", lang), "maxWidth": 160},
            {"field": "time", "headerName": t("fb.col_time", lang), "maxWidth": 150},
            {"field": "category", "headerName": t("fb.col_category", lang)},
            {"field": "village", "headerName": t("fb.col_village", lang), "maxWidth": 110},
            {"field": "stage", "headerName": t("fb.col_stage", lang), "maxWidth": 140},
            {"field": "deadline", "headerName": t("fb.col_deadline", lang), "maxWidth": 120},
            {"field": "description", "headerName": t("fb.col_desc", lang), "flex": 2}]
    feats = [feature(r["lat"], r["lon"], id=r["id"], tooltip=source_text(r["description"], source_text(r["id"])),
                     popup=popup_html(r["id"], [names.get(r["service_code"], source_text(r["service_name"])),
                                                source_text(r["description"], t("fb.no_description", lang)),
                                                source_text(r.get("address"), ""),
                                                t("fb.deadline", lang, d=fmt_date(r["deadline_time"]))
                                                if not is_missing(r["deadline_time"]) else ""]),
                     color=STAGE_COLOURS["overdue" if r["overdue"] else r["stage"]], radius=7)
             for r in records(df) if not is_missing(r["lat"]) and not is_missing(r["lon"])]
    m = {"type": "FeatureCollection", "features": feats}
    return kp, summary, week_fig, cat_fig, vil_fig, rows, cols, m, freshness_badge(f, lang), None


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

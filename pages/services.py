"""Dịch vụ công — dossiers received, on time and late; the share online and paid online; e-documents
with digital signatures; the Decision 766 groups estimated from the data."""
from __future__ import annotations

from datetime import timedelta

import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, html

from auth.communes import resolve_commune
from components.errors import error_alert
from components.figures.bars import indicator_trend
from components.figures.base import no_data, style
from components.filters import filter_bar, period_filter, period_inputs
from components.freshness import freshness_badge
from components.kpi import covers_text, kpi_card
from components.page import card, fresh, graph, page_header, parse_filters
from core.errors import AppError
from core.formatting import fmt_date, fmt_number, fmt_period
from core.i18n import t
from core.timeutil import LOCAL_TZ
from domain import index766
from domain.catalogue import CATALOGUE
from layouts.context import current_lang, current_theme
from queries import indicators, reports
from queries.windows import previous_window

dash.register_page(__name__, path="/services", order=4, title="Dịch vụ công – Bộ não số")
P = "svc"
KPI_CODES = ("dossier_on_time_rate", "online_dossier_rate", "online_payment_rate", "dossier_digitised_rate",
             "edoc_signed_rate", "online_service_rate", "dossier_avg_days", "index_766_score")


def layout(period: str = "year", start: str | None = None, end: str | None = None, **_):
    lang = current_lang()
    return html.Div([
        page_header(t("svc.title", lang)),
        filter_bar(*period_filter(lang, period, start, end)),
        html.Div(id=f"{P}-error"),
        html.Div(id=f"{P}-kpis", className="kpi-grid"),
        html.Div([card(t("svc.dossiers", lang), graph(f"{P}-dossiers", "md", "dich-vu-cong", lang=lang),
                       extra=[html.Span(id=f"{P}-fresh")]),
                  card(t("svc.rates", lang), graph(f"{P}-rates", "md", "dich-vu-cong", lang=lang))], className="grid-2"),
        card(t("svc.766", lang), html.Div(id=f"{P}-766")),
    ])


def name(code: str, lang: str) -> str:
    d = CATALOGUE[code]
    if code == "index_766_score":
        return t("svc.766_published", lang)
    return d.vi if lang == "vi" else d.en


@callback(Output(f"{P}-kpis", "children"), Output(f"{P}-dossiers", "figure"), Output(f"{P}-rates", "figure"),
          Output(f"{P}-766", "children"), Output(f"{P}-fresh", "children"), Output(f"{P}-error", "children"),
          *period_inputs(),
          Input("shell-tick", "n_intervals"), Input("shell-commune", "data"))
def update_services(period, dates, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, _ = parse_filters(period, dates, None)
    except AppError as err:
        nd = no_data(lang, theme)
        return [], nd, nd, None, None, error_alert(err, lang)
    f = fresh("indicators")
    scope = indicators.commune_scope(commune)
    ps, pe = previous_window(s, e)
    cards, summaries = [], {}
    for code in KPI_CODES:
        now_ = summaries[code] = indicators.period_summary(code, s, e, scope)
        before = indicators.period_summary(code, ps, pe, scope)
        d = CATALOGUE[code]
        label = t("svc.766_published", lang) if code == "index_766_score" else name(code, lang)
        unit = {"%": "%", "days": t("common.days", lang), "points": "điểm" if lang == "vi" else "points"}.get(d.unit, "")
        cards.append(kpi_card(code, label, now_["value"], unit, lang, previous=before["value"],
                              previous_label=t("kpi.vs_previous", lang), direction=d.direction, target=d.target,
                              fresh=f, page=P, covers=covers_text(lang, first=now_["first"], last=now_["last"])))
    weekly = indicators.indicator_series(("dossiers_received", "dossier_on_time_rate"), scope, start=s, end=e,
                                         period_kind="week")
    rec = weekly[weekly["indicator"] == "dossiers_received"].set_index("period_start")["value"]
    on_time = weekly[weekly["indicator"] == "dossier_on_time_rate"].set_index("period_start")
    if rec.empty:
        dossiers = no_data(lang, theme)
    else:
        good = on_time["numerator"].reindex(rec.index)
        late = (on_time["denominator"] - on_time["numerator"]).reindex(rec.index)
        x = rec.index.tz_convert(LOCAL_TZ)
        dossiers = go.Figure([go.Bar(x=x, y=good, name=t("svc.on_time", lang), marker_color="#1e8e3e"),
                              go.Bar(x=x, y=late, name=t("svc.late", lang), marker_color="#d93025")])
        dossiers.update_layout(barmode="stack")
        style(dossiers, lang, theme=theme, unit=t("svc.received", lang))
        dossiers.update_xaxes(tickformat="%d/%m")
    rate_codes = ("online_dossier_rate", "dossier_on_time_rate", "online_payment_rate", "dossier_digitised_rate")
    monthly = indicators.indicator_series(rate_codes, scope, start=s, end=e, period_kind="month")
    rates = indicator_trend(monthly, lang=lang, names={c: name(c, lang) for c in rate_codes}, unit="%", theme=theme)
    # the 766 estimate uses the very numbers of the cards above: the same period, the same rule
    values = {c: summaries[c]["value"] if c in summaries else indicators.period_summary(c, s, e, scope)["value"]
              for c in rate_codes + ("online_service_rate", "dossier_complaint_rate", "report_satisfaction_rate")}
    values["report_on_time_rate"] = reports.report_stats(s, e, commune=commune)["on_time_rate"]   # 5.2, from Open311
    sc = index766.score(values)
    cards.insert(len(cards), kpi_card(
        "index_766_estimate", t("svc.766_estimate", lang), sc["total"],
        t("svc.766_estimate_unit", lang, possible=fmt_number(sc["possible"], lang, 0)), lang, direction="up",
        page=P, covers=covers_text(lang, start=s, end=e)))
    tbl = index_766_table(sc, summaries["index_766_score"], s, e, lang)
    return cards, dossiers, rates, tbl, freshness_badge(f, lang), None


def _pct(x, lang: str) -> str:
    return "N/A" if x is None or x != x else fmt_number(x, lang, 1) + "%"


def index_766_table(sc: dict, published: dict, s, e, lang: str) -> html.Div:
    """Our estimate per group and sub-indicator (rate / threshold -> points), the province's published
    score beside it and why the two differ."""
    rows = []
    for g in sc["groups"]:
        subs = [f"{x['code']}: {_pct(x['rate'], lang)} / {fmt_number(x['threshold'], lang, 0)}% → "
                + ("N/A" if x["score"] is None else f"{fmt_number(x['score'], lang, 1)}/{fmt_number(x['points'], lang, 1)}")
                for x in g["subs"]]
        rows.append(html.Tr([html.Td(f"{g['code']} – {g['vi'] if lang == 'vi' else g['en']}"),
                             html.Td(fmt_number(g["weight"], lang, 0)),
                             html.Td("N/A" if g["score"] is None else fmt_number(g["score"], lang, 1)),
                             html.Td("; ".join(subs) or "N/A")]))
    total = "N/A" if sc["total"] is None else \
        f"{fmt_number(sc['total'], lang, 1)} / {fmt_number(sc['possible'], lang, 0)}"
    head = html.Thead(html.Tr([html.Th(t(f"svc.766_col_{k}", lang)) for k in ("group", "max", "score", "subs")]))
    foot = [html.Tr([html.Th("Σ"), html.Th("100"), html.Th(total), html.Td()])]
    notes = [html.Small(t("svc.766_weights", lang), className="muted d-block")]
    if published["value"] is not None and sc["total"] is not None:
        notes.insert(0, html.P(t("svc.766_difference", lang, published=fmt_number(published["value"], lang, 1),
                                 month=fmt_period(published["last"], lang), estimate=fmt_number(sc["total"], lang, 1),
                                 possible=fmt_number(sc["possible"], lang, 0),
                                 uncovered=fmt_number(index766.uncovered_points(sc), lang, 0),
                                 start=fmt_date(s), end=fmt_date(e - timedelta(seconds=1))), className="mb-1"))
    return html.Div([html.Table([head, html.Tbody(rows + foot)], className="table table-sm table-compact"), *notes])

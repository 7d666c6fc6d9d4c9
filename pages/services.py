"""Dịch vụ công — dossiers received, on time and late; the share online and paid online; e-documents
with digital signatures; the Decision 766 groups estimated from the data."""
from __future__ import annotations

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, callback, html

from components.errors import error_alert
from components.figures.bars import indicator_trend
from components.figures.base import no_data, style
from components.filters import filter_bar, period_filter, period_inputs
from components.freshness import freshness_badge
from components.kpi import kpi_card
from components.page import card, fresh, graph, page_header, parse_filters
from core.errors import AppError
from core.formatting import fmt_number, fmt_period
from core.i18n import t
from domain import index766
from domain.catalogue import CATALOGUE
from layouts.context import current_lang, current_theme
from queries import indicators, reports

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
        html.Div([card(t("svc.dossiers", lang), graph(f"{P}-dossiers", "md", "dich-vu-cong"),
                       extra=[html.Span(id=f"{P}-fresh")]),
                  card(t("svc.rates", lang), graph(f"{P}-rates", "md", "dich-vu-cong"))], className="grid-2"),
        card(t("svc.766", lang), html.Div(id=f"{P}-766")),
    ])


def name(code: str, lang: str) -> str:
    d = CATALOGUE[code]
    return d.vi if lang == "vi" else d.en


@callback(Output(f"{P}-kpis", "children"), Output(f"{P}-dossiers", "figure"), Output(f"{P}-rates", "figure"),
          Output(f"{P}-766", "children"), Output(f"{P}-fresh", "children"), Output(f"{P}-error", "children"),
          *period_inputs(),
          Input("shell-tick", "n_intervals"))
def update_services(period, dates, _tick):
    lang, theme = current_lang(), current_theme()
    try:
        s, e, _ = parse_filters(period, dates, None)
    except AppError as err:
        nd = no_data(lang, theme)
        return [], nd, nd, None, None, error_alert(err, lang)
    f = fresh("indicators")
    latest = indicators.latest_values(KPI_CODES)
    cards = []
    for code in KPI_CODES:
        row = latest[latest["indicator"] == code]
        r = row.iloc[0].to_dict() if not row.empty else {}
        d = CATALOGUE[code]
        unit = {"%": "%", "days": t("common.days", lang), "points": "điểm" if lang == "vi" else "points"}.get(d.unit, "")
        cards.append(kpi_card(code, name(code, lang), r.get("value"), unit, lang, previous=r.get("previous_value"),
                              previous_label=t("kpi.vs_previous", lang), direction=d.direction, target=d.target,
                              fresh=f, page=P, note=t("kpi.as_of", lang, period=fmt_period(r["period"], lang)) if r.get("period") else None))
    weekly = indicators.indicator_series(("dossiers_received", "dossier_on_time_rate"), start=s, end=e, period_kind="week")
    rec = weekly[weekly["indicator"] == "dossiers_received"].set_index("period_start")["value"]
    on_time = weekly[weekly["indicator"] == "dossier_on_time_rate"].set_index("period_start")
    if rec.empty:
        dossiers = no_data(lang, theme)
    else:
        good = on_time["numerator"].reindex(rec.index)
        late = (on_time["denominator"] - on_time["numerator"]).reindex(rec.index)
        x = rec.index.tz_convert("Asia/Ho_Chi_Minh")
        dossiers = go.Figure([go.Bar(x=x, y=good, name=t("svc.on_time", lang), marker_color="#1e8e3e"),
                              go.Bar(x=x, y=late, name=t("svc.late", lang), marker_color="#d93025")])
        dossiers.update_layout(barmode="stack")
        style(dossiers, lang, theme=theme, unit=t("svc.received", lang))
        dossiers.update_xaxes(tickformat="%d/%m")
    rate_codes = ("online_dossier_rate", "dossier_on_time_rate", "online_payment_rate", "dossier_digitised_rate")
    monthly = indicators.indicator_series(rate_codes, start=s, end=e, period_kind="month")
    rates = indicator_trend(monthly, lang=lang, names={c: name(c, lang) for c in rate_codes}, unit="%", theme=theme)
    values = {c: indicators.rate(c, start=s, end=e) for c in rate_codes}
    values["report_on_time_rate"] = reports.report_stats(s, e)["on_time_rate"]   # 5.2, from Open311
    for c in ("online_service_rate", "report_satisfaction_rate"):
        row = indicators.latest_values((c,))
        values[c] = None if row.empty or pd.isna(row.iloc[0]["value"]) else float(row.iloc[0]["value"])
    sc = index766.score(values)
    rows = [html.Tr([html.Td(f"{g['code']} – {g['vi'] if lang == 'vi' else g['en']}"),
                     html.Td(fmt_number(g["weight"], lang, 0)),
                     html.Td("N/A" if g["score"] is None else fmt_number(g["score"], lang, 1)),
                     html.Td(", ".join(f"{s_['code']}: " + ("N/A" if s_["achievement"] is None
                                                           else fmt_number(100 * s_["achievement"], lang, 0) + "%")
                                       for s_ in g["subs"]) or "N/A")]) for g in sc["groups"]]
    total = "N/A" if sc["total"] is None else f"{fmt_number(sc['total'], lang, 1)} / {fmt_number(sc['possible'], lang, 0)}"
    head = html.Thead(html.Tr([html.Th(x) for x in (("Nhóm", "Tối đa", "Điểm ước tính", "Chỉ tiêu thành phần")
                                                    if lang == "vi" else ("Group", "Max", "Estimated", "Sub-indicators"))]))
    tbl = html.Div([html.Table([head, html.Tbody(rows + [html.Tr([html.Th("Σ"), html.Th("100"), html.Th(total), html.Td()])])],
                               className="table table-sm table-compact"),
                    html.Small(t("svc.766_note", lang), className="muted")])
    return cards, dossiers, rates, tbl, freshness_badge(f, lang), None

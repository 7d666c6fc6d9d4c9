"""Kinh tế số và xã hội số — public Wi-Fi and its use, cashless payments, IT use, smartphones,
digital products and high-tech farm income, and how often the ponds were in band."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dash
import pandas as pd
from dash import Input, Output, callback, html

from auth.communes import resolve_commune
from components.errors import error_alert
from components.figures.bars import bar, indicator_trend
from components.figures.base import no_data
from components.figures.timeseries import timeseries
from components.filters import fid, filter_bar, period_filter, period_inputs, village_filter
from components.freshness import freshness_badge
from components.kpi import covers_text, kpi_card
from components.page import card, fresh, graph, page_header, parse_filters, village_options
from core.errors import AppError
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from domain.catalogue import CATALOGUE
from domain.parameters import PARAMETERS
from layouts.context import current_lang, current_theme
from queries import indicators, kpis, readings, site
from queries.base import records

dash.register_page(__name__, path="/digital", order=5, title="Kinh tế & Xã hội số – Bộ não số")
P = "dig"
ADOPTION = ("it_adoption_rate", "cashless_rate", "smartphone_rate")
ECONOMY = ("traceable_products", "ecommerce_products")


def layout(period: str = "30d", start: str | None = None, end: str | None = None, village: str | None = None,
           xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    return html.Div([
        page_header(t("dig.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village)),
        html.Div(id=f"{P}-error"),
        html.Div(id=f"{P}-kpis", className="kpi-grid"),
        html.Div([card(t("dig.wifi", lang), graph(f"{P}-wifi", "md", "xa-hoi-so", lang=lang), extra=[html.Span(id=f"{P}-fresh")]),
                  card(t("dig.wifi_table", lang), html.Div(id=f"{P}-wifi-table", className="list-scroll"))],
                 className="grid-2"),
        html.Div([card(t("dig.adoption", lang), graph(f"{P}-adoption", "md", "xa-hoi-so", lang=lang)),
                  card(t("dig.villages", lang), graph(f"{P}-villages", "md", "xa-hoi-so", lang=lang))], className="grid-2"),
        html.Div([card(t("dig.economy", lang), graph(f"{P}-economy", "md", "kinh-te-so", lang=lang)),
                  card(t("dig.pond", lang), graph(f"{P}-pond", "md", "kinh-te-so", lang=lang))], className="grid-2"),
    ])


def name(code: str, lang: str) -> str:
    return CATALOGUE[code].vi if lang == "vi" else CATALOGUE[code].en


@callback(Output(f"{P}-kpis", "children"), Output(f"{P}-wifi", "figure"), Output(f"{P}-wifi-table", "children"),
          Output(f"{P}-adoption", "figure"), Output(f"{P}-villages", "figure"), Output(f"{P}-economy", "figure"),
          Output(f"{P}-pond", "figure"), Output(f"{P}-fresh", "children"), Output(f"{P}-error", "children"),
          *period_inputs(),
          Input(fid("village"), "value"), Input("shell-tick", "n_intervals"), Input("shell-commune", "data"))
def update_digital(period, dates, village, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, village = parse_filters(period, dates, village, commune)
    except AppError as err:
        nd = no_data(lang, theme)
        return [], nd, None, nd, nd, nd, nd, None, error_alert(err, lang)
    f_ind, f_sta = fresh("indicators"), fresh("sensorthings")
    scope = indicators.commune_scope(commune)
    latest = indicators.latest_values(scope=scope)
    cards = []
    for code in ADOPTION + ECONOMY + ("hightech_income_per_ha",):
        row = latest[latest["indicator"] == code]
        r = row.iloc[0].to_dict() if not row.empty else {}
        d = CATALOGUE[code]
        unit = {"%": "%", "million VND/ha/year": t("unit.million_vnd_ha", lang)}.get(d.unit, "")
        cards.append(kpi_card(code, name(code, lang), r.get("value"), unit, lang, decimals=1 if d.unit == "%" else 0,
                              previous=r.get("previous_value"), previous_label=t("kpi.vs_previous", lang),
                              direction=d.direction, target=d.target, fresh=f_ind, page=P,
                              covers=covers_text(lang, first=r.get("period"), last=r.get("period"))))
    all_hotspots = records(site.devices("wifi", commune=commune))
    hotspots = [d for d in all_hotspots if village is None or d["village_id"] == village]
    names = {d["id"]: d["name"] for d in hotspots}
    wifi = readings.series(tuple(names), "wifi_clients", s, e, max_points=400)
    wifi_fig = timeseries(wifi, lang=lang, unit=t("common.count", lang), names=names, theme=theme, show_range=False)
    now_rows = readings.latest(kind="wifi", parameter="wifi_clients", device_ids=tuple(d["id"] for d in all_hotspots) or ("",))
    now = datetime.now(timezone.utc)
    table_rows = []
    for d in hotspots:
        r = now_rows[now_rows["device"] == d["id"]]
        online = not r.empty and r.iloc[0]["time"] > now - timedelta(hours=1)
        table_rows.append(html.Tr([
            html.Td(d["name"]),
            html.Td(html.Span(t("common.online" if online else "common.offline", lang),
                              className="badge-ok" if online else "badge-down")),
            html.Td(t("dig.users_now", lang, n=fmt_number(r.iloc[0]["value"], lang, 0)) if online else
                    (fmt_datetime(r.iloc[0]["time"]) if not r.empty else t("common.no_data", lang)))]))
    wifi_table = html.Table(html.Tbody(table_rows), className="table table-sm table-compact")
    # the card counts what the table lists (a reading in the last hour), not last month's reported figure
    live = now_rows[now_rows["time"] > now - timedelta(hours=1)] if not now_rows.empty else now_rows
    n_live = None if now_rows.empty else int(live["device"].isin([d["id"] for d in all_hotspots]).sum())
    cards.append(kpi_card("wifi_hotspots_online", name("wifi_hotspots_online", lang), n_live,
                          t("unit.hotspots", lang, n=len(all_hotspots)), lang, decimals=0, direction="up",
                          target=CATALOGUE["wifi_hotspots_online"].target, fresh=f_sta, page=P,
                          covers=covers_text(lang, now=True, scope=t("cover.hotspots", lang, n=len(all_hotspots)))))
    adoption = indicator_trend(indicators.indicator_series(ADOPTION, scope, start=s - timedelta(days=365), end=e),
                               lang=lang, names={c: name(c, lang) for c in ADOPTION}, unit="%", theme=theme)
    vill = []
    for vid, vname in village_options(commune):
        row = indicators.latest_values(("smartphone_rate",), scope=f"village:{vid}")
        if not row.empty:
            vill.append({"village": vid, "value": row.iloc[0]["value"]})
    vdf = pd.DataFrame(vill, columns=["village", "value"]).dropna()
    vill_fig = bar(vdf, x="village", y="value", lang=lang, labels=dict(village_options(commune)), unit="%", theme=theme)
    if not vdf.empty:
        vill_fig.update_traces(texttemplate="%{y:,.1f}%")
    econ = indicator_trend(indicators.indicator_series(ECONOMY + ("hightech_income_per_ha",),
                                                       scope, start=s - timedelta(days=365), end=e),
                           lang=lang, names={c: name(c, lang) for c in ECONOMY + ("hightech_income_per_ha",)},
                           unit="", theme=theme)
    pond_rows = [{"parameter": p, "value": kpis.pond_share(p, s, e, commune)} for p in ("do", "ph", "salinity", "water_temp")]
    pdf = pd.DataFrame(pond_rows).dropna()
    pond_fig = bar(pdf, x="parameter", y="value", lang=lang, unit="%", theme=theme,
                    labels={p: (PARAMETERS[p].vi if lang == "vi" else PARAMETERS[p].en) for p in PARAMETERS})
    if not pdf.empty:
        pond_fig.update_traces(texttemplate="%{y:,.1f}%")
        pond_fig.update_yaxes(range=[0, 105])
    return cards, wifi_fig, wifi_table, adoption, vill_fig, econ, pond_fig, \
        freshness_badge(f_sta, lang), None

"""Kinh tế số và xã hội số — public Wi-Fi and its use, cashless payments, IT use, smartphones,
digital products and high-tech farm income, and how often the ponds were in band. Every number and
chart is a panel (panels/indicators.py, panels/digital.py); the page arranges them."""
from __future__ import annotations

import dash
from dash import html

from auth.communes import resolve_commune
from components.filters import filter_bar, period_filter, shown_period, village_filter
from components.page import page_header, village_options
from core.i18n import t
from layouts.context import current_lang
from layouts.panel_view import bar_filters, filters_error, slot

dash.register_page(__name__, path="/digital", order=5, title="Kinh tế & Xã hội số – Bộ não số", nav="digital")
P = "dig"
DEFAULT_PERIOD = "30d"
KPIS = ("eco.it_adoption", "eco.cashless", "soc.smartphones", "eco.traceable_products", "eco.ecommerce_products",
        "eco.hightech_income", "soc.wifi_online")


def layout(period: str = DEFAULT_PERIOD, start: str | None = None, end: str | None = None, village: str | None = None,
           xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    filters = bar_filters(shown_period(period, start), {"start": start, "end": end}, village=village, commune=commune)
    return html.Div([
        page_header(t("dig.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village)),
        filters_error(P, filters),
        html.Div([slot(pid, filters) for pid in KPIS], className="kpi-grid", id=f"{P}-kpis"),
        html.Div([slot("soc.wifi_clients", filters, id=f"{P}-wifi"),
                  slot("soc.wifi_hotspots", filters, id=f"{P}-wifi-table", className="panel-scroll")],
                 className="grid-2"),
        html.Div([slot("eco.adoption_trend", filters, id=f"{P}-adoption"),
                  slot("soc.smartphones_villages", filters, id=f"{P}-villages")], className="grid-2"),
        html.Div([slot("eco.products_trend", filters, id=f"{P}-economy"),
                  slot("eco.pond_in_band", filters, id=f"{P}-pond")], className="grid-2"),
    ])

"""Dịch vụ công — dossiers received, on time and late; the share online and paid online; e-documents
with digital signatures; the Decision 766 groups estimated from the data. Every number, chart and table
is a panel (panels/services.py) over the period chosen; the page arranges them."""
from __future__ import annotations

import dash
from dash import html

from auth.communes import resolve_commune
from components.filters import filter_bar, period_filter, shown_period
from components.page import page_header
from core.i18n import t
from layouts.context import current_lang
from layouts.panel_view import bar_filters, filters_error, slot, slots
from panels.services import PERIOD_CODES

dash.register_page(__name__, path="/services", order=4, title="Dịch vụ công – Bộ não số", nav="services")
P = "svc"
DEFAULT_PERIOD = "year"
KPIS = tuple(f"svc.{code}" for code in PERIOD_CODES) + ("svc.index766_estimate",)


def layout(period: str = DEFAULT_PERIOD, start: str | None = None, end: str | None = None, xa: str | None = None,
           **_):
    lang = current_lang()
    filters = bar_filters(shown_period(period, start), {"start": start, "end": end}, commune=resolve_commune(xa))
    return html.Div([
        page_header(t("svc.title", lang)),
        filter_bar(*period_filter(lang, period, start, end)),
        filters_error(P, filters),
        html.Div(slots(KPIS, filters), className="kpi-grid", id=f"{P}-kpis"),
        html.Div([slot("svc.dossiers", filters, id=f"{P}-dossiers"), slot("svc.rates", filters, id=f"{P}-rates")],
                 className="grid-2"),
        slot("svc.index766", filters, id=f"{P}-766"),
    ])

"""Toàn thành phố — the communes this user may see, side by side on a map and in a table: reports on
time, overdue, the Decision 766 estimate, VN_AQI now, flood level, sources down. Every figure is a panel
(panels/), each column asked for every commune at once (panels.data_for_many: the panel's data_many, whose
one-commune case is the panel's data), so it is the number that commune's own pages show; each row links to
the commune's overview (?xa=). The layout draws the table and the markers; the callback redraws them."""
from __future__ import annotations

from urllib.parse import quote

import dash
from dash import Input, Output, callback, dcc, html
from flask import has_request_context

from auth.communes import allowed_communes
from components.errors import error_alert
from components.filters import filter_bar, period_filter, period_inputs, shown_period
from components.map import STATE_COLOURS, commune_map, feature, points_layer, popup_html, village_layer
from components.page import card, page_header
from core.errors import AppError
from core.formatting import fmt_number
from core.i18n import t
from domain.flood import ROMAN
from layouts.context import current_lang
from layouts.panel_view import bar_filters
from panels import Filters, data_for_many
from queries import site
from queries.base import records

dash.register_page(__name__, path="/city", order=20, title="Toàn thành phố – Bộ não số")
P = "city"
COLUMNS = (("on_time", "fb.on_time"), ("overdue", "fb.reports_overdue"), ("766", "svc.index766_estimate"),
           ("aqi", "env.aqi_now"), ("flood", "env.flood_now"), ("down", "ops.sources_down"))


def layout(period: str = "30d", start: str | None = None, end: str | None = None, **_):
    """The page with its table, map markers and coverage line already drawn (in a request): the first
    visit waits for no callback; update_city redraws them when the period changes and every minute."""
    lang = current_lang()
    in_request = has_request_context()
    try:
        ids = allowed_communes()
        villages = site.villages()
        known = {r["id"]: r for r in records(site.communes())}
        rows = [known[c] for c in ids if c in known]
    except Exception:  # noqa: BLE001 - Dash calls layouts bare at start-up, maybe before the first migration
        if in_request:
            raise                      # a viewer's request: logged with a reference (app.on_error)
        ids, villages, rows = [], None, []
    villages = villages[villages["commune_id"].isin(ids)] if villages is not None else None
    lat = sum(r["center_lat"] for r in rows) / len(rows) if rows else 16.4637
    lon = sum(r["center_lon"] for r in rows) / len(rows) if rows else 107.5909
    # what update_city would answer for the bar as this layout draws it (the same period and dates)
    dates = {"start": str(start)[:40] if start else None, "end": str(end)[:40] if end else None}
    table, markers, covers, error = (city_view(shown_period(period, start), dates, lang, ids) if in_request
                                     else (None, _EMPTY, None, None))
    overlays = [(t("city.map", lang), points_layer(markers["features"], f"{P}-communes"), True)]
    if villages is not None:
        overlays.insert(0, (t("map.villages", lang), village_layer(villages, None, lang, f"{P}-villages"), True))
    return html.Div([
        page_header(t("city.title", lang), t("city.subtitle", lang)),
        filter_bar(*period_filter(lang, period, start, end)),
        html.Div(error, id=f"{P}-error"),
        html.Div(covers, id=f"{P}-covers", className="muted mb-2"),
        html.Div([card(t("city.map", lang), commune_map(f"{P}-leaflet", (lat, lon), 12, overlays)),
                  card(t("city.table", lang), html.Div(table, id=f"{P}-table", className="list-scroll"))],
                 className="grid-2"),
    ])


def _cell(key: str, data, lang: str) -> str:
    if data.error is not None or data.value is None or data.value != data.value:
        return t("common.no_data", lang)
    v = data.value
    if key == "on_time":
        return f"{fmt_number(v, lang, 1)}%"
    if key == "766":
        return f"{fmt_number(v, lang, 1)} {t('svc.766_estimate_unit', lang, possible=fmt_number((data.extra.get('score') or {}).get('possible') or 0, lang, 0))}"
    if key == "flood":
        return t("city.below_alarm", lang) if int(v) == 0 else t("env.alarm", lang, n=ROMAN[int(v)])
    if key == "down":
        return f"{fmt_number(v, lang, 0)} {t('unit.sources_of', lang, n=data.extra.get('of', 0))}"
    return fmt_number(v, lang, 0)


def _state(values: dict) -> str:
    """The marker's colour: alarm at flood level II or more, warning at level I or with a source down."""
    flood, down = values["flood"].value, values["down"].value
    if flood is None and values["aqi"].value is None:
        return "unknown"
    if flood is not None and flood >= 2:
        return "alarm"
    if (flood or 0) >= 1 or (down or 0) > 0:
        return "warning"
    return "ok"


def commune_figures(filters: Filters, communes: list[str]) -> list[tuple[dict, dict]]:
    """(commune row, {column: PanelData}) for each commune, every figure from its panel: each column asked
    for every commune at once (panels.data_for_many: one set-based query a figure, the answers the
    commune's own pages keep and read)."""
    columns = {key: data_for_many(pid, filters, communes) for key, pid in COLUMNS}
    rows = {r["id"]: r for r in records(site.communes())}
    return [(rows.get(c, {}), {key: columns[key][c] for key, _ in COLUMNS}) for c in communes]


_EMPTY = {"type": "FeatureCollection", "features": []}


@callback(Output(f"{P}-table", "children"), Output(f"{P}-communes", "data"), Output(f"{P}-covers", "children"),
          Output(f"{P}-error", "children"), *period_inputs(), Input("shell-tick", "n_intervals"),
          prevent_initial_call=True)
def update_city(period, dates, _tick):
    """The table, markers and coverage line again when the period changes and every minute (the layout
    drew the first ones); the server decides which communes this user sees."""
    return city_view(period, dates, current_lang(), allowed_communes())


def city_view(period, dates, lang: str, communes: list[str]) -> tuple:
    """(table, markers as GeoJSON, coverage line, error) for the bar's period and dates and these communes."""
    filters = Filters.from_mapping(bar_filters(period or "30d", dates))
    try:
        s, e = filters.window()   # a bad period or dates: said once, in words
    except AppError as err:
        return None, _EMPTY, None, error_alert(err, lang)
    if not communes:
        return html.Div(t("city.none", lang), className="muted"), _EMPTY, None, None
    figures = commune_figures(filters, communes)
    head = html.Thead(html.Tr([html.Th(t("city.col_commune", lang))]
                              + [html.Th(t(f"city.col_{key}", lang)) for key, _ in COLUMNS]))
    body, feats = [], []
    for c, values in figures:
        name = c["name"] if lang == "vi" else c["name_en"]
        href = f"/?xa={quote(c['id'], safe='')}"
        label = [name, html.Small(f" ({t('city.simulated', lang)})", className="muted")] if c.get("simulated") else [name]
        body.append(html.Tr([html.Td(dcc.Link(label, href=href, id={"type": "city-link", "xa": c["id"]}))]
                            + [html.Td(_cell(key, values[key], lang), className="num") for key, _ in COLUMNS]))
        lines = [f"{t(f'city.col_{key}', lang)}: {_cell(key, values[key], lang)}" for key, _ in COLUMNS]
        feats.append(feature(c["center_lat"], c["center_lon"], id=c["id"], tooltip=name, radius=14,
                             popup=popup_html(name, lines, href, t("city.open", lang)),
                             color=STATE_COLOURS[_state(values)]))
    table = html.Table([head, html.Tbody(body)], className="table table-sm table-compact city-table")
    covers = t("city.covers", lang, start=fmt_date_inclusive(s), end=fmt_date_inclusive(e, last=True), n=len(communes))
    return table, {"type": "FeatureCollection", "features": feats}, covers, None


def fmt_date_inclusive(value, last: bool = False) -> str:
    from datetime import timedelta

    from core.formatting import fmt_date
    return fmt_date(value - timedelta(seconds=1)) if last else fmt_date(value)

"""Môi trường — pond water per station against its thresholds, air quality as VN_AQI with its colour,
river level and rain against the flood alarms, a station comparison and the station map. Every number
and chart is a panel (panels/environment.py); the page arranges them, and owns the map (its markers drill
the page down to a station)."""
from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from auth.communes import resolve_commune
from components.alert_actions import alert_popup, open_alerts_by_device
from components.filters import extra_filter, fid, filter_bar, period_filter, shown_period, village_filter
from components.map import (STATE_COLOURS, clicked_id, feature, kind_label, mark_selected, page_map, popup_html,
                            reading_lines, readings_by_device)
from components.page import card, only_changed, page_header, village_options
from core.errors import AppError
from core.i18n import t
from layouts.context import current_lang
from layouts.panel_view import bar_filters, filters_error, first_answer, slot
from panels.environment import POND_PARAMS, parameter_name
from queries.base import records
from queries import kpis, readings, site

dash.register_page(__name__, path="/environment", order=1, title="Môi trường – Bộ não số", nav="environment")
P = "env"
DEFAULT_PERIOD = "7d"
NOT_A_POND = {"device": None}           # panels of other devices (air, gauges) ignore the pond station


def layout(period: str = DEFAULT_PERIOD, start: str | None = None, end: str | None = None, village: str | None = None,
           station: str | None = None, parameter: str = "do", xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    devs = site.devices("water_station", commune=commune)
    stations = list(zip(devs["id"], devs["name"]))
    params = [(p, parameter_name(p, lang)) for p in POND_PARAMS]
    parameter = parameter if parameter in POND_PARAMS else "do"
    filters = bar_filters(shown_period(period, start), {"start": start, "end": end}, village=village,
                          device=station, parameter=parameter, commune=commune)
    gauges = records(site.devices("water_gauge", commune=commune))
    # the station layer as update_map would send it first (and its fingerprint): no callback on a first visit
    (stations_now, seen), problem = first_answer(lambda: only_changed([map_layer(commune, lang)], None), (_EMPTY, None))
    return html.Div([
        page_header(t("env.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("station", t("filter.station", lang), stations, station),
                   extra_filter("parameter", t("env.parameter", lang), params, parameter)),
        filters_error(P, filters, "water_station"), problem,
        dcc.Store(id=f"{P}-map-seen", data=seen), dcc.Store(id=f"{P}-map-mark"),
        html.Div([
            slot("env.pond_series", filters, id=f"{P}-pond", height="lg"),
            card(t("env.stations", lang), page_map(P, lang, [("stations", t("env.stations", lang), True, False)], commune=commune,
                                                   data={"stations": stations_now})),
        ], className="grid-2"),
        html.Div([slot("env.pond_compare", filters, id=f"{P}-compare"), slot("env.aqi_daily", filters, id=f"{P}-aqi")],
                 className="grid-2"),
        html.Div([
            html.Div([slot("env.aqi_now", filters, pin=NOT_A_POND), slot("env.aqi_parts", filters, pin=NOT_A_POND)],
                     className="grid-tight", id=f"{P}-air"),
            html.Div([slot("env.river_now", filters, n=i, pin={"device": g["id"]}) for i, g in enumerate(gauges)],
                     className="kpi-grid", id=f"{P}-gauges"),
        ], className="grid-2"),
        html.Div([slot("env.river_levels", filters, id=f"{P}-level", pin=NOT_A_POND), slot("env.rain_daily", filters, id=f"{P}-rain")],
                 className="grid-2"),
    ])


mark_selected(P, "stations", "station")


_EMPTY = {"type": "FeatureCollection", "features": []}


@callback(Output(f"{P}-stations", "data"), Output(f"{P}-map-seen", "data"), Input("shell-tick", "n_intervals"),
          Input("shell-alert-done", "data"), Input("shell-commune", "data"), State(f"{P}-map-seen", "data"),
          prevent_initial_call=True)
def update_map(_tick, _done, xa, seen):
    """The station layer again every minute, after an alert is handled and when the commune changes; only
    if it changed (the layout drew the first one and its fingerprint)."""
    try:
        commune = resolve_commune(xa)
    except AppError:
        return only_changed([_EMPTY], seen)
    return only_changed([map_layer(commune, current_lang())], seen)


def map_layer(commune: str | None, lang: str) -> dict:
    """The commune's stations and gauges as GeoJSON, coloured by state, each popup with its latest readings
    and open alerts (escaped: popups are HTML in dash-leaflet)."""
    states = kpis.device_states(commune=commune)
    latest = readings_by_device(readings.latest(device_ids=tuple(states["id"]) if not states.empty else None))
    alerts_by_device = open_alerts_by_device(commune)     # its own commune's, not every commune's
    feats = []
    for d in records(states[states["kind"].isin(["water_station", "air_station", "water_gauge", "rain_gauge"])]):
        if d["lat"] is None or d["lat"] != d["lat"]:
            continue
        lines = [kind_label(d["kind"], lang)] + reading_lines(latest.get(d["id"], []), lang)
        popup = popup_html(d["name"], lines) + alert_popup(alerts_by_device.get(d["id"]), lang)
        feats.append(feature(d["lat"], d["lon"], id=d["id"], tooltip=d["name"],
                             popup=popup, color=STATE_COLOURS.get(d["state"], "#5f6368"),
                             kind=d["kind"]))
    return {"type": "FeatureCollection", "features": feats}


@callback(Output(fid("station"), "value"), Input(f"{P}-stations", "clickData"), State(fid("station"), "value"),
          prevent_initial_call=True)
def drill_down_station(click, current):
    """A click on a pond station on the map filters the page to it."""
    dev, kind = clicked_id(click), clicked_id(click, "kind")
    if not dev:
        return no_update
    return dev if kind == "water_station" and dev != current else no_update

"""Môi trường — pond water per station against its thresholds, air quality as VN_AQI with its colour,
river level and rain against the flood alarms, a station comparison and the station map."""
from __future__ import annotations

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html, no_update

from auth.communes import resolve_commune
from components.alert_actions import alert_popup, open_alerts_by_device
from components.errors import error_alert
from components.figures.bars import bar
from components.figures.base import local_x, no_data, style
from components.figures.timeseries import Line, timeseries
from components.filters import extra_filter, fid, filter_bar, period_filter, period_inputs, village_filter
from components.freshness import freshness_badge
from components.map import STATE_COLOURS, clicked_id, feature, kind_label, mark_selected, page_map, popup_html, reading_lines
from components.page import card, fresh, graph, only_changed, page_header, parse_filters, village_options
from core.errors import AppError
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from domain import aqi as aqi_domain
from domain.flood import ALARM_COLOURS, ROMAN, relative_text
from domain.parameters import PARAMETERS
from layouts.context import current_lang, current_theme
from panels.environment import pond_bands, pond_stations
from queries.base import records
from queries import kpis, readings, site
from queries.cache import memoize

dash.register_page(__name__, path="/environment", order=1, title="Môi trường – Bộ não số")
P = "env"
POND_PARAMS = ("do", "ph", "water_temp", "salinity", "nh3", "h2s", "nitrite", "transparency")


# sub-indices as VN_AQI tables write them (PM2.5, not PM25)
POLLUTANT_SYMBOLS = {"pm25": "PM2.5", "pm10": "PM10", "o3": "O₃", "co": "CO", "so2": "SO₂", "no2": "NO₂"}


def pname(code: str, lang: str) -> str:
    p = PARAMETERS[code]
    return p.vi if lang == "vi" else p.en


def layout(period: str = "7d", start: str | None = None, end: str | None = None, village: str | None = None,
           station: str | None = None, parameter: str = "do", xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    devs = site.devices("water_station", commune=commune)
    stations = list(zip(devs["id"], devs["name"]))
    params = [(p, pname(p, lang)) for p in POND_PARAMS]
    return html.Div([
        page_header(t("env.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("station", t("filter.station", lang), stations, station),
                   extra_filter("parameter", t("env.parameter", lang), params, parameter if parameter in POND_PARAMS else "do")),
        html.Div(id=f"{P}-error"), dcc.Store(id=f"{P}-map-seen"), dcc.Store(id=f"{P}-map-mark"),
        html.Div([
            card(t("env.pond", lang), graph(f"{P}-pond", "md", "moi-truong", lang=lang),
                 extra=[html.Span(id=f"{P}-pond-fresh")]),
            card(t("env.stations", lang), page_map(P, lang, [("stations", t("env.stations", lang), True, False)],
                                                   commune=commune)),
        ], className="grid-2"),
        html.Div([
            card(t("env.air", lang), html.Div([html.Div(id=f"{P}-aqi-now"),
                                               graph(f"{P}-aqi", "sm", "moi-truong", lang=lang)])),
            card(t("env.compare", lang), graph(f"{P}-compare", "sm", "moi-truong", lang=lang)),
        ], className="grid-2"),
        html.Div([
            card(t("env.hydro", lang), graph(f"{P}-level", "md", "moi-truong", lang=lang),
                 extra=[html.Span(id=f"{P}-gauges")]),
            card(t("env.rain_daily", lang), graph(f"{P}-rain", "md", "moi-truong", lang=lang)),
        ], className="grid-2"),
    ])


FILTERS = [*period_inputs(),
           Input(fid("village"), "value"), Input(fid("station"), "value"), Input(fid("parameter"), "value"),
           Input("shell-tick", "n_intervals"), Input("shell-commune", "data")]


@callback(Output(f"{P}-pond", "figure"), Output(f"{P}-compare", "figure"), Output(f"{P}-pond-fresh", "children"),
          Output(f"{P}-error", "children"), *FILTERS)
def update_pond(period, dates, village, station, parameter, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, village = parse_filters(period, dates, village, commune)
        site.check_device(station, "water_station", commune)
    except AppError as err:
        return no_data(lang, theme), no_data(lang, theme), [], error_alert(err, lang)
    parameter = parameter if parameter in POND_PARAMS else "do"
    fig, comp = pond_figures(pond_stations(station, village, commune), parameter, s, e, lang, theme, commune)
    return fig, comp, freshness_badge(fresh("sensorthings"), lang), None


@memoize("pages", expire=60)
def pond_figures(ids: tuple[str, ...], parameter: str, s, e, lang: str, theme: str, commune: str | None = None):
    """The two pond charts, memoised: every viewer of the same view gets the same figures."""
    names = dict(zip(site.devices()["id"], site.devices()["name"]))
    df = readings.series(ids, parameter, s, e)
    unit = PARAMETERS[parameter].unit
    fig = timeseries(df, lang=lang, unit=unit, names=names, bands=pond_bands(parameter, lang), theme=theme,
                     title=f"{pname(parameter, lang)} ({unit})")
    all_ids = site.device_ids("water_station", commune)
    daily = readings.daily(all_ids, parameter, s, e)
    if daily.empty:
        comp = no_data(lang, theme)
    else:
        g = daily.groupby("device").apply(lambda p: (p["mean"] * p["count"]).sum() / p["count"].sum(),
                                          include_groups=False).reset_index(name="mean")
        comp = bar(g, x="device", y="mean", lang=lang, labels=names, unit=unit, theme=theme,
                   colours={i: ("#0b5cad" if i in ids else "#9aa0a6") for i in g["device"]})
        comp.update_traces(texttemplate="%{y:,.2f}")
    return fig, comp


@callback(Output(f"{P}-aqi-now", "children"), Output(f"{P}-aqi", "figure"), *FILTERS)
def update_air(period, dates, village, station, parameter, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, _ = parse_filters(period, dates, village, commune)
    except AppError:
        return None, no_data(lang, theme)
    air_dev = site.first_device("air_station", commune)
    if air_dev is None:
        return html.Div(t("common.no_data", lang), className="muted"), no_data(lang, theme)
    now = kpis.air_now(air_dev)
    b = aqi_domain.band(now["aqi"])
    if b is None:
        head = html.Div(t("common.no_data", lang), className="kpi-nodata")
    else:
        subs = [f"{POLLUTANT_SYMBOLS.get(k, k)}: {v}" for k, v in now["sub"].items() if v is not None]
        head = html.Div([
            html.Span(str(now["aqi"]), className="aqi-chip me-2",
                      style={"background": b.colour, "color": b.text_colour, "fontSize": "1.6rem"}),
            html.Strong(b.vi if lang == "vi" else b.en), " · ",
            html.Span(t("env.dominant", lang, p=POLLUTANT_SYMBOLS.get(now["dominant"], now["dominant"] or "—"))), html.Br(),
            html.Small(b.advice_vi if lang == "vi" else b.advice_en), html.Br(),
            html.Small(" · ".join(subs) + f" · {fmt_datetime(now['time'])}", className="muted"),
            html.Br(), html.Small(t("env.method", lang), className="muted"),
            html.Div(freshness_badge(fresh("sensorthings"), lang), className="fresh-row")])
    daily = kpis.aqi_daily(air_dev, s, e)
    if daily.empty or daily["aqi"].isna().all():
        return head, no_data(lang, theme)
    colours = [aqi_domain.band(v).colour if v is not None and v == v else "#9aa0a6" for v in daily["aqi"]]
    fig = go.Figure(go.Bar(x=local_x(daily["time"]), y=daily["aqi"], marker_color=colours,
                           marker_line={"color": "#555", "width": 0.5},
                           hovertemplate="%{x|%d/%m/%Y}: VN_AQI %{y}<extra></extra>"))
    style(fig, lang, title=t("env.aqi_daily", lang), theme=theme, legend=False)
    fig.update_xaxes(tickformat="%d/%m")
    return head, fig


@callback(Output(f"{P}-level", "figure"), Output(f"{P}-rain", "figure"), Output(f"{P}-gauges", "children"), *FILTERS)
def update_hydro(period, dates, village, station, parameter, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, _ = parse_filters(period, dates, village, commune)
    except AppError:
        return no_data(lang, theme), no_data(lang, theme), None
    gauges = records(site.devices("water_gauge", commune=commune))
    names = {d["id"]: d["name"] for d in gauges}
    df = readings.series(tuple(names), "water_level", s, e)
    ref = next((d for d in gauges if site.flood_levels(d)), None)
    lines = ()
    if ref is not None:
        fl = site.flood_levels(ref)
        lines = tuple(Line(v, ALARM_COLOURS[n], f"{t('env.alarm', lang, n=ROMAN[n])} {ref['name']}: "
                                                 f"{fmt_number(v, lang, 1)} m")
                      for n, v in ((1, fl["alarm_1"]), (2, fl["alarm_2"]), (3, fl["alarm_3"])))
    level = timeseries(df, lang=lang, unit="m", names=names, lines=lines, theme=theme, show_range=False)
    rain_dev = site.first_device("rain_gauge", commune)
    rain = readings.daily((rain_dev,), "rainfall", s, e) if rain_dev else pd.DataFrame()
    if rain.empty:
        rain_fig = no_data(lang, theme)
    else:
        total = rain["mean"] * rain["count"]
        rain_fig = go.Figure(go.Bar(x=local_x(rain["time"]), y=total,
                                    marker_color=["#d93025" if v > 100 else "#e8710a" if v > 50 else "#0b5cad"
                                                  for v in total],
                                    hovertemplate="%{x|%d/%m/%Y}: %{y:,.1f} mm<extra></extra>"))
        style(rain_fig, lang, unit="mm", theme=theme, legend=False)
        rain_fig.update_xaxes(tickformat="%d/%m")
    chips = []
    for r in records(kpis.gauges_now(commune=commune)):
        if r["level"] is None:
            continue
        colour = ALARM_COLOURS.get(r["alarm"] or 0)
        chips.append(html.Span(f"{r['name']}: {fmt_number(r['level'], lang, 2)} m · "
                               f"{relative_text(r['level'], r['levels'], lang)}",
                               className="sev-pill", style={"background": colour, "color": "#fff"}))
    return level, rain_fig, chips


mark_selected(P, "stations", "station")


@callback(Output(f"{P}-stations", "data"), Output(f"{P}-map-seen", "data"), Input("shell-tick", "n_intervals"),
          Input("shell-alert-done", "data"), Input("shell-commune", "data"), State(f"{P}-map-seen", "data"))
def update_map(_tick, _done, xa, seen):
    lang = current_lang()
    try:
        commune = resolve_commune(xa)
    except AppError:
        return only_changed([{"type": "FeatureCollection", "features": []}], seen)
    states = kpis.device_states(commune=commune)
    latest = readings.latest(device_ids=tuple(states["id"]) if not states.empty else None)
    alerts_by_device = open_alerts_by_device()
    feats = []
    for d in records(states[states["kind"].isin(["water_station", "air_station", "water_gauge", "rain_gauge"])]):
        if d["lat"] is None or d["lat"] != d["lat"]:
            continue
        lines = [kind_label(d["kind"], lang)] + reading_lines(latest[latest["device"] == d["id"]], lang)
        popup = popup_html(d["name"], lines) + alert_popup(alerts_by_device.get(d["id"]), lang)
        feats.append(feature(d["lat"], d["lon"], id=d["id"], tooltip=d["name"],
                             popup=popup, color=STATE_COLOURS.get(d["state"], "#5f6368"),
                             kind=d["kind"]))
    return only_changed([{"type": "FeatureCollection", "features": feats}], seen)


@callback(Output(fid("station"), "value"), Input(f"{P}-stations", "clickData"), State(fid("station"), "value"),
          prevent_initial_call=True)
def drill_down_station(click, current):
    """A click on a pond station on the map filters the page to it."""
    dev, kind = clicked_id(click), clicked_id(click, "kind")
    if not dev:
        return no_update
    return dev if kind == "water_station" and dev != current else no_update

"""Environment panels: air (VN_AQI), pond water, river levels against the flood alarms, rain."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import plotly.graph_objects as go

from components.figures.bars import bar
from components.figures.base import daily_axis_props, figure, local_x, no_data, series_colour, style_layout
from components.figures.timeseries import Band, Line, timeseries
from core.errors import BadParam
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from core.timeutil import LOCAL_TZ, local_midnight
from domain import aqi as aqi_domain
from domain import pond
from domain.flood import ALARM_COLOURS, ROMAN, relative_text
from domain.parameters import PARAMETERS
from panels.base import Filters, Panel, PanelData, data_maker, each_commune, make_data, one_commune, register, with_error
from queries import kpis, readings, site
from queries.base import records

SOURCES = ("sensorthings",)
POND_PARAMS = ("do", "ph", "water_temp", "salinity", "nh3", "h2s", "nitrite", "transparency")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def parameter_name(code: str, lang: str) -> str:
    p = PARAMETERS[code]
    return p.vi if lang == "vi" else p.en


def _device_of(kind: str, wanted: str | None, commune: str | None) -> str | None:
    """The device the filter names (checked: another kind or another commune's is a BadParam), or the
    commune's first one of the kind."""
    if wanted:
        site.check_device(wanted, kind, commune)
        return wanted
    return site.first_device(kind, commune)


def _commune_scope(commune: str | None) -> str:
    return f"commune:{commune}" if commune else "commune"


# --- VN_AQI now --------------------------------------------------------------------------------------

def aqi_now_many(filters: Filters, communes: tuple) -> dict:
    """VN_AQI now at each commune's air station (the device filter's, else its first): every station's
    hourly means in one query (kpis.air_now_of, the rule of kpis.air_now)."""
    ok, out = each_commune("env.aqi_now", filters, communes, lambda f: f.checked_device("air_station") if f.device else None)
    if not ok:
        return out
    ids = tuple(dict.fromkeys(c for c, _ in ok.values()))
    first = site.first_devices("air_station", ids)
    device_of = {asked: wanted or first[c] for asked, (c, wanted) in ok.items()}
    airs = kpis.air_now_of(tuple(sorted({d for d in device_of.values() if d})))
    made = data_maker("env.aqi_now", SOURCES)
    for asked, (c, _) in ok.items():
        device = device_of[asked]
        now = airs[device] if device else {"aqi": None}
        out[asked] = made(value=now.get("aqi"), extra={"air": now}, now=True,
                          scope=f"device:{device}" if device else _commune_scope(c))
    return out


def aqi_now_kpi(data: PanelData, lang: str) -> dict:
    band = aqi_domain.band(data.value)
    return {"value": data.value, "unit": "", "decimals": 0, "direction": "down",
            "note": (band.vi if lang == "vi" else band.en) if band else None,
            "accent": band.colour if band else None,
            "advice": (band.advice_vi if lang == "vi" else band.advice_en) if band else None}


register(Panel("env.aqi_now", "Chỉ số chất lượng không khí (VN_AQI) hiện tại", "Air quality index (VN_AQI) now",
               "environment", "kpi", SOURCES, one_commune(aqi_now_many), kpi=aqi_now_kpi, href="/environment",
               uses=("device",), data_many=aqi_now_many))


# --- VN_AQI sub-indices now -----------------------------------------------------------------------------

# sub-indices as VN_AQI tables write them (PM2.5, not PM25)
POLLUTANT_SYMBOLS = {"pm25": "PM2.5", "pm10": "PM10", "o3": "O₃", "co": "CO", "so2": "SO₂", "no2": "NO₂"}


def aqi_parts_data(filters: Filters) -> PanelData:
    data = one_commune(aqi_now_many)(filters)
    return data if data.error is not None else PanelData(**{**data.__dict__, "panel": "env.aqi_parts"})


def aqi_parts_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    """Each pollutant's sub-index now, the dominant one marked, and when the newest reading was taken."""
    air = data.extra.get("air") or {}
    head = [t("env.col_pollutant", lang), t("env.col_subindex", lang), t("env.col_band", lang)]
    rows = []
    for code, value in (air.get("sub") or {}).items():
        if value is None:
            continue
        band = aqi_domain.band(value)
        mark = f" · {t('env.dominant_short', lang)}" if code == air.get("dominant") else ""
        rows.append([POLLUTANT_SYMBOLS.get(code, code), fmt_number(value, lang, 0),
                     ((band.vi if lang == "vi" else band.en) if band else "—") + mark])
    return head, rows


def aqi_parts_note(data: PanelData, lang: str) -> str:
    air = data.extra.get("air") or {}
    band = aqi_domain.band(data.value)
    advice = (band.advice_vi if lang == "vi" else band.advice_en) if band else None
    measured = t("env.measured_at", lang, time=fmt_datetime(air["time"])) if air.get("time") is not None else None
    return " · ".join(x for x in (advice, measured, t("env.method", lang)) if x)


register(Panel("env.aqi_parts", "Chỉ số phụ VN_AQI hiện tại", "VN_AQI sub-indices now", "environment", "table",
               SOURCES, aqi_parts_data, table=aqi_parts_table, footnote=aqi_parts_note, href="/environment",
               uses=("device",),
               rows=lambda d: pd.DataFrame([{"pollutant": k, "sub_index": v, "dominant": k == (d.extra.get("air") or {}).get("dominant")}
                                            for k, v in ((d.extra.get("air") or {}).get("sub") or {}).items()],
                                           columns=["pollutant", "sub_index", "dominant"])))


# --- river level now ---------------------------------------------------------------------------------

def river_now_data(filters: Filters) -> PanelData:
    try:
        commune = filters.commune_id()
        device = _device_of("water_gauge", filters.device, commune)
    except BadParam as err:
        return with_error("env.river_now", err)
    gauges = kpis.gauges_now(commune=commune)
    row = next((r for r in records(gauges) if r["device"] == device), None) if not gauges.empty else None
    return make_data("env.river_now", SOURCES, value=row["level"] if row else None,
                     extra={"gauge": row, "device": device}, now=True, scope=f"device:{device}")


def river_now_kpi(data: PanelData, lang: str) -> dict:
    row = data.extra.get("gauge") or {}
    level, levels = row.get("level"), row.get("levels")
    alarm = row.get("alarm") or 0
    return {"value": level, "unit": "m", "decimals": 2, "direction": "down",
            "note": relative_text(level, levels, lang) if level is not None and levels else None,
            "accent": ALARM_COLOURS.get(alarm) if level is not None and levels else None,
            "label": t("kpi.river", lang, name=row.get("name") or data.scope_name(lang))}


register(Panel("env.river_now", "Mực nước hiện tại", "Water level now", "environment", "kpi", SOURCES,
               river_now_data, unit="m", kpi=river_now_kpi, href="/environment", uses=("device",)))


# --- rain in the last 24 h ---------------------------------------------------------------------------

def rain24_data(filters: Filters) -> PanelData:
    """The last 24 hours, or the rain over a named window (a meeting week)."""
    try:
        named = filters.named_window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.rain_24h", err)
    device = site.first_device("rain_gauge", commune)
    end = _now()
    start, end = named or (end - timedelta(hours=24), end)
    total = kpis.rain_total(device, start, end) if device else None
    # the rolling 24 hours straddle two dates, as the daily chart beside it on the wall does not: say so
    return make_data("env.rain_24h", SOURCES, value=total, start=start, end=end,
                     scope=f"device:{device}" if device else _commune_scope(commune),
                     notes=[] if named else ["cover.rolling_24h"])


register(Panel("env.rain_24h", "Lượng mưa 24 giờ qua", "Rain in the last 24 h", "environment", "kpi", SOURCES,
               rain24_data, unit="mm",
               kpi=lambda d, lang: {"value": d.value, "unit": "mm", "decimals": 1, "direction": "none"},
               href="/environment", windowed=True))


# --- pond DO in range this week ------------------------------------------------------------------------

def pond_share_data(filters: Filters) -> PanelData:
    """The last 7 days against the 7 before, or a named window against the one before it."""
    try:
        named = filters.named_window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.pond_do_share", err)
    end = _now()
    start, end = named or (end - timedelta(days=7), end)
    value = kpis.pond_share("do", start, end, commune)
    previous = kpis.pond_share("do", start - (end - start), start, commune)
    return make_data("env.pond_do_share", SOURCES, value=value, extra={"previous": previous}, start=start, end=end,
                     scope=_commune_scope(commune))


register(Panel("env.pond_do_share", "Giờ có oxy hòa tan đạt QCVN (7 ngày)", "Hours with DO within QCVN (7 days)",
               "economy", "kpi", SOURCES, pond_share_data, unit="%",
               kpi=lambda d, lang: {"value": d.value, "unit": "%", "decimals": 1, "direction": "up",
                                    "previous": d.extra.get("previous")},
               href="/environment?parameter=do", windowed=True))


# --- pond water series --------------------------------------------------------------------------------

def pond_bands(parameter: str, lang: str) -> tuple[Band, ...]:
    out = []
    for lo, hi, kind in pond.bands(parameter):
        colour = "#1e8e3e" if kind == "safe" else "#0b5cad"
        out.append(Band(lo, hi, colour, t(f"env.band_{kind}", lang)))
    return tuple(out)


def pond_stations(station: str | None, village: str | None, commune: str | None = None) -> tuple[str, ...]:
    """The station asked about, else the village's stations, else the commune's."""
    if station:
        return (station,)
    devs = site.devices("water_station", commune=commune)
    ids = tuple(devs[devs["village_id"] == village]["id"]) if village else ()
    return ids or tuple(devs["id"])


def pond_series_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        filters.checked_device("water_station")
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.pond_series", err)
    parameter = filters.parameter if filters.parameter in POND_PARAMS else "do"
    ids = pond_stations(filters.device, village, commune)
    frame = readings.series(ids, parameter, start, end)
    scope = f"device:{filters.device}" if filters.device else (f"village:{village}" if village
                                                               else _commune_scope(commune))
    return make_data("env.pond_series", SOURCES, frame=frame, extra={"parameter": parameter, "devices": ids},
                     start=start, end=end, scope=scope)


def _names() -> dict[str, str]:
    devices = site.devices()
    return dict(zip(devices["id"], devices["name"]))


def pond_series_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    parameter = data.extra.get("parameter", "do")
    unit = PARAMETERS[parameter].unit
    return timeseries(data.frame, lang=lang, unit=unit, names=_names(), bands=pond_bands(parameter, lang),
                      theme=theme, title=f"{parameter_name(parameter, lang)} ({unit})")


register(Panel("env.pond_series", "Chất lượng nước ao nuôi", "Pond water quality", "environment", "chart", SOURCES,
               pond_series_data, figure=pond_series_figure, href="/environment",
               uses=("village", "device", "parameter")))


# --- pond stations compared ------------------------------------------------------------------------------

def pond_compare_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        filters.checked_device("water_station")
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.pond_compare", err)
    parameter = filters.parameter if filters.parameter in POND_PARAMS else "do"
    all_ids = site.device_ids("water_station", commune)
    daily = readings.daily(all_ids, parameter, start, end)
    if daily.empty:
        frame = pd.DataFrame(columns=["device", "mean"])
    else:
        frame = daily.groupby("device").apply(lambda p: (p["mean"] * p["count"]).sum() / p["count"].sum(),
                                              include_groups=False).reset_index(name="mean")
    return make_data("env.pond_compare", SOURCES, frame=frame,
                     extra={"parameter": parameter, "selected": pond_stations(filters.device, village, commune)},
                     start=start, end=end, scope=_commune_scope(commune))


def pond_compare_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    if data.frame is None or data.frame.empty:
        return no_data(lang, theme)
    unit = PARAMETERS[data.extra["parameter"]].unit
    selected = data.extra.get("selected", ())
    fig = bar(data.frame, x="device", y="mean", lang=lang, labels=_names(), unit=unit, theme=theme,
              colours={i: ("#0b5cad" if i in selected else "#9aa0a6") for i in data.frame["device"]})
    return fig.update_traces(texttemplate="%{y:,.2f}")


register(Panel("env.pond_compare", "So sánh các trạm (trung bình kỳ)", "Stations compared (period mean)",
               "environment", "chart", SOURCES, pond_compare_data, figure=pond_compare_figure, href="/environment",
               uses=("village", "device", "parameter")))


# --- VN_AQI by day ------------------------------------------------------------------------------------

def aqi_daily_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        commune = filters.commune_id()
        air = set(site.device_ids("air_station", commune))
        device = _device_of("air_station", filters.device if filters.device in air else None, commune)
    except BadParam as err:
        return with_error("env.aqi_daily", err)
    frame = kpis.aqi_daily(device, start, end) if device else pd.DataFrame(columns=["time", "aqi", "dominant"])
    return make_data("env.aqi_daily", SOURCES, frame=frame, start=start, end=end,
                     scope=f"device:{device}" if device else _commune_scope(commune))


def aqi_daily_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    daily = data.frame
    if daily is None or daily.empty or daily["aqi"].isna().all():
        return no_data(lang, theme)
    colours = [aqi_domain.band(v).colour if v is not None and v == v else "#9aa0a6" for v in daily["aqi"]]
    days = local_x(daily["time"])
    layout = style_layout(lang, title=t("env.aqi_daily", lang), theme=theme, legend=False)
    layout["xaxis"].update(daily_axis_props(days))
    return figure([{"type": "bar", "x": days, "y": daily["aqi"].to_numpy(),
                    "marker": {"color": colours, "line": {"color": "#555", "width": 0.5}},
                    "hovertemplate": "%{x|%d/%m/%Y}: VN_AQI %{y}<extra></extra>"}], layout)


register(Panel("env.aqi_daily", "VN_AQI theo ngày", "Daily VN_AQI", "environment", "chart", SOURCES, aqi_daily_data,
               figure=aqi_daily_figure, href="/environment"))


# --- river levels ---------------------------------------------------------------------------------------

def river_levels_data(filters: Filters) -> PanelData:
    """Every gauge of the commune, or the one the filter names (the wall's "each gauge" cycle) with its
    own alarm levels."""
    try:
        start, end = filters.window()
        commune = filters.commune_id()
        device = site.check_device(filters.device, "water_gauge", commune)
    except BadParam as err:
        return with_error("env.river_levels", err)
    gauges = [d for d in records(site.devices("water_gauge", commune=commune)) if device is None or d["id"] == device]
    frame = readings.series(tuple(d["id"] for d in gauges), "water_level", start, end)
    info = [{"id": d["id"], "name": d["name"], "flood_levels": site.flood_levels(d)} for d in gauges]
    return make_data("env.river_levels", SOURCES, frame=frame, start=start, end=end, extra={"gauges": info},
                     scope=f"device:{device}" if device else _commune_scope(commune))


def river_levels_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    gauges = data.extra.get("gauges", [])
    ref = next((d for d in gauges if d["flood_levels"]), None)
    lines = ()
    if ref is not None:
        fl = ref["flood_levels"]
        lines = tuple(Line(v, ALARM_COLOURS[n], f"{t('env.alarm', lang, n=ROMAN[n])} {ref['name']}: "
                                                 f"{fmt_number(v, lang, 1)} m")
                      for n, v in ((1, fl["alarm_1"]), (2, fl["alarm_2"]), (3, fl["alarm_3"])))
    return timeseries(data.frame, lang=lang, unit="m", names={d["id"]: d["name"] for d in gauges}, lines=lines,
                      theme=theme, show_range=False)


register(Panel("env.river_levels", "Mực nước sông và kênh", "River and canal levels", "environment", "chart",
               SOURCES, river_levels_data, unit="m", figure=river_levels_figure, href="/environment", uses=("device",)))


# --- rain by day --------------------------------------------------------------------------------------------

def rain_daily_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.rain_daily", err)
    device = site.first_device("rain_gauge", commune)
    frame = readings.daily((device,), "rainfall", start, end) if device else pd.DataFrame()
    if not frame.empty:
        frame = frame.assign(total=frame["mean"] * frame["count"])
    shown, partial = whole_days(start, end)
    return make_data("env.rain_daily", SOURCES, frame=frame, start=shown, end=end,
                     scope=f"device:{device}" if device else _commune_scope(commune),
                     notes=["cover.days_to_now"] if partial else ["cover.whole_days"])


def whole_days(start: datetime, end: datetime) -> tuple[datetime, bool]:
    """(the first local day a daily chart of [start, end) shows, whether its last day is still going on).
    A day's bar is the day that begins inside the window, so a rolling window ("24 giờ", "7 ngày")
    starting mid-day shows from the next midnight: the card says that date, not the window's."""
    local = start.astimezone(LOCAL_TZ)
    first = local.date() if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0) \
        else local.date() + timedelta(days=1)
    shown = local_midnight(first)
    local_end = end.astimezone(LOCAL_TZ)
    partial = end > _now() or (local_end.hour, local_end.minute, local_end.second) != (0, 0, 0)
    return (shown if shown < end else start), partial


def rain_daily_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    rain = data.frame
    if rain is None or rain.empty:
        return no_data(lang, theme)
    days = local_x(rain["time"])
    layout = style_layout(lang, unit="mm", theme=theme, legend=False)
    layout["xaxis"].update(daily_axis_props(days))
    # rain is never below 0: a dry day is a bar of 0 on an axis from 0 (all-dry days drew an empty -1..1 axis),
    # its amount written on it
    layout["yaxis"]["rangemode"] = "tozero"
    layout["uniformtext"] = {"mode": "hide", "minsize": 10}     # a month or a year of bars: no amounts too small to read
    return figure([{"type": "bar", "x": days, "y": rain["total"].to_numpy(),
                    "marker": {"color": ["#d93025" if v > 100 else "#e8710a" if v > 50 else series_colour(0, theme)
                                         for v in rain["total"]]},
                    "texttemplate": "%{y:,.1f}", "textposition": "outside", "cliponaxis": False,
                    "hovertemplate": "%{x|%d/%m/%Y}: %{y:,.1f} mm<extra></extra>"}], layout)


register(Panel("env.rain_daily", "Lượng mưa theo ngày", "Daily rainfall", "environment", "chart", SOURCES,
               rain_daily_data, unit="mm", figure=rain_daily_figure, href="/environment",
               rows=lambda d: d.frame[["time", "total", "count"]] if d.frame is not None and not d.frame.empty
               else pd.DataFrame(columns=["time", "total", "count"])))

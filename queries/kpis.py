"""Questions the overview and the wall ask across sources: the air now (VN_AQI), river levels against
their alarms, pond water in band, devices' states for the map. Numbers come from the store; where the
store has nothing, the answer is None ("no data"), never 0."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
from sqlalchemy import case, func, select

from core.timeutil import LOCAL_OFFSET_S
from domain import aqi, flood, freshness, pond
from queries import health, readings, site
from queries.base import records
from queries.cache import memoize
from queries.events import camera_online
from queries.windows import epoch
from store.engine import get_engine
from store.models import CameraEvent, Device, HourlyRollup, LatestReading, Series

def _now(now) -> datetime:
    return datetime.fromtimestamp(now, timezone.utc) if now else datetime.now(timezone.utc)


POLLUTANTS = ("pm25", "pm10", "o3", "co", "so2", "no2")


@memoize("readings", expire=60)
def air_now(device: str, now: int | None = None) -> dict:
    """Hourly VN_AQI now: NowCast over the last 12 hourly means for PM, 1-h means for gases (air_now_of:
    the city page asks every commune's station at once, by the same rule)."""
    return air_now_of.uncached((device,), now)[device]


@memoize("readings", expire=60)
def air_now_of(devices: tuple[str, ...], now: int | None = None) -> dict[str, dict]:
    """air_now of each device: the six pollutants' hourly means of every device in one query (it was one
    query a pollutant, then one a device), each device's VN_AQI by _air_from_means."""
    end = _now(now)
    means = readings.hourly_means_by_device(devices, POLLUTANTS, end - timedelta(hours=12), end + timedelta(hours=1))
    empty = means.iloc[0:0]
    by_device = {d: part for d, part in means.groupby("device", sort=False)}
    return {d: _air_from_means(by_device.get(d, empty)) for d in devices}


def _air_from_means(means: pd.DataFrame) -> dict:
    """VN_AQI now from one device's (time, parameter, mean) hourly means of the last 12 hours: plain dicts
    of hour -> mean a pollutant (a frame sorted and re-indexed a pollutant cost more than the query for 20
    stations at once)."""
    hours: dict[str, dict[pd.Timestamp, float]] = {}
    for ts, p, mean in zip(means["time"], means["parameter"], means["mean"]):
        hours.setdefault(p, {})[ts] = mean
    if not any(hours.get(p) for p in POLLUTANTS):
        return {"aqi": None, "dominant": None, "sub": {}, "time": None}

    def newest_first(p):
        got = hours.get(p)
        if not got:
            return []
        newest = max(got)
        values = (got.get(newest - pd.Timedelta(hours=k)) for k in range(12))
        return [None if v is None or pd.isna(v) else float(v) for v in values]

    def current(p):
        got = hours.get(p)
        return float(got[max(got)]) if got else None

    r = aqi.hourly_aqi(newest_first("pm25"), newest_first("pm10"), current("o3"), current("co"), current("so2"),
                       current("no2"))
    newest = max((max(got) for p, got in hours.items() if p in POLLUTANTS and got), default=None)
    return {"aqi": r.value, "dominant": r.dominant, "sub": r.sub, "time": newest}


AQI_POLLUTANTS = ("pm25", "pm10", "o3", "co", "so2", "no2")
# the day's rule needs every hourly mean of these (PM: the 24-h mean; O3: the 8-h running means) ...
AQI_HOURLY = ("pm25", "pm10", "o3")
# ... and only the largest hourly mean of these (a max is exact in SQL, whatever the order it is taken in)
AQI_DAY_MAX = ("co", "so2", "no2")


@memoize("readings", expire=300)
def aqi_daily(device: str, start, end) -> pd.DataFrame:
    """Daily VN_AQI per local day from the hourly rollups (time, aqi, dominant), by domain.aqi's own rule
    (`daily_aqi`, unchanged) fed what it was fed before: each day's PM and O3 hourly means in time order
    (a missing mean as NaN), and for CO, SO2, NO2 the day's largest hourly mean, taken in the database.
    A year was 52,000 hourly means through a frame and a pandas groupby (a Series a day and pollutant):
    most of the environment page's cold layout (≈270 CPU-ms). Now half the rows travel, as plain tuples."""
    for p in AQI_POLLUTANTS:
        readings._check(p, start, end)
    s, e = epoch(start), epoch(end)
    in_window = (Series.device_id == device, HourlyRollup.t >= s, HourlyRollup.t < e)
    hourly = (select(Series.parameter, HourlyRollup.t, HourlyRollup.mean)
              .join(Series, Series.id == HourlyRollup.series_id)
              .where(*in_window, Series.parameter.in_(AQI_HOURLY))
              .order_by(Series.parameter, HourlyRollup.t))
    local_day = ((HourlyRollup.t + LOCAL_OFFSET_S) // 86400).label("day")     # t is integer epoch seconds
    day_max = (select(Series.parameter, local_day, func.max(HourlyRollup.mean))
               .join(Series, Series.id == HourlyRollup.series_id)
               .where(*in_window, Series.parameter.in_(AQI_DAY_MAX))
               .group_by(Series.parameter, local_day))
    with get_engine().connect() as conn:
        rows = conn.execute(hourly).fetchall()
        maxima = conn.execute(day_max).fetchall()
    by_day: dict[str, dict] = {p: {} for p in AQI_POLLUTANTS}
    # a column of nothing but NULL means stayed None in the frame this replaced; any other NULL became NaN
    known = {p for p, _, m in rows if m is not None}
    nan = float("nan")
    for p, t, m in rows:
        by_day[p].setdefault((int(t) + LOCAL_OFFSET_S) // 86400, []).append(m if m is not None or p not in known else nan)
    for p, day, m in maxima:
        by_day[p][int(day)] = [m] if m is not None else []
    days = sorted(set().union(*(d.keys() for d in by_day.values())))
    # local midnight as the UTC instant: the same Timestamps the frame's floor("D") gave
    times = (pd.to_datetime(np.array(days, dtype="int64") * 86400, unit="s", utc=True)
             - pd.Timedelta(seconds=LOCAL_OFFSET_S)) if days else []
    out = []
    for day, at in zip(days, times):
        r = aqi.daily_aqi(*(by_day[p].get(day, []) for p in AQI_POLLUTANTS))
        out.append({"time": at, "aqi": r.value, "dominant": r.dominant})
    return pd.DataFrame(out, columns=["time", "aqi", "dominant"])


@memoize("readings", expire=60)
def gauges_now(now: int | None = None, commune: str | None = None) -> pd.DataFrame:
    """Each river/field gauge of the commune (every commune's: None): level now, alarm level (0-3) from
    its site file (kept in the store), trend over 3 h."""
    return _gauges_frame(_gauge_rows(site.devices("water_gauge", commune=commune), _now(now)))


@memoize("readings", expire=60)
def gauges_now_by_commune(communes: tuple[str, ...], now: int | None = None) -> dict[str, pd.DataFrame]:
    """gauges_now of each commune, every gauge read in one query (the city page's flood column)."""
    gauges = site.devices("water_gauge")
    rows = _gauge_rows(gauges[gauges["commune_id"].isin(communes)], _now(now))
    return {c: _gauges_frame([r for r in rows if r["commune_id"] == c]) for c in communes}


GAUGE_COLUMNS = ["device", "name", "commune_id", "level", "time", "alarm", "levels", "trend_m_h"]


def _gauges_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=GAUGE_COLUMNS)


def _gauge_rows(devices: pd.DataFrame, end: datetime) -> list[dict]:
    rows = []
    gauges = records(devices)
    # one query for every gauge (a site ten times larger has ten times the gauges, not ten times the trips)
    every = readings.series(tuple(d["id"] for d in gauges), "water_level", end - timedelta(hours=3),
                            end + timedelta(minutes=1)) if gauges else pd.DataFrame(columns=readings.COLUMNS)
    # each gauge's points as plain tuples in one pass over the columns (the frame is in time order per
    # device): a frame sliced per gauge cost more than the query on a site with 300 gauges
    points: dict[str, list[tuple[pd.Timestamp, float]]] = {}
    for dev, ts, v in zip(every["device"], every["time"], every["value"]):
        points.setdefault(dev, []).append((ts, float(v)))
    for d in gauges:
        mine = points.get(d["id"], [])
        level = mine[-1][1] if mine else None
        t = mine[-1][0] if mine else None
        fl = site.flood_levels(d)
        levels = flood.Levels(fl["alarm_1"], fl["alarm_2"], fl["alarm_3"]) if fl else None
        pts = [(int(ts.timestamp()), v) for ts, v in mine]
        rows.append({"device": d["id"], "name": d["name"], "commune_id": d["commune_id"], "level": level, "time": t,
                     "alarm": flood.alarm_level(level, levels) if levels else None,
                     "levels": levels, "trend_m_h": flood.trend_m_per_h(pts)})
    return rows


@memoize("readings", expire=300)
def pond_share(parameter: str, start, end, commune: str | None = None) -> float | None:
    """Share of the stations' hourly means inside the QCVN range (0-100), None if no data
    (pond.share_in_range's rule, counted by the database)."""
    if parameter not in pond.QCVN:
        return None
    ids = site.device_ids("water_station", commune)
    if not ids:
        return None
    inside, total = readings.hours_between(ids, parameter, *pond.QCVN[parameter], start, end)
    return 100.0 * inside / total if total else None


@memoize("readings", expire=300)
def rain_total(device: str, start, end) -> float | None:
    df = readings.hourly((device,), "rainfall", start, end)
    return None if df.empty else float((df["mean"] * df["count"]).sum())


GAUGE_WINDOW_S = 3 * 3600      # gauges_now's level: the newest reading of the last 3 hours (and the next minute)


@memoize("site", expire=60)
def device_states(now: int | None = None, commune: str | None = None) -> pd.DataFrame:
    """Every device of the commune (of every commune: None) with its state for the map: ok / warning /
    alarm / offline / unknown / none.

    The same judgement as the memoised pieces the pages also show (site.devices, readings.latest,
    events.camera_status, gauges_now, health.sources), computed from three queries in one connection
    (`_state_rows`) instead of through them: cold, each of those was a query, a frame and a cache write of
    its own (and camera_status, gauges_now and sources are keyed by the second of `now`, so their entries
    were never read again); this answer is the one cache entry a warm map needs. Equal, dtypes too, to the
    answer built from those pieces (tests/integration/queries/test_device_states.py)."""
    now_t = int(now or time.time())
    devices, latest, source_state = _state_rows(commune, now_t)
    frigate_healthy = source_state.get("frigate") in ("ok", "late")
    stations = {d["id"] for d, _ in devices if d["kind"] == "water_station"}
    # each device's newest time, each pond station's values by parameter, each water level with its time
    newest_t: dict[str, int] = {}
    pond_values: dict[str, tuple[list[str], list[float]]] = {}
    level_at: dict[str, tuple[int, float]] = {}
    for dev, p, t, v in latest:
        if dev not in newest_t or t > newest_t[dev]:
            newest_t[dev] = t
        if dev in stations:
            ids, vals = pond_values.setdefault(p, ([], []))
            ids.append(dev)
            vals.append(v)
        if p == "water_level":
            level_at[dev] = (t, v)
    # a station's worst tier over its newest values: one array per parameter (pond.tier_array)
    worst_tier: dict[str, int] = {}
    for p, (ids, vals) in pond_values.items():
        for dev, tier in zip(ids, pond.tier_array(p, vals).tolist()):
            if tier > worst_tier.get(dev, 0):
                worst_tier[dev] = tier
    gauge_alarm = _gauge_alarms([d for d, _ in devices if d["kind"] == "water_gauge"], level_at, now_t)
    interval = {kind: freshness.device_interval_s(kind) for kind in {d["kind"] for d, _ in devices}}
    out = []
    for d, last_event_t in devices:
        state, fresh = "none", None
        if d["kind"] == "camera":
            on = camera_online(last_event_t, now_t, frigate_healthy)
            state = "unknown" if on is None else ("ok" if on else "offline")
            fresh = source_state.get("frigate", "never")
        elif d["source"] == "none":
            state = "none"
        elif d["id"] not in newest_t:
            state, fresh = "unknown", "never"
        else:
            # the device's own cadence: late after 2 of its intervals, offline (stale) after 3; a source
            # that is down makes every device it feeds read "down", whatever its last value was
            fresh = freshness.worst(freshness.age_state(now_t - newest_t[d["id"]], interval[d["kind"]]),
                                    "down" if source_state.get(d["source"]) == "down" else "ok")
            state = "offline" if fresh in ("stale", "down") else "ok"
            if state == "ok" and d["kind"] == "water_station":
                worst = worst_tier.get(d["id"], 0)
                state = "alarm" if worst >= 2 else ("warning" if worst == 1 else "ok")
            if state == "ok" and d["kind"] == "water_gauge":
                alarm = gauge_alarm.get(d["id"]) or 0
                state = "alarm" if alarm >= 2 else ("warning" if alarm == 1 else "ok")
        d["state"], d["freshness"] = state, fresh
        out.append(d)
    return pd.DataFrame(out)


def _state_rows(commune: str | None, now: int) -> tuple[list[tuple[dict, int | None]], list[tuple], dict[str, str]]:
    """What the map's states are judged on, read in one connection as plain rows: the commune's devices
    (site.devices' columns and order, missing values as None, as `records()` gives them) each with its
    newest camera event (cameras only: one index probe each); the newest value of each of their series
    (device, parameter, t, value) from the latest-value table; each source's freshness state."""
    d = Device.__table__
    last_event = (select(func.max(CameraEvent.start_t)).where(CameraEvent.device_id == d.c.id)
                  .correlate(d).scalar_subquery())
    device_stmt = (select(*[d.c[c] for c in site.DEVICE_COLUMNS], case((d.c.kind == "camera", last_event)))
                   .order_by(d.c.kind, d.c.id))
    latest_stmt = (select(Series.device_id, Series.parameter, LatestReading.t, LatestReading.value)
                   .join(LatestReading, LatestReading.series_id == Series.id))
    if commune:
        device_stmt = device_stmt.where(d.c.commune_id == commune)
        latest_stmt = latest_stmt.join(Device, Device.id == Series.device_id).where(Device.commune_id == commune)
    with get_engine().connect() as conn:
        device_rows = conn.execute(device_stmt).fetchall()
        latest = conn.execute(latest_stmt).fetchall()
        source_state = health.source_states(now, conn)
    names = site.DEVICE_COLUMNS
    devices = []
    for row in device_rows:
        dev = dict(zip(names, row))
        for col in ("lat", "lon"):     # a NaN coordinate (PostgreSQL can store one) is missing, as records() says
            if dev[col] != dev[col]:
                dev[col] = None
        devices.append((dev, row[-1]))
    return devices, latest, source_state


def _gauge_alarms(gauges: list[dict], level_at: dict[str, tuple[int, float]], now: int) -> dict[str, int | None]:
    """Each gauge's alarm level (0-3, None without a level or alarm levels), as gauges_now judges it: on the
    newest water level of the last 3 hours. That is the latest-value table's row when it lies in the window;
    a newest reading after the window (a `now` in the past) needs the readings themselves."""
    start, end = now - GAUGE_WINDOW_S, now + 60
    later = [g["id"] for g in gauges if g["id"] in level_at and level_at[g["id"]][0] >= end]
    level = {dev: v for dev, (t, v) in level_at.items() if start <= t < end}
    if later:
        frame = readings.series.uncached(tuple(later), "water_level", datetime.fromtimestamp(start, timezone.utc),
                                datetime.fromtimestamp(end, timezone.utc))
        level.update((dev, float(v)) for dev, v in zip(frame["device"], frame["value"]))  # time order: newest last
    out = {}
    for g in gauges:
        fl = site.flood_levels(g)
        levels = flood.Levels(fl["alarm_1"], fl["alarm_2"], fl["alarm_3"]) if fl else None
        out[g["id"]] = flood.alarm_level(level.get(g["id"]), levels) if levels else None
    return out

"""Sensor readings at the resolution that keeps every trace at or under ~2,000 points: raw rows for
short ranges, hourly rollups for months, daily rollups for years (kept current at ingest), and
MinMaxLTTB downsampling where even the chosen tier is still too long."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, select

from core.errors import BadParam
from domain.parameters import PARAMETERS
from queries.base import frame
from queries.cache import memoize
from queries.windows import epoch
from store.engine import get_engine
from store.models import DailyRollup, Device, HourlyRollup, LatestReading, Reading, Series

RAW_STEP_S = 600          # the densest regular stream (10 minutes; the air station's 5 min is handled by LTTB)
TIERS = (("raw", RAW_STEP_S), ("hour", 3600), ("day", 86400))
COLUMNS = ["time", "device", "value", "min", "max", "count"]


def pick_tier(start, end, max_points: int = 2000) -> str:
    span = epoch(end) - epoch(start)
    return next((name for name, step in TIERS if span / step <= max_points), "day")


def _check(parameter: str, start, end) -> tuple[int, int]:
    if parameter not in PARAMETERS:
        raise BadParam("error.unknown_parameter", value=str(parameter)[:40])
    s, e = epoch(start), epoch(end)
    if e <= s:
        raise BadParam("error.period_reversed")
    return s, e


def _downsample(df: pd.DataFrame, max_points: int) -> pd.DataFrame:
    if len(df) <= max_points:
        return df
    from tsdownsample import MinMaxLTTBDownsampler
    x = df["time"].astype("int64").to_numpy()
    y = df["value"].to_numpy(dtype=np.float64)
    idx = MinMaxLTTBDownsampler().downsample(x, y, n_out=max_points)
    return df.iloc[np.sort(idx)].reset_index(drop=True)


@memoize("readings", expire=60)
def series(device_ids: tuple[str, ...], parameter: str, start, end, max_points: int = 2000) -> pd.DataFrame:
    """Columns time (UTC), device, value, min, max, count; attrs["tier"]. Empty frame = no data."""
    s, e = _check(parameter, start, end)
    tier = pick_tier(s, e, max_points)
    if tier == "raw":
        stmt = select(Reading.t, Series.device_id, Reading.value).join(Series, Series.id == Reading.series_id) \
            .where(Series.device_id.in_(device_ids), Series.parameter == parameter, Reading.t >= s, Reading.t < e) \
            .order_by(Series.device_id, Reading.t)
        df = frame(stmt, ["time", "device", "value"], ("time",))
        df["min"] = df["value"]
        df["max"] = df["value"]
        df["count"] = 1
    else:
        table = HourlyRollup if tier == "hour" else DailyRollup
        stmt = (select(table.t, Series.device_id, table.mean, table.min, table.max, table.count)
                .join(Series, Series.id == table.series_id)
                .where(Series.device_id.in_(device_ids), Series.parameter == parameter, table.t >= s, table.t < e)
                .order_by(Series.device_id, table.t))
        df = frame(stmt, COLUMNS, ("time",))
    if not df.empty:
        df = pd.concat([_downsample(part, max_points) for _, part in df.groupby("device", sort=True)],
                       ignore_index=True)
    df = df[COLUMNS]
    df.attrs["tier"] = tier
    return df


def _rollup(table, device_ids, parameter, start, end) -> pd.DataFrame:
    s, e = _check(parameter, start, end)
    stmt = (select(table.t, Series.device_id, table.mean, table.min, table.max, table.count)
            .join(Series, Series.id == table.series_id)
            .where(Series.device_id.in_(device_ids), Series.parameter == parameter, table.t >= s, table.t < e)
            .order_by(Series.device_id, table.t))
    return frame(stmt, ["time", "device", "mean", "min", "max", "count"], ("time",))


@memoize("readings", expire=300)
def daily(device_ids: tuple[str, ...], parameter: str, start, end) -> pd.DataFrame:
    """Local (Asia/Ho_Chi_Minh) days: `time` is the UTC instant of local midnight."""
    return _rollup(DailyRollup, device_ids, parameter, start, end)


@memoize("readings", expire=120)
def hourly(device_ids: tuple[str, ...], parameter: str, start, end) -> pd.DataFrame:
    return _rollup(HourlyRollup, device_ids, parameter, start, end)


def hourly_means(device: str, parameters: tuple[str, ...], start, end) -> pd.DataFrame:
    """(time, parameter, mean) of several parameters of one device in one query: the daily VN_AQI of a
    year reads six pollutants at once instead of six round trips (and six cache entries)."""
    return hourly_means_by_device((device,), parameters, start, end).drop(columns="device")


def hourly_means_by_device(devices: tuple[str, ...], parameters: tuple[str, ...], start, end) -> pd.DataFrame:
    """(time, device, parameter, mean) of several parameters of several devices in one query, in
    (device, parameter, time) order: the air now of every commune's station in one round trip."""
    for p in parameters:
        _check(p, start, end)
    s, e = epoch(start), epoch(end)
    stmt = (select(HourlyRollup.t, Series.device_id, Series.parameter, HourlyRollup.mean)
            .join(Series, Series.id == HourlyRollup.series_id)
            .where(Series.device_id.in_(devices), Series.parameter.in_(parameters), HourlyRollup.t >= s,
                   HourlyRollup.t < e)
            .order_by(Series.device_id, Series.parameter, HourlyRollup.t))
    return frame(stmt, ["time", "device", "parameter", "mean"], ("time",))


@memoize("readings", expire=300)
def hours_between(device_ids: tuple[str, ...], parameter: str, low: float | None, high: float | None, start,
                  end) -> tuple[int, int]:
    """(hours whose mean lies in [low, high], hours with a mean) over the stations, counted in the
    database: a year of four stations is 35,000 hourly rows that need not travel to Python."""
    s, e = _check(parameter, start, end)
    inside = HourlyRollup.mean.isnot(None)
    if low is not None:
        inside = and_(inside, HourlyRollup.mean >= low)
    if high is not None:
        inside = and_(inside, HourlyRollup.mean <= high)
    stmt = (select(func.count(HourlyRollup.mean), func.count(case((inside, 1))))
            .join(Series, Series.id == HourlyRollup.series_id)
            .where(Series.device_id.in_(device_ids), Series.parameter == parameter, HourlyRollup.t >= s,
                   HourlyRollup.t < e))
    with get_engine().connect() as conn:
        total, ok = conn.execute(stmt).one()
    return int(ok or 0), int(total or 0)


@memoize("readings", expire=60)
def latest(kind: str | None = None, parameter: str | None = None, device_ids: tuple | None = None) -> pd.DataFrame:
    """The newest reading of each series, from the latest-value table the writer keeps in the readings'
    transaction: one row a series, no max(t) probe of the readings per series."""
    stmt = (select(Series.device_id, Device.kind, Series.parameter, LatestReading.t, LatestReading.value, Series.unit,
                   Device.village_id)
            .join(LatestReading, LatestReading.series_id == Series.id)
            .join(Device, Device.id == Series.device_id)
            .order_by(Series.device_id, Series.parameter))
    if kind:
        stmt = stmt.where(Device.kind.in_(kind.split(",")))
    if parameter:
        stmt = stmt.where(Series.parameter == parameter)
    if device_ids:
        stmt = stmt.where(Series.device_id.in_(device_ids))
    return frame(stmt, ["device", "kind", "parameter", "time", "value", "unit", "village_id"], ("time",))

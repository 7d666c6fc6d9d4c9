"""Camera events: counts by camera, label, village, day and hour-of-day x weekday; the latest events;
which cameras are online."""
from __future__ import annotations

import time

import pandas as pd
from sqlalchemy import func, select

from core.errors import BadParam
from core.timeutil import LOCAL_OFFSET_S
from domain import freshness
from queries import site
from queries.base import frame
from queries.cache import memoize
from queries.windows import epoch
from store.engine import get_engine
from store.models import CameraEvent, Device, EventHourCount, SourceHealth

BY = ("camera", "label", "village", "day", "hour_weekday")
NO_CAMERA = ("",)    # a commune without cameras: a filter that matches nothing (an empty one matches all)


def _cameras_of(commune: str | None, cameras: tuple | None) -> tuple | None:
    """The cameras a question is about: those named, else the commune's (None: every commune's)."""
    if cameras or not commune:
        return cameras
    return site.device_ids("camera", commune) or NO_CAMERA


def _filtered(stmt, start, end, cameras, labels, village):
    stmt = stmt.where(CameraEvent.start_t >= epoch(start), CameraEvent.start_t < epoch(end))
    if cameras:
        stmt = stmt.where(CameraEvent.device_id.in_(cameras))
    if labels:
        stmt = stmt.where(CameraEvent.label.in_(labels))
    if village:
        stmt = stmt.where(Device.village_id == village)
    return stmt


def _how(t):
    return ((t + LOCAL_OFFSET_S) // 3600 + 72) % 168     # local hour of the week; 1970-01-01 was a Thursday


def _local_day(t):
    local = t + LOCAL_OFFSET_S
    return local - local % 86400 - LOCAL_OFFSET_S


def _key(by: str, device, label, t):
    return {"camera": device, "label": label, "how": _how(t), "day": _local_day(t)}[by]


@memoize("events", expire=60)
def _counted(by: str, start, end, cameras, labels, village) -> pd.DataFrame:
    """Events counted by one key (camera, label, local hour of the week or local day) over [start, end),
    grouped in the database so only the answer travels (a year by camera x label x hour of the week was
    15,000 rows to build a frame of): the whole hours inside the window from the hourly rollup kept at
    ingest, the part-hours at either end from the events themselves, so the count is exact for any window.
    Columns key, count. Kept like event_counts: the security page's counts by camera and by village
    are the same count by camera (one query for both when the page is drawn)."""
    s, e = epoch(start), epoch(end)
    a, b = -(-s // 3600) * 3600, e - e % 3600          # the whole hours inside [s, e)
    parts = []
    if a < b:
        r = EventHourCount
        k = _key(by, r.device_id, r.label, r.t)   # one expression object in SELECT and GROUP BY (PostgreSQL)
        stmt = select(k.label("k"), func.sum(r.count)).where(r.t >= a, r.t < b)
        if cameras:
            stmt = stmt.where(r.device_id.in_(cameras))
        if labels:
            stmt = stmt.where(r.label.in_(labels))
        if village:
            stmt = stmt.join(Device, Device.id == r.device_id).where(Device.village_id == village)
        parts.append(stmt.group_by(k))
        edges = [(s, a), (b, e)]
    else:
        edges = [(s, e)]
    for lo, hi in edges:
        if lo >= hi:
            continue
        k = _key(by, CameraEvent.device_id, CameraEvent.label, CameraEvent.start_t)
        stmt = select(k.label("k"), func.count())
        if village:
            stmt = stmt.join(Device, Device.id == CameraEvent.device_id)
        parts.append(_filtered(stmt, lo, hi, cameras, labels, village).group_by(k))
    df = pd.concat([frame(stmt, ["key", "count"]) for stmt in parts], ignore_index=True)
    if len(parts) > 1 and not df.empty:
        df = df.groupby("key", as_index=False)["count"].sum()
    df["count"] = df["count"].astype(int)
    return df


@memoize("events", expire=60)
def event_counts(start, end, by: str, cameras: tuple | None = None, labels: tuple | None = None,
                 village: str | None = None, commune: str | None = None) -> pd.DataFrame:
    if by not in BY:
        raise BadParam("error.bad_param", value=by)
    cameras = _cameras_of(commune, cameras)
    if by == "day":
        df = _counted("day", start, end, cameras, labels, village).rename(columns={"key": "day"})
        df["day"] = pd.to_datetime(df["day"].astype("int64"), unit="s", utc=True)
        return df.sort_values("day").reset_index(drop=True)
    if by == "camera":
        devs = site.devices("camera")[["id", "name", "village_id"]].rename(columns={"id": "camera"})
        df = _counted("camera", start, end, cameras, labels, village).rename(columns={"key": "camera"})
        df = df.merge(devs, on="camera", how="left")[["camera", "name", "village_id", "count"]]
        df["name"] = df["name"].fillna(df["camera"])
        cols = ["camera"]
    elif by == "label":
        df, cols = _counted("label", start, end, cameras, labels, village).rename(columns={"key": "label"}), ["label"]
    elif by == "village":
        where = site.devices("camera").set_index("id")["village_id"]
        per = _counted("camera", start, end, cameras, labels, village)
        df = (per.assign(village_id=per["key"].map(where)).dropna(subset=["village_id"])
              .groupby("village_id", as_index=False)["count"].sum())
        cols = ["village_id"]
    else:
        how = _counted("how", start, end, cameras, labels, village)
        df = pd.DataFrame({"weekday": how["key"].astype(int) // 24, "hour": how["key"].astype(int) % 24,
                           "count": how["count"]})
        cols = ["weekday", "hour"]
    df["count"] = df["count"].astype(int)
    return df.sort_values(cols).reset_index(drop=True)


@memoize("events", expire=300)
def first_event_t(commune: str | None = None) -> int | None:
    """When the stored history of events begins (of the commune's cameras): a week before it has no count
    to compare with."""
    stmt = select(func.min(CameraEvent.start_t))
    if commune:
        stmt = stmt.where(CameraEvent.device_id.in_(_cameras_of(commune, None)))
    with get_engine().connect() as conn:
        return conn.scalar(stmt)


@memoize("events", expire=60)
def latest_events(limit: int = 50, start=None, end=None, cameras: tuple | None = None, labels: tuple | None = None,
                  village: str | None = None, commune: str | None = None) -> pd.DataFrame:
    stmt = (select(CameraEvent.id, CameraEvent.start_t, CameraEvent.end_t, CameraEvent.device_id, Device.name,
                   Device.village_id, CameraEvent.label, CameraEvent.sub_label, CameraEvent.score,
                   CameraEvent.top_score, CameraEvent.zones, CameraEvent.has_snapshot, CameraEvent.snapshot_url)
            .join(Device, Device.id == CameraEvent.device_id))
    if commune:
        stmt = stmt.where(Device.commune_id == commune)
    if start is not None and end is not None:
        stmt = _filtered(stmt, start, end, cameras, labels, village)
    stmt = stmt.order_by(CameraEvent.start_t.desc()).limit(max(1, min(int(limit), 500)))
    return frame(stmt, ["id", "time", "end_time", "device", "camera_name", "village_id", "label", "sub_label", "score",
                        "top_score", "zones", "has_snapshot", "snapshot_url"], ("time", "end_time"))


SILENT_AFTER_S = 6 * 3600      # a camera with no event for this long reads offline (while Frigate answers)


def camera_online(last_event_t, now: int, frigate_healthy: bool, silent_after_s: int = SILENT_AFTER_S) -> bool | None:
    """The camera rule of camera_status (and the map's states): unknown (None) unless Frigate is ok or late;
    online when its newest event is at most `silent_after_s` old; a camera with no event is offline."""
    if not frigate_healthy:
        return None
    return bool(now - last_event_t <= silent_after_s) if not pd.isna(last_event_t) else False


@memoize("events", expire=60)
def camera_status(silent_after_s: int = SILENT_AFTER_S, now: int | None = None, commune: str | None = None) -> pd.DataFrame:
    """online: True when the camera reported within silent_after_s and Frigate itself answers;
    None (unknown) when Frigate is down or was never polled: we do not guess."""
    now = int(now or time.time())
    # each camera's newest event by one probe of the (device_id, start_t) index, not a GROUP BY over every
    # event (12 ms for 51,000 events; 0.04 ms this way)
    last_t = (select(func.max(CameraEvent.start_t)).where(CameraEvent.device_id == Device.id)
              .correlate(Device).scalar_subquery())
    stmt = (select(Device.id, Device.name, Device.village_id, Device.lat, Device.lon, Device.role, last_t)
            .where(Device.kind == "camera").order_by(Device.id))
    if commune:
        stmt = stmt.where(Device.commune_id == commune)
    df = frame(stmt, ["device", "name", "village_id", "lat", "lon", "role", "last_event_time"])
    with get_engine().connect() as conn:
        row = conn.execute(select(SourceHealth.__table__).where(SourceHealth.source == "frigate")).first()
    # the same freshness judgement as the Data page: a Frigate that is down or stale tells us nothing
    healthy = row is not None and freshness.state_of_row(row._mapping, now) in ("ok", "late")
    online = [camera_online(t, now, healthy, silent_after_s) for t in df["last_event_time"]]
    df["online"] = pd.Series(online, dtype="object")
    df["last_event_time"] = pd.to_datetime(df["last_event_time"], unit="s", utc=True)
    return df

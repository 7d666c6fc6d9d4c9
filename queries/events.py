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
from store.models import CameraEvent, Device, SourceHealth

BY = ("camera", "label", "village", "day", "hour_weekday")


def _filtered(stmt, start, end, cameras, labels, village):
    stmt = stmt.where(CameraEvent.start_t >= epoch(start), CameraEvent.start_t < epoch(end))
    if cameras:
        stmt = stmt.where(CameraEvent.device_id.in_(cameras))
    if labels:
        stmt = stmt.where(CameraEvent.label.in_(labels))
    if village:
        stmt = stmt.where(Device.village_id == village)
    return stmt


@memoize("events", expire=60)
def _cube(start, end, cameras: tuple | None, labels: tuple | None, village: str | None) -> pd.DataFrame:
    """Counts by camera, label and local hour of the week in one pass over the window (the covering
    index (start_t, device_id, label) answers it without touching the table): every grouping the
    pages ask for is summed from this, so a page costs one scan of a year of events, not four."""
    how = ((CameraEvent.start_t + LOCAL_OFFSET_S) // 3600 + 72) % 168     # 1970-01-01 was a Thursday
    stmt = select(CameraEvent.device_id, CameraEvent.label, how.label("how"), func.count()).select_from(CameraEvent)
    if village:
        stmt = stmt.join(Device, Device.id == CameraEvent.device_id)
    stmt = _filtered(stmt, start, end, cameras, labels, village).group_by(CameraEvent.device_id, CameraEvent.label, how)
    return frame(stmt, ["camera", "label", "how", "count"])


@memoize("events", expire=60)
def event_counts(start, end, by: str, cameras: tuple | None = None, labels: tuple | None = None,
                 village: str | None = None) -> pd.DataFrame:
    if by not in BY:
        raise BadParam("error.bad_param", value=by)
    if by == "day":
        local = CameraEvent.start_t + LOCAL_OFFSET_S
        key = (local - local % 86400 - LOCAL_OFFSET_S).label("day")
        stmt = select(key, func.count()).select_from(CameraEvent)
        if village:
            stmt = stmt.join(Device, Device.id == CameraEvent.device_id)
        df = frame(_filtered(stmt, start, end, cameras, labels, village).group_by(key), ["day", "count"])
        df["day"] = pd.to_datetime(df["day"], unit="s", utc=True)
        return df.sort_values("day").reset_index(drop=True)
    cube = _cube(start, end, cameras, labels, village)
    if by == "camera":
        devs = site.devices("camera")[["id", "name", "village_id"]].rename(columns={"id": "camera"})
        df = cube.groupby("camera", as_index=False)["count"].sum().merge(devs, on="camera", how="left")
        df = df[["camera", "name", "village_id", "count"]]
        df["name"] = df["name"].fillna(df["camera"])
        cols = ["camera"]
    elif by == "label":
        df, cols = cube.groupby("label", as_index=False)["count"].sum(), ["label"]
    elif by == "village":
        where = site.devices("camera").set_index("id")["village_id"]
        df = (cube.assign(village_id=cube["camera"].map(where)).dropna(subset=["village_id"])
              .groupby("village_id", as_index=False)["count"].sum())
        cols = ["village_id"]
    else:
        hw = cube.assign(weekday=cube["how"].astype(int) // 24, hour=cube["how"].astype(int) % 24)
        df, cols = hw.groupby(["weekday", "hour"], as_index=False)["count"].sum(), ["weekday", "hour"]
    df["count"] = df["count"].astype(int)
    return df.sort_values(cols).reset_index(drop=True)


@memoize("events", expire=300)
def first_event_t() -> int | None:
    """When the stored history of events begins: a week before it has no count to compare with."""
    with get_engine().connect() as conn:
        return conn.scalar(select(func.min(CameraEvent.start_t)))


@memoize("events", expire=60)
def latest_events(limit: int = 50, start=None, end=None, cameras: tuple | None = None, labels: tuple | None = None,
                  village: str | None = None) -> pd.DataFrame:
    stmt = (select(CameraEvent.id, CameraEvent.start_t, CameraEvent.end_t, CameraEvent.device_id, Device.name,
                   Device.village_id, CameraEvent.label, CameraEvent.sub_label, CameraEvent.score,
                   CameraEvent.top_score, CameraEvent.zones, CameraEvent.has_snapshot, CameraEvent.snapshot_url)
            .join(Device, Device.id == CameraEvent.device_id))
    if start is not None and end is not None:
        stmt = _filtered(stmt, start, end, cameras, labels, village)
    stmt = stmt.order_by(CameraEvent.start_t.desc()).limit(max(1, min(int(limit), 500)))
    return frame(stmt, ["id", "time", "end_time", "device", "camera_name", "village_id", "label", "sub_label", "score",
                        "top_score", "zones", "has_snapshot", "snapshot_url"], ("time", "end_time"))


@memoize("events", expire=60)
def camera_status(silent_after_s: int = 6 * 3600, now: int | None = None) -> pd.DataFrame:
    """online: True when the camera reported within silent_after_s and Frigate itself answers;
    None (unknown) when Frigate is down or was never polled: we do not guess."""
    now = int(now or time.time())
    last = (select(CameraEvent.device_id, func.max(CameraEvent.start_t).label("last_t"))
            .group_by(CameraEvent.device_id).subquery())
    stmt = (select(Device.id, Device.name, Device.village_id, Device.lat, Device.lon, Device.role, last.c.last_t)
            .outerjoin(last, last.c.device_id == Device.id).where(Device.kind == "camera").order_by(Device.id))
    df = frame(stmt, ["device", "name", "village_id", "lat", "lon", "role", "last_event_time"])
    with get_engine().connect() as conn:
        row = conn.execute(select(SourceHealth.__table__).where(SourceHealth.source == "frigate")).first()
    # the same freshness judgement as the Data page: a Frigate that is down or stale tells us nothing
    healthy = row is not None and freshness.state_of_row(row._mapping, now) in ("ok", "late")
    online = [(bool(now - t <= silent_after_s) if not pd.isna(t) else False) if healthy else None
              for t in df["last_event_time"]]
    df["online"] = pd.Series(online, dtype="object")
    df["last_event_time"] = pd.to_datetime(df["last_event_time"], unit="s", utc=True)
    return df

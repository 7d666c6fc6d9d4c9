"""Hostile records as each source could send them, for the tests that prove nothing they carry runs:
every text field holds an <img onerror> and a <script> that would count themselves in window.__xss and
open a dialog. They are written through the same Writer the adapters feed."""
from __future__ import annotations

import time

from sqlalchemy import update

IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1;alert(1)">'
SCRIPT = "<script>window.__xss=(window.__xss||0)+1;alert(2)</script>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1;alert(3)">'
       b'<script>window.parent.__xss=1;alert(4)</script></svg>')
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200 + b"\xff\xd9"


def hostile(label: str) -> str:
    return f"{label} {IMG} {SCRIPT}"


def seed_hostile(engine, snapshot_base: str, now: int | None = None) -> dict:
    """Hostile Open311 requests (one with no description at all), a SensorThings Thing with a hostile
    name and readings, Frigate events with hostile camera/label/sub_label/zones and snapshots that are
    SVG and JPEG, an indicator row with a hostile note and an unknown hostile indicator."""
    from ingest.records import (CameraEventRecord, DatastreamInfo, IndicatorRecord, Observation, ReportRecord,
                                ServiceRecord)
    from ingest.writer import Writer
    from store.models import Device
    now = int(now or time.time())
    lat, lon = 16.5500, 107.5480
    recs = [
        ServiceRecord("open311", "xss_service", hostile("service"), hostile("group"), hostile("service description")),
        ReportRecord("open311", "XSS-1", "open", now - 3600, "xss_service", hostile("service name"),
                     hostile("description"), hostile("status notes"), hostile("agency"), now - 3000, None,
                     hostile("address"), lat, lon, None),
        ReportRecord("open311", "XSS-2", "open", now - 7200, "moi_truong", None, None, None, None, None, None, None,
                     lat + 0.003, lon + 0.003, None),   # no description, no name, no address: "—", not a crash
        DatastreamInfo("sensorthings", "xss-ds-1", "xss-thing-1", hostile("Thing"), "pm25", "µg/m³", lat + 0.002,
                       lon - 0.004, {}),
        *[Observation("sensorthings", "xss-ds-1", now - 600 * k, 40.0 + k) for k in range(1, 6)],
        CameraEventRecord("frigate", "xss-ev-svg", "cam_03", hostile("label"), now - 900, now - 800, 0.8, 0.9,
                          hostile("sub_label"), (hostile("zone"),), True, False, f"{snapshot_base}/svg.jpg"),
        CameraEventRecord("frigate", "xss-ev-jpg", "cam_03", "person", now - 700, now - 600, 0.8, 0.9, None, (),
                          True, False, f"{snapshot_base}/real.jpg"),
        CameraEventRecord("frigate", "xss-ev-cam", hostile("camera"), "car", now - 500, None, 0.7, 0.7,
                          hostile("sub"), (hostile("zone"),), True, False, f"{snapshot_base}/svg.jpg"),
        IndicatorRecord("indicators", "online_dossier_rate", "commune:quang_tho", "2026-10", 50.0, None, None, hostile("note"), now),
    ]
    stats = Writer(engine, now=now).write(recs)
    with engine.begin() as conn:   # a camera named by its NVR
        conn.execute(update(Device).where(Device.id == "cam_03").values(name=hostile("Camera 03")))
    return stats.as_dict()

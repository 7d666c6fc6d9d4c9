"""Security panels (camera events): events this week; events by object, camera, village and hour of the
week; the latest events with their snapshots. Each reads the page's village, camera (`device`) and object
(`label`) filters."""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from components.figures.bars import bar, hour_weekday
from components.figures.base import no_data
from core.errors import BadParam
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from core.text import is_missing, source_text
from panels.base import Filters, Image, Panel, PanelData, make_data, register, with_error
from panels.week import so_far_this_week
from queries import events, site
from queries.base import records

SOURCES = ("frigate",)
LABELS = ("person", "car", "motorcycle", "bicycle", "truck", "dog")
NARROW = ("village", "device", "label")


def label_text(label, lang: str) -> str:
    """Frigate's label in words when we know it; another NVR's own label as it came (as text)."""
    return t(f"label.{label}", lang) if label in LABELS else source_text(label, limit=80)


def _events_total(start, end, commune: str | None) -> int:
    return int(events.event_counts(start, end, "label", commune=commune)["count"].sum())


def week_data(filters: Filters) -> PanelData:
    return so_far_this_week("sec.events_week", SOURCES, filters, _events_total, events.first_event_t)


register(Panel("sec.events_week", "Sự kiện camera tuần này", "Camera events this week", "security", "kpi", SOURCES,
               week_data, kpi=lambda d, lang: {"value": d.value, "unit": t("unit.events", lang), "decimals": 0,
                                               "direction": "none", "previous": d.extra.get("previous")},
               href="/security", windowed=True))


def _counts(panel_id: str, by: str, filters: Filters, limit: int | None = None) -> PanelData:
    """Events counted `by` something over the filters' window, for their village, camera and object."""
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
        filters.checked_device("camera")
    except BadParam as err:
        return with_error(panel_id, err)
    cams = (filters.device,) if filters.device else None
    labels = (filters.label,) if filters.label in LABELS else None
    frame = events.event_counts(start, end, by, cams, labels, village, commune=commune)
    if by != "hour_weekday":
        frame = frame.sort_values("count", ascending=False)
    if limit:
        frame = frame.head(limit)
    return make_data(panel_id, SOURCES, frame=frame.reset_index(drop=True), start=start, end=end,
                     scope=filters.scope(village))


def by_label_figure(data: PanelData, lang: str, theme: str):
    if data.frame is None or data.frame.empty:
        return no_data(lang, theme)
    labels = {v: label_text(v, lang) for v in data.frame["label"]}
    return bar(data.frame, x="label", lang=lang, labels=labels, theme=theme, horizontal=True)


register(Panel("sec.by_label", "Sự kiện theo đối tượng", "Events by object", "security", "chart", SOURCES,
               lambda f: _counts("sec.by_label", "label", f), figure=by_label_figure, href="/security", uses=NARROW))


register(Panel("sec.hour_weekday", "Sự kiện theo giờ và thứ", "Events by hour and weekday", "security", "chart",
               SOURCES, lambda f: _counts("sec.hour_weekday", "hour_weekday", f),
               figure=lambda d, lang, theme: hour_weekday(d.frame, lang=lang, theme=theme), href="/security",
               uses=NARROW))


def by_camera_figure(data: PanelData, lang: str, theme: str):
    """customdata carries the camera id: a click on a bar filters the page to that camera."""
    frame = data.frame
    if frame is None or frame.empty:
        return no_data(lang, theme)
    return bar(frame, x="camera", lang=lang, labels=dict(zip(frame["camera"], frame["name"])), horizontal=True,
               theme=theme, customdata="camera")


register(Panel("sec.by_camera", "Sự kiện theo camera (15 camera nhiều nhất)", "Events by camera (top 15)", "security",
               "chart", SOURCES, lambda f: _counts("sec.by_camera", "camera", f, limit=15), figure=by_camera_figure,
               href="/security", uses=NARROW))


def by_village_figure(data: PanelData, lang: str, theme: str):
    names = site.village_names()        # every commune's (village ids are unique across communes)
    return bar(data.frame, x="village_id", lang=lang, labels=names, theme=theme)


register(Panel("sec.by_village", "Sự kiện theo thôn", "Events by village", "security", "chart", SOURCES,
               lambda f: _counts("sec.by_village", "village", f), figure=by_village_figure, href="/security",
               uses=NARROW))


# --- the latest events ----------------------------------------------------------------------------------

def latest_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
        filters.checked_device("camera")
    except BadParam as err:
        return with_error("sec.latest", err)
    cams = (filters.device,) if filters.device else None
    labels = (filters.label,) if filters.label in LABELS else None
    frame = events.latest_events(30, start, end, cams, labels, village, commune=commune)
    return make_data("sec.latest", SOURCES, frame=frame, start=start, end=end, scope=filters.scope(village))


def latest_table(data: PanelData, lang: str) -> tuple[list[str], list[list]]:
    head = [t(f"sec.col_{c}", lang) for c in ("time", "camera", "object", "score", "end", "snapshot")]
    rows = []
    for r in records(data.frame):
        sub = f" · {source_text(r['sub_label'], limit=80)}" if isinstance(r["sub_label"], str) else ""
        rows.append([fmt_datetime(r["time"]), source_text(r["camera_name"]), label_text(r["label"], lang) + sub,
                     "—" if is_missing(r["top_score"]) else f"{fmt_number(r['top_score'] * 100, lang, 0)}%",
                     t("sec.in_progress", lang) if is_missing(r["end_time"]) else fmt_datetime(r["end_time"]),
                     Image(f"/media/snapshot/{quote(str(r['id']), safe='')}") if r["has_snapshot"] else ""])
    return head, rows


register(Panel("sec.latest", "Sự kiện mới nhất", "Latest events", "security", "table", SOURCES, latest_data,
               table=latest_table, href="/security", uses=NARROW,
               rows=lambda d: d.frame[["id", "time", "end_time", "device", "camera_name", "village_id", "label",
                                       "sub_label", "top_score"]] if d.frame is not None
               else pd.DataFrame(columns=["id", "time"])))

"""Security panels (camera events): events this week, events by hour of the day."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from components.figures.bars import bar
from components.figures.base import no_data
from core.errors import BadParam
from core.i18n import t
from core.timeutil import LOCAL_TZ
from panels.base import Filters, Panel, PanelData, make_data, register, with_error
from queries import events
from queries.windows import week_bounds

SOURCES = ("frigate",)


def week_data(filters: Filters) -> PanelData:
    try:
        named = filters.named_window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("sec.events_week", err)
    first = events.first_event_t(commune)
    scope = f"commune:{commune}"
    if named:   # a named window (a meeting week): counted only where the stored history covers all of it
        start, end = named
        value = (int(events.event_counts(start, end, "label", commune=commune)["count"].sum())
                 if first is not None and first <= start.timestamp() else None)
        return make_data("sec.events_week", SOURCES, value=value, extra={"previous": None}, start=start, end=end,
                         scope=scope)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    w0, _ = week_bounds(now.astimezone(LOCAL_TZ).date())
    value = int(events.event_counts(w0, now, "label", commune=commune)["count"].sum()) if first is not None else None
    previous = None
    if first is not None and first <= (w0 - timedelta(days=7)).timestamp():
        previous = int(events.event_counts(w0 - timedelta(days=7), now - timedelta(days=7), "label", commune=commune)["count"].sum())
    return make_data("sec.events_week", SOURCES, value=value, extra={"previous": previous, "this_week": True},
                     start=w0, end=now, scope=scope)


register(Panel("sec.events_week", "Sự kiện camera tuần này", "Camera events this week", "security", "kpi", SOURCES,
               week_data, kpi=lambda d, lang: {"value": d.value, "unit": t("unit.events", lang), "decimals": 0,
                                               "direction": "none", "previous": d.extra.get("previous")},
               href="/security", windowed=True))


def by_label_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("sec.by_label", err)
    frame = events.event_counts(start, end, "label", village=village, commune=commune).sort_values("count", ascending=False)
    return make_data("sec.by_label", SOURCES, frame=frame, start=start, end=end,
                     scope=f"village:{village}" if village else f"commune:{commune}")


def by_label_figure(data: PanelData, lang: str, theme: str):
    if data.frame is None or data.frame.empty:
        return no_data(lang, theme)
    labels = {v: t(f"label.{v}", lang) if f"label.{v}" in LABEL_KEYS else v for v in data.frame["label"]}
    return bar(data.frame, x="label", lang=lang, labels=labels, theme=theme, horizontal=True)


def _label_keys() -> set[str]:
    from core.i18n import TABLE
    return {k for k in TABLE if k.startswith("label.")}


LABEL_KEYS = _label_keys()
register(Panel("sec.by_label", "Sự kiện theo đối tượng", "Events by object", "security", "chart", SOURCES,
               by_label_data, figure=by_label_figure, href="/security", uses=("village",)))

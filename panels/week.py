"""A week in figures, for the weekly meeting (and the weekly report): each pillar's key panels this
week, against last week and the average of the four weeks before, with which way is better and the
catalogue's target.

Nothing here defines a number: every value comes from the panel's own `data`, asked about a named
window (Filters(period="custom", start=Monday, end=Sunday)). What a panel can say about a week depends
on what it is:
  - "week":   a windowed KPI (Panel.windowed): computed for this week, last week and each of the four
              weeks before;
  - "period": a reported indicator (monthly): its newest reported period against the one before, with
              its target; there is no weekly value to invent;
  - "now":    a state of this moment (VN_AQI now, cameras online): shown as now, and said to be so.

Every figure is the commune's (`commune`, None: the default one): each commune holds its own meeting.

The result is plain JSON (numbers, strings, None): the meeting freezes it as its snapshot as is."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from core.errors import BadParam
from core.i18n import has, t
from core.timeutil import LOCAL_TZ
from domain.catalogue import CATALOGUE
from domain.weeks import is_complete, week_days, week_label, weeks_before
from panels import Filters, data_for, get_panel
from panels.base import PanelData, make_data, with_error
from queries.windows import week_bounds

AVERAGE_WEEKS = 4

# The meeting's agenda: pillar by pillar, its key figures and one chart over the week.
AGENDA: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("government", ("fb.reports_week", "fb.reports_overdue", "gov.dossier_on_time", "gov.online_dossiers"),
     "fb.categories"),
    ("economy", ("env.pond_do_share", "eco.cashless", "eco.hightech_income"), "env.pond_compare"),
    ("society", ("soc.smartphones", "soc.wifi_online", "soc.cameras_online"), None),
    ("environment", ("env.rain_24h", "env.aqi_now", "env.river_now"), "env.aqi_daily"),
    ("security", ("sec.events_week",), "sec.by_label"),
)


# The catalogue indicator each non-reported panel measures: where the panel's card names no direction or
# target, they come from the catalogue (domain/catalogue.py), so "up is good" is decided in one place.
CATALOGUE_CODES = {"fb.reports_week": "reports_received", "fb.reports_overdue": "reports_overdue",
                   "env.pond_do_share": "pond_do_ok_rate", "soc.wifi_online": "wifi_hotspots_online",
                   "soc.cameras_online": "cameras_online_rate", "sec.events_week": "camera_events"}


def so_far_this_week(panel_id: str, sources: tuple[str, ...], filters: Filters,
                     count: Callable[[datetime, datetime, str | None], float | None],
                     first_t: Callable[[str | None], int | None]) -> PanelData:
    """A count since Monday (Asia/Ho_Chi_Minh) against the same stretch of last week, or, for a named
    window (a meeting week), the count over it. Only where the stored history covers what is counted:
    weeks before the first record have no count, which is not 0. `count(start, end)` asks the query
    layer for the commune; `first_t(commune)` says when its stored history begins (None: nothing stored)."""
    try:
        named = filters.named_window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error(panel_id, err)
    first = first_t(commune)
    scope = f"commune:{commune}"
    if named:
        start, end = named
        value = count(start, end, commune) if first is not None and first <= start.timestamp() else None
        return make_data(panel_id, sources, value=value, extra={"previous": None}, start=start, end=end, scope=scope)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    monday, _ = week_bounds(now.astimezone(LOCAL_TZ).date())
    week = timedelta(days=7)
    value = count(monday, now, commune) if first is not None else None
    previous = (count(monday - week, now - week, commune)
                if first is not None and first <= (monday - week).timestamp() else None)
    return make_data(panel_id, sources, value=value, extra={"previous": previous, "this_week": True},
                     start=monday, end=now, scope=scope)


def week_filters(monday: date, commune: str | None = None) -> Filters:
    first, last = week_days(monday)
    return Filters(period="custom", start=first.isoformat(), end=last.isoformat(), commune=commune)


def _number(value) -> float | None:
    """A plain float or None (pandas NA/NaN and numpy scalars included): the snapshot is JSON."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _week_value(panel_id: str, monday: date, commune: str | None = None) -> float | None:
    data = data_for(panel_id, week_filters(monday, commune))
    return None if data.error is not None else _number(data.value)


def _kind(panel) -> str:
    if panel.windowed:
        return "week"
    return "period" if "indicators" in panel.sources else "now"


def figure(panel_id: str, monday: date, commune: str | None = None) -> dict:
    """One key figure of the commune's week, as plain values (see the module docstring for the three kinds)."""
    panel = get_panel(panel_id)
    kind = _kind(panel)
    data = data_for(panel_id, week_filters(monday, commune) if kind == "week" else Filters(commune=commune))
    fields = {lang: dict(panel.kpi(data, lang)) for lang in ("vi", "en")}
    label = f"meeting.fig.{panel_id}"
    listed = CATALOGUE.get(CATALOGUE_CODES.get(panel_id, ""))
    out = {"panel": panel_id, "pillar": panel.pillar, "kind": kind, "href": panel.href,
           "label_vi": t(label, "vi") if kind == "week" and has(label) else str(fields["vi"].get("label") or panel.title_vi),
           "label_en": t(label, "en") if kind == "week" and has(label) else str(fields["en"].get("label") or panel.title_en),
           "value": None if data.error is not None else _number(data.value),
           "unit_vi": str(fields["vi"].get("unit", panel.unit) or ""),
           "unit_en": str(fields["en"].get("unit", panel.unit) or ""),
           "decimals": int(fields["vi"].get("decimals", 1)),
           "direction": str(fields["vi"].get("direction") or (listed.direction if listed else "none")),
           "target": _number(fields["vi"].get("target")) if fields["vi"].get("target") is not None
           else (_number(listed.target) if listed else None),
           "freshness": str(data.freshness.get("state", "never")), "simulated": bool(data.simulated),
           "previous": None, "average": None, "average_weeks": 0, "period": None, "previous_period": None,
           "as_of": int(time.time()) if kind == "now" else None}
    if kind == "week":
        before = [_week_value(panel_id, m, commune) for m in weeks_before(monday, AVERAGE_WEEKS)]
        known = [v for v in before if v is not None]
        out.update(previous=before[0], average=sum(known) / len(known) if known else None,
                   average_weeks=len(known))
    elif kind == "period":
        out.update(previous=_number(data.extra.get("previous")), period=data.extra.get("period"),
                   previous_period=data.extra.get("previous_period"))
    return out


def week_figures(monday: date, commune: str | None = None) -> dict:
    """The commune's key figures of the week, pillar by pillar in agenda order: {"week", "commune",
    "start", "end", "complete", "pillars": [{"pillar", "figures": [...], "chart"}]}, JSON-ready."""
    first, last = week_days(monday)
    return {"week": week_label(monday), "commune": commune, "start": first.isoformat(), "end": last.isoformat(),
            "complete": is_complete(monday), "generated_t": int(time.time()),
            "pillars": [{"pillar": pillar, "chart": chart, "figures": [figure(pid, monday, commune) for pid in ids]}
                        for pillar, ids, chart in AGENDA]}


def trend(value: float | None, reference: float | None, direction: str) -> str | None:
    """"good" / "bad" / "flat" for a change from `reference` to `value`, by which way is better;
    None when either is missing (no arrow is drawn for what is not known)."""
    if value is None or reference is None:
        return None
    if value == reference or direction not in ("up", "down"):
        return "flat"
    return "good" if (value > reference) == (direction == "up") else "bad"


def meets(value: float | None, target: float | None, direction: str) -> bool | None:
    if value is None or target is None:
        return None
    return value <= target if direction == "down" else value >= target

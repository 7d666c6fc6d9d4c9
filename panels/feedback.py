"""Citizens' feedback panels (Open311 scene reports): received this week, overdue now, weekly bars."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import plotly.graph_objects as go

from components.figures.bars import bar
from components.figures.base import no_data, style
from core.errors import BadParam
from core.i18n import t
from core.timeutil import LOCAL_TZ
from panels.base import Filters, Panel, PanelData, make_data, register, with_error
from queries import reports, site
from queries.windows import week_bounds

SOURCES = ("open311",)
RECEIVED_COLOUR = "#0b5cad"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def week_data(filters: Filters) -> PanelData:
    """Reports received since Monday, against the same stretch of last week (only where the stored
    history covers last week: no history is not 0)."""
    try:
        named = filters.named_window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("fb.reports_week", err)
    first = reports.first_report_t(commune)
    scope = f"commune:{commune}"
    if named:   # a named window (a meeting week): counted only where the stored history covers all of it
        start, end = named
        value = reports.report_stats(start, end, commune=commune)["received"] if first is not None and first <= start.timestamp() else None
        return make_data("fb.reports_week", SOURCES, value=value, extra={"previous": None}, start=start, end=end,
                         scope=scope)
    now = _now()
    w0, _ = week_bounds(now.astimezone(LOCAL_TZ).date())
    value = reports.report_stats(w0, now, commune=commune)["received"] if first is not None else None
    previous = None
    if first is not None and first <= (w0 - timedelta(days=7)).timestamp():
        previous = reports.report_stats(w0 - timedelta(days=7), now - timedelta(days=7), commune=commune)["received"]
    return make_data("fb.reports_week", SOURCES, value=value, extra={"previous": previous, "this_week": True},
                     start=w0, end=now, scope=scope)


register(Panel("fb.reports_week", "Phản ánh tuần này", "Reports this week", "government", "kpi", SOURCES, week_data,
               kpi=lambda d, lang: {"value": d.value, "unit": t("unit.reports", lang), "decimals": 0,
                                    "direction": "none", "previous": d.extra.get("previous")},
               href="/feedback", windowed=True))


def overdue_data(filters: Filters) -> PanelData:
    try:
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("fb.reports_overdue", err)
    return make_data("fb.reports_overdue", SOURCES, value=reports.overdue_now(village, commune=commune), now=True,
                     scope=f"village:{village}" if village else f"commune:{commune}", notes=["cover.all_unresolved"])


register(Panel("fb.reports_overdue", "Phản ánh quá hạn", "Reports overdue", "government", "kpi", SOURCES,
               overdue_data, kpi=lambda d, lang: {"value": d.value, "unit": t("unit.reports", lang), "decimals": 0,
                                                  "direction": "down"},
               href="/feedback?stage=overdue", uses=("village",)))


def weekly_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("fb.weekly", err)
    return make_data("fb.weekly", SOURCES, frame=reports.weekly_counts(start, end, village, commune=commune), start=start, end=end,
                     scope=f"village:{village}" if village else f"commune:{commune}")


def weekly_bars(weeks, lang: str, theme: str) -> go.Figure:
    """One bar per ISO week (Monday–Sunday), labelled by the days it covers, the current week included."""
    if weeks is None or weeks.empty or weeks["count"].sum() == 0:
        return no_data(lang, theme)
    labels = [f"{a:%d/%m}–{b:%d/%m}" for a, b in zip(weeks["first"], weeks["last"])]
    name = t("stage.received", lang)
    fig = go.Figure(go.Bar(x=labels, y=weeks["count"], name=name, marker_color=RECEIVED_COLOUR,
                           hovertemplate="%{x}: %{y:,} " + t("unit.reports", lang) + "<extra></extra>"))
    style(fig, lang, theme=theme, legend=False, hover_time=False)
    fig.update_xaxes(type="category")
    return fig


register(Panel("fb.weekly", "Phản ánh theo tuần", "Reports by week", "government", "chart", SOURCES, weekly_data,
               figure=lambda d, lang, theme: weekly_bars(d.frame, lang, theme), href="/feedback", uses=("village",)))


def categories_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("fb.categories", err)
    frame = reports.report_counts(start, end, "service_code", village, commune=commune).sort_values("count", ascending=False)
    return make_data("fb.categories", SOURCES, frame=frame, start=start, end=end,
                     extra={"names": {lang: site.service_names(lang) for lang in ("vi", "en")}},
                     scope=f"village:{village}" if village else f"commune:{commune}")


def categories_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    if data.frame is None or data.frame.empty:
        return no_data(lang, theme)
    names = data.extra.get("names", {}).get(lang, {})
    return bar(data.frame, x="service_code", lang=lang, labels=names, theme=theme, horizontal=True)


register(Panel("fb.categories", "Phản ánh theo lĩnh vực", "Reports by category", "government", "chart", SOURCES,
               categories_data, figure=categories_figure, href="/feedback", uses=("village",)))

"""Citizens' feedback panels (Open311 scene reports): received this week, overdue now; over the filters'
period the counts and handling times, a summary by period, weekly bars, by category and village, and the
list of reports (which the feedback page also draws as its grid and map). Each reads the page's village
and category (a service code) filters; the list also its stage."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import plotly.graph_objects as go

from components.figures.bars import bar
from components.figures.base import figure, no_data, style_layout
from core.errors import BadParam
from core.formatting import fmt_date, fmt_datetime, fmt_number
from core.i18n import t
from core.text import is_missing, source_text
from core.timeutil import LOCAL_TZ, local_midnight
from panels.base import Filters, Panel, PanelData, data_maker, each_commune, make_data, one_commune, register, with_error
from panels.week import so_far_this_week
from queries import reports, site
from queries.site import village_names
from queries.windows import week_bounds

SOURCES = ("open311",)
RECEIVED_COLOUR = "#0b5cad"
STAGES = ("open", "processing", "resolved", "overdue")
NARROW = ("village", "category")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def _received(start, end, commune: str | None) -> int:
    return reports.report_stats(start, end, commune=commune)["received"]


def week_data(filters: Filters) -> PanelData:
    return so_far_this_week("fb.reports_week", SOURCES, filters, _received, reports.first_report_t)


register(Panel("fb.reports_week", "Phản ánh tuần này", "Reports this week", "government", "kpi", SOURCES, week_data,
               kpi=lambda d, lang: {"value": d.value, "unit": t("unit.reports", lang), "decimals": 0,
                                    "direction": "none", "previous": d.extra.get("previous")},
               href="/feedback", windowed=True))


def _narrowed(panel_id: str, filters: Filters, window: bool = True):
    """(start, end, village, category) from the filters, or a PanelData carrying the refusal."""
    try:
        start, end = filters.window() if window else (None, None)
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error(panel_id, err)
    return start, end, village, _category(filters), commune


def _scope(village: str | None, commune: str | None) -> str:
    return f"village:{village}" if village else f"commune:{commune}"


def _category(filters: Filters) -> str | None:
    """The category filter if it is one of the service codes (anything else is ignored, as before)."""
    return filters.category if filters.category in set(site.services()["code"]) else None


def _villages_checked(panel_id: str, filters: Filters, communes: tuple) -> tuple[dict, dict, str | None]:
    """For data_many: ({asked: commune id}, {asked: refusal}, the village filter) with the village checked
    against each commune (a village is one commune's: the others refuse it)."""
    ok, refused = each_commune(panel_id, filters, communes, lambda f: f.checked_village() if f.village else None)
    village = next((v for _, v in ok.values() if v), None)
    return {asked: c for asked, (c, _) in ok.items()}, refused, village


def overdue_many(filters: Filters, communes: tuple) -> dict:
    """Reports overdue now in each commune (fb.reports_overdue), one grouped query for all of them."""
    ok, out, village = _villages_checked("fb.reports_overdue", filters, communes)
    if ok:
        category = _category(filters)
        counts = reports.overdue_now_by_commune(tuple(dict.fromkeys(ok.values())), village, category)
        made = data_maker("fb.reports_overdue", SOURCES)
        for asked, c in ok.items():
            out[asked] = made(value=counts[c], now=True, scope=_scope(village, c), notes=["cover.all_unresolved"])
    return out


register(Panel("fb.reports_overdue", "Phản ánh quá hạn", "Reports overdue", "government", "kpi", SOURCES,
               one_commune(overdue_many), kpi=lambda d, lang: {"value": d.value, "unit": t("unit.reports", lang), "decimals": 0,
                                                               "direction": "down"},
               href="/feedback?stage=overdue", uses=NARROW, data_many=overdue_many))


# --- the period's counts and handling times (one query, five cards) ------------------------------------

def _stat_many(panel_id: str, key: str):
    def many(filters: Filters, communes: tuple) -> dict:
        """One of the period's report figures for each commune: the counts of every commune in one query
        grouped by commune (reports.report_stats_by_commune, the same aggregates as report_stats)."""
        try:
            start, end = filters.window()
        except BadParam as err:
            return {asked: with_error(panel_id, err) for asked in communes}
        ok, out, village = _villages_checked(panel_id, filters, communes)
        if ok:
            stats = reports.report_stats_by_commune(start, end, tuple(dict.fromkeys(ok.values())), village,
                                                    _category(filters))
            made = data_maker(panel_id, SOURCES)
            for asked, c in ok.items():
                out[asked] = made(value=stats[c][key], start=start, end=end, scope=_scope(village, c))
        return out
    return many


STAT_PANELS = (
    # id, stats key, vi, en, unit key, decimals, direction
    ("fb.received", "received", "Phản ánh tiếp nhận", "Reports received", "unit.reports", 0, "none"),
    ("fb.due_soon", "due_soon", "Sắp đến hạn", "Due soon", "unit.reports", 0, "down"),
    ("fb.first_response", "avg_days_first_response", "Thời gian phản hồi đầu tiên (TB)", "Time to first response (avg)",
     "common.days", 1, "down"),
    ("fb.resolution", "avg_days_resolution", "Thời gian giải quyết (TB)", "Time to resolve (avg)", "common.days", 1,
     "down"),
    ("fb.on_time", "on_time_rate", "Giải quyết đúng hạn", "Resolved on time", "%", 1, "up"),
)


def _stat_kpi(unit: str, decimals: int, direction: str):
    return lambda d, lang: {"value": d.value, "unit": unit if unit == "%" else t(unit, lang), "decimals": decimals,
                            "direction": direction}


for _id, _key, _vi, _en, _unit, _dec, _dir in STAT_PANELS:
    _many = _stat_many(_id, _key)
    register(Panel(_id, _vi, _en, "government", "kpi", SOURCES, one_commune(_many),
                   unit="%" if _unit == "%" else "", kpi=_stat_kpi(_unit, _dec, _dir), href="/feedback", uses=NARROW,
                   data_many=_many))


# --- by period: this week, last week, four weeks, the year, the chosen period --------------------------

STAT_COLUMNS = ("received", "open", "processing", "resolved", "overdue")


def summary_data(filters: Filters) -> PanelData:
    got = _narrowed("fb.summary", filters)
    if isinstance(got, PanelData):
        return got
    start, end, village, category, commune = got
    now = _now()
    today = now.astimezone(LOCAL_TZ).date()
    monday, _ = week_bounds(today)
    periods = (("this_week", monday, now), ("last_week", monday - timedelta(days=7), monday),
               ("last_4_weeks", monday - timedelta(days=28), monday),
               ("year", local_midnight(today.replace(month=1, day=1)), now), ("selected", start, end))
    rows = [{"period": key, "start": a, "end": b, **{c: reports.report_stats(a, b, village, category, commune=commune)[c]
                                                      for c in STAT_COLUMNS}} for key, a, b in periods]
    return make_data("fb.summary", SOURCES, frame=pd.DataFrame(rows), start=start, end=end, scope=_scope(village, commune))


def summary_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    head = [t("fb.col_period", lang)] + [t(f"stage.{c}", lang) for c in STAT_COLUMNS]
    rows = [[t(f"fb.{r['period']}", lang)] + [fmt_number(r[c], lang, 0) for c in STAT_COLUMNS]
            for r in data.frame.to_dict("records")] if data.frame is not None else []
    return head, rows


register(Panel("fb.summary", "Tình hình xử lý", "Handling", "government", "table", SOURCES, summary_data,
               table=summary_table, href="/feedback", uses=NARROW))


# --- charts -----------------------------------------------------------------------------------------------

def weekly_data(filters: Filters) -> PanelData:
    got = _narrowed("fb.weekly", filters)
    if isinstance(got, PanelData):
        return got
    start, end, village, category, commune = got
    return make_data("fb.weekly", SOURCES, frame=reports.weekly_counts(start, end, village, category, commune=commune), start=start,
                     end=end, scope=_scope(village, commune))


def weekly_bars(weeks, lang: str, theme: str) -> go.Figure:
    """One bar per ISO week (Monday–Sunday), labelled by the days it covers, the current week included."""
    if weeks is None or weeks.empty or weeks["count"].sum() == 0:
        return no_data(lang, theme)
    labels = [f"{a:%d/%m}–{b:%d/%m}" for a, b in zip(weeks["first"], weeks["last"])]
    name = t("stage.received", lang)
    layout = style_layout(lang, theme=theme, legend=False)
    layout["xaxis"]["type"] = "category"
    # at most 5 labels ("01/12–07/12" is 85 px): a year's 52 fit side by side in no panel, and turned upright
    # under a margin plotly widened for them (drawing the chart twice)
    layout["xaxis"]["nticks"] = 5
    return figure([{"type": "bar", "x": labels, "y": weeks["count"].to_numpy(), "name": name,
                    "marker": {"color": RECEIVED_COLOUR},
                    "hovertemplate": "%{x}: %{y:,} " + t("unit.reports", lang) + "<extra></extra>"}], layout)


register(Panel("fb.weekly", "Phản ánh theo tuần", "Reports by week", "government", "chart", SOURCES, weekly_data,
               figure=lambda d, lang, theme: weekly_bars(d.frame, lang, theme), href="/feedback", uses=NARROW))


def _counted(panel_id: str, by: str, filters: Filters) -> PanelData:
    got = _narrowed(panel_id, filters)
    if isinstance(got, PanelData):
        return got
    start, end, village, category, commune = got
    frame = reports.report_counts(start, end, by, village, category, commune=commune).sort_values("count", ascending=False)
    return make_data(panel_id, SOURCES, frame=frame.reset_index(drop=True), start=start, end=end, scope=_scope(village, commune))


def categories_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    if data.frame is None or data.frame.empty:
        return no_data(lang, theme)
    # the categories by their names in the viewer's language (the store's catalogue), not their codes
    names = data.extra.get("names", {}).get(lang) or site.service_names(lang)
    return bar(data.frame, x="service_code", lang=lang, labels=names, theme=theme, horizontal=True)


register(Panel("fb.categories", "Phản ánh theo lĩnh vực", "Reports by category", "government", "chart", SOURCES,
               lambda f: _counted("fb.categories", "service_code", f), figure=categories_figure, href="/feedback",
               uses=NARROW))


def villages_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    frame = data.frame.sort_values("village") if data.frame is not None and not data.frame.empty else data.frame
    return bar(frame, x="village", lang=lang, labels=village_names(), theme=theme)


register(Panel("fb.villages", "Phản ánh theo thôn", "Reports by village", "government", "chart", SOURCES,
               lambda f: _counted("fb.villages", "village", f), figure=villages_figure, href="/feedback",
               uses=NARROW))


# --- the list of reports ----------------------------------------------------------------------------------

def list_data(filters: Filters) -> PanelData:
    got = _narrowed("fb.list", filters)
    if isinstance(got, PanelData):
        return got
    start, end, village, category, commune = got
    stage = filters.stage if filters.stage in STAGES else None
    return make_data("fb.list", SOURCES, frame=reports.reports(start, end, village, category, stage, commune=commune), start=start,
                     end=end, scope=_scope(village, commune))


def category_name(r: dict, lang: str, names: dict[str, str] | None = None) -> str:
    """A report's category in the viewer's language. `names`: site.service_names(lang), read once by a caller
    naming many reports (read per report, it was 4/5 of the feedback list's time: a cached frame turned into
    records 2 x 500 times)."""
    names = site.service_names(lang) if names is None else names
    return names.get(r["service_code"], source_text(r["service_name"]))


def stage_text(r: dict, lang: str) -> str:
    return t("stage.overdue", lang) if r["overdue"] else t(f"stage.{r['stage']}", lang)


LIST_COLUMNS = ("id", "time", "category", "village", "stage", "deadline", "description")


def list_rows(data: PanelData, lang: str) -> list[dict]:
    """One plain row per report (text from the source made plain, missing as "—"): the page's grid and
    the table below both show these."""
    villages, names = village_names(), site.service_names(lang)
    return [{"id": source_text(r["id"]), "time": fmt_datetime(r["requested_time"]), "category": category_name(r, lang, names),
             "village": villages.get(r["village_id"], "—"), "stage": stage_text(r, lang),
             "deadline": fmt_date(r["deadline_time"]) if not is_missing(r["deadline_time"]) else "—",
             "description": source_text(r["description"])}
            for r in (data.frame.to_dict("records") if data.frame is not None else [])]


def list_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    rows = list_rows(data, lang)
    return [t(f"fb.col_{c if c != 'description' else 'desc'}", lang) for c in LIST_COLUMNS], \
        [[r[c] for c in LIST_COLUMNS] for r in rows[:50]]


register(Panel("fb.list", "Danh sách phản ánh", "Reports", "government", "table", SOURCES, list_data,
               table=list_table, href="/feedback", uses=(*NARROW, "stage"),
               rows=lambda d: d.frame.drop(columns=["media_url"], errors="ignore") if d.frame is not None
               else pd.DataFrame(columns=["id"])))

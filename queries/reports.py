"""Citizens' scene reports: counts by stage, category, village and week; handling times; overdue
against the deadline; one report with its history."""
from __future__ import annotations

import time

import pandas as pd
from sqlalchemy import case, func, select

from core.errors import BadParam
from core.timeutil import LOCAL_OFFSET_S
from queries.base import frame
from queries.cache import memoize
from queries.windows import epoch
from store.engine import get_engine
from store.models import Report, ReportUpdate

BY = ("stage", "service_code", "village", "week", "day")
DUE_SOON_S = 2 * 86400
REPORT_COLUMNS = ["id", "requested_time", "service_code", "service_name", "stage", "status", "description",
                  "village_id", "lat", "lon", "deadline_time", "closed_time", "first_response_time", "address",
                  "media_url"]


def _where(stmt, start, end, village, service_code, stage=None, commune=None):
    stmt = stmt.where(Report.requested_t >= epoch(start), Report.requested_t < epoch(end))
    if commune:
        stmt = stmt.where(Report.commune_id == commune)
    if village:
        stmt = stmt.where(Report.village_id == village)
    if service_code:
        stmt = stmt.where(Report.service_code == service_code)
    if stage:
        stmt = stmt.where(Report.stage == stage)
    return stmt


@memoize("reports", expire=60)
def report_counts(start, end, by: str, village: str | None = None, service_code: str | None = None,
                  commune: str | None = None) -> pd.DataFrame:
    if by not in BY:
        raise BadParam("error.bad_param", value=by)
    local = Report.requested_t + LOCAL_OFFSET_S
    key = {"stage": Report.stage, "service_code": Report.service_code, "village": Report.village_id,
           "day": (local - local % 86400 - LOCAL_OFFSET_S),
           # ISO weeks start on Monday; epoch day 0 was a Thursday, hence the +3 days
           "week": (local - (local + 3 * 86400) % (7 * 86400) - LOCAL_OFFSET_S)}[by].label(by)
    stmt = _where(select(key, func.count()).group_by(key), start, end, village, service_code, commune=commune)
    df = frame(stmt, [by, "count"])
    if by in ("day", "week"):
        df[by] = pd.to_datetime(df[by], unit="s", utc=True)
    return df.sort_values(by).reset_index(drop=True) if not df.empty else df


@memoize("reports", expire=60)
def first_report_t(commune: str | None = None) -> int | None:
    """When the stored history of reports (of the commune) begins (see events.first_event_t)."""
    stmt = select(func.min(Report.requested_t))
    if commune:
        stmt = stmt.where(Report.commune_id == commune)
    with get_engine().connect() as conn:
        return conn.scalar(stmt)


def _stats_columns(now: int) -> tuple:
    """The report counts and handling times of a set of reports, as SQL aggregates: the one definition
    of each (report_stats for one scope, report_stats_by_commune for each of several communes at once)."""
    due_end = func.coalesce(Report.closed_t, now)
    return (
        func.count(),
        func.sum(case((Report.stage == "resolved", 1), else_=0)),
        func.sum(case((Report.stage == "open", 1), else_=0)),
        func.sum(case((Report.stage == "processing", 1), else_=0)),
        func.sum(case(((Report.stage != "resolved") & (Report.deadline_t < now), 1), else_=0)),
        func.sum(case(((Report.stage != "resolved") & (Report.deadline_t >= now)
                       & (Report.deadline_t < now + DUE_SOON_S), 1), else_=0)),
        func.avg(case((Report.first_response_t.is_not(None), Report.first_response_t - Report.requested_t))),
        func.avg(case((Report.closed_t.is_not(None), Report.closed_t - Report.requested_t))),
        func.sum(case(((Report.stage == "resolved") & (Report.closed_t <= Report.deadline_t), 1), else_=0)),
        func.sum(case((Report.deadline_t.is_not(None) & (due_end > Report.deadline_t), 1), else_=0)),
    )


# what the aggregates of _stats_columns read over no report at all
_NO_REPORTS = (0,) + (None,) * 9


def _stats_of(row) -> dict:
    received = int(row[0] or 0)
    resolved = int(row[1] or 0)
    as_days = lambda s: None if s is None else float(s) / 86400  # noqa: E731
    return {"received": received, "resolved": resolved, "open": int(row[2] or 0), "processing": int(row[3] or 0),
            "overdue": int(row[4] or 0), "due_soon": int(row[5] or 0),
            "avg_days_first_response": as_days(row[6]), "avg_days_resolution": as_days(row[7]),
            "on_time_rate": (100.0 * int(row[8] or 0) / resolved) if resolved else None,
            "late": int(row[9] or 0)}


@memoize("reports", expire=60)
def report_stats(start, end, village: str | None = None, service_code: str | None = None,
                 now: int | None = None, commune: str | None = None) -> dict:
    now = int(now or time.time())
    stmt = _where(select(*_stats_columns(now)), start, end, village, service_code, commune=commune)
    with get_engine().connect() as conn:
        row = conn.execute(stmt).first()
    return _stats_of(row or _NO_REPORTS)


@memoize("reports", expire=60)
def report_stats_by_commune(start, end, communes: tuple[str, ...], village: str | None = None,
                            service_code: str | None = None, now: int | None = None) -> dict[str, dict]:
    """report_stats of each commune, in one query grouped by commune (the city page asks for every
    commune at once: one round trip, not one per commune). A commune without reports in the window gets
    what report_stats answers for it (received 0, rates None)."""
    now = int(now or time.time())
    stmt = _where(select(Report.commune_id, *_stats_columns(now)), start, end, village, service_code) \
        .where(Report.commune_id.in_(communes)).group_by(Report.commune_id)
    with get_engine().connect() as conn:
        found = {row[0]: row[1:] for row in conn.execute(stmt)}
    return {c: _stats_of(found.get(c, _NO_REPORTS)) for c in communes}


@memoize("reports", expire=60)
def resolved_count(start, end, closed_since, commune: str | None = None) -> int:
    """Reports requested in [start, end) and resolved since `closed_since`, counted in the database (the
    overview's "what changed" read up to 5,000 reports to count a day's)."""
    stmt = _where(select(func.count()).select_from(Report), start, end, None, None, "resolved", commune) \
        .where(Report.closed_t >= epoch(closed_since))
    with get_engine().connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


@memoize("reports", expire=60)
def reports(start, end, village: str | None = None, service_code: str | None = None, stage: str | None = None,
            limit: int = 500, now: int | None = None, commune: str | None = None) -> pd.DataFrame:
    now = int(now or time.time())
    stmt = _where(select(Report.id, Report.requested_t, Report.service_code, Report.service_name, Report.stage,
                         Report.status, Report.description, Report.village_id, Report.lat, Report.lon,
                         Report.deadline_t, Report.closed_t, Report.first_response_t, Report.address,
                         Report.media_url),
                  start, end, village, service_code, stage if stage != "overdue" else None, commune)
    if stage == "overdue":
        stmt = stmt.where(Report.stage != "resolved", Report.deadline_t < now)
    stmt = stmt.order_by(Report.requested_t.desc()).limit(max(1, min(int(limit), 5000)))
    df = frame(stmt, REPORT_COLUMNS)
    deadline, closed = df["deadline_time"], df["closed_time"]
    df["overdue"] = (df["stage"] != "resolved") & deadline.notna() & (deadline < now)
    df["late"] = deadline.notna() & closed.fillna(now).gt(deadline)
    for col in ("requested_time", "deadline_time", "closed_time", "first_response_time"):
        df[col] = pd.to_datetime(df[col], unit="s", utc=True)
    return df


@memoize("reports", expire=60)
def report_history(report_id: str, commune: str | None = None) -> pd.DataFrame:
    """A report's status history; with a commune, only if the report is that commune's (a forged id of
    another commune's report answers nothing)."""
    stmt = (select(ReportUpdate.t, ReportUpdate.status, ReportUpdate.stage, ReportUpdate.description)
            .where(ReportUpdate.report_id == report_id).order_by(ReportUpdate.t))
    if commune:
        stmt = stmt.join(Report, Report.id == ReportUpdate.report_id).where(Report.commune_id == commune)
    return frame(stmt, ["time", "status", "stage", "description"], ("time",))


@memoize("reports", expire=60)
def overdue_now(village: str | None = None, service_code: str | None = None, now: int | None = None,
                commune: str | None = None) -> int | None:
    """Reports past their deadline and not resolved at this moment, whenever they were filed: a state of
    now, the same number on the overview and the feedback page. None when no report was ever stored
    (of the commune: then overdue_now_by_commune's answer, the very rule the city page uses)."""
    if commune:
        return overdue_now_by_commune.uncached((commune,), village, service_code, now)[commune]
    now = int(now or time.time())
    if first_report_t(commune) is None:
        return None
    with get_engine().connect() as conn:
        return int(conn.scalar(select(_overdue_count(now, village, service_code))) or 0)


def _overdue_count(now: int, village: str | None, service_code: str | None):
    """The aggregate counting overdue reports (past the deadline, not resolved) among those narrowed."""
    overdue = (Report.stage != "resolved") & (Report.deadline_t < now)
    if village:
        overdue = overdue & (Report.village_id == village)
    if service_code:
        overdue = overdue & (Report.service_code == service_code)
    return func.sum(case((overdue, 1), else_=0))


@memoize("reports", expire=60)
def overdue_now_by_commune(communes: tuple[str, ...], village: str | None = None, service_code: str | None = None,
                           now: int | None = None) -> dict[str, int | None]:
    """overdue_now of each commune in one query grouped by commune: None for a commune that never had a
    report stored (no row in the group), else the count (0 is a real 0)."""
    now = int(now or time.time())
    stmt = (select(Report.commune_id, _overdue_count(now, village, service_code))
            .where(Report.commune_id.in_(communes)).group_by(Report.commune_id))
    with get_engine().connect() as conn:
        found = {c: int(n or 0) for c, n in conn.execute(stmt)}
    return {c: found.get(c) for c in communes}


def weekly_counts(start, end, village: str | None = None, service_code: str | None = None,
                  commune: str | None = None) -> "pd.DataFrame":
    """Reports received per ISO week (Monday to Sunday, local) over [start, end), every week present
    (a week without reports is a real 0), the current week included; weeks before the stored history are
    left out. Columns week (Monday, local date),
    first, last (the days of that week inside the window) and count."""
    from datetime import datetime, timedelta, timezone

    from core.timeutil import LOCAL_TZ
    end = min(end, datetime.now(timezone.utc) + timedelta(seconds=1))
    counts = report_counts(start, end, "week", village, service_code, commune)
    by_monday = {} if counts.empty else {ts.tz_convert(LOCAL_TZ).date(): int(n)
                                         for ts, n in zip(counts["week"], counts["count"])}
    first_day = start.astimezone(LOCAL_TZ).date()
    history = first_report_t(commune)
    if history is None:
        return pd.DataFrame(columns=["week", "first", "last", "count"])
    # before the stored history begins nothing is known: those weeks are left out, not drawn as 0
    first_day = max(first_day, datetime.fromtimestamp(history, timezone.utc).astimezone(LOCAL_TZ).date())
    last_day = (end - timedelta(seconds=1)).astimezone(LOCAL_TZ).date()
    monday = first_day - timedelta(days=first_day.weekday())
    rows = []
    while monday <= last_day:
        rows.append({"week": monday, "first": max(monday, first_day), "last": min(monday + timedelta(days=6), last_day),
                     "count": by_monday.get(monday, 0)})
        monday += timedelta(days=7)
    return pd.DataFrame(rows, columns=["week", "first", "last", "count"])

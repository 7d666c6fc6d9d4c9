"""The weekly meeting's questions: its record (frozen figures, notes, decisions and their follow-up)
and what needs a decision this week (overdue reports, alerts that kept coming back, sources and
devices down for long, indicators below target).

Each commune holds its own meeting: every function takes `commune` (None: the default commune), checked
against the store here, so a record of one commune never answers for another. Who may ask for which
commune is checked above (auth.communes.resolve_commune in the page's callbacks).

`decisions_for_week(monday, commune)` is also what the weekly report prints: columns who, what, due
(date), state (open / done / late)."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import func, or_, select

from domain.weeks import local_today, week_label, week_window
from queries import events, health, indicators, readings, site
from queries import reports as report_queries
from queries.base import records
from queries.cache import memoize
from store.engine import get_engine
from store.models import Alert, Meeting, MeetingDecision

DECISION_COLUMNS = ["id", "who", "what", "due", "state", "stored_state", "follow_note", "created_by", "created_time",
                    "updated_by", "updated_time"]
DOWN_LONG_S = 6 * 3600          # a source or device silent this long is the meeting's business
REPEATED_AT_LEAST = 2           # an alert opened this many times in the week (same rule, same subject)
LIST_LIMIT = 20


def follow_state(stored: str, due: date, today: date) -> str:
    """open / done / late: a decision still open after its due date is late (judged on local days)."""
    if stored == "done":
        return "done"
    return "late" if due < today else "open"


def meeting_record(monday: date, commune: str | None = None) -> dict | None:
    """The stored record of the commune's meeting of that week, or None when nobody has written one yet."""
    return _meeting_record(week_label(monday), site.check_commune(commune))


@memoize("meetings", expire=300)
def _meeting_record(week: str, commune: str | None) -> dict | None:
    m = Meeting
    stmt = select(m.id, m.commune_id, m.week, m.snapshot, m.frozen_by, m.frozen_t, m.notes, m.updated_by,
                  m.updated_t).where(m.week == week, m.commune_id == commune)
    with get_engine().connect() as conn:
        row = conn.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


@memoize("meetings", expire=300)
def _decision_rows(week: str, commune: str | None) -> list[dict]:
    d = MeetingDecision
    stmt = (select(d.id, d.who, d.what, d.due, d.state, d.follow_note, d.created_by, d.created_t, d.updated_by,
                   d.updated_t).join(Meeting, Meeting.id == d.meeting_id)
            .where(Meeting.week == week, Meeting.commune_id == commune)
            .order_by(d.due, d.id))
    with get_engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def decisions(monday: date, today: date | None = None, commune: str | None = None) -> pd.DataFrame:
    """Decisions taken at the commune's meeting of the week starting `monday`, with their follow-up state
    judged for `today` (local; default now). Empty (with the columns) when there are none."""
    today = today or local_today()
    rows = []
    for r in _decision_rows(week_label(monday), site.check_commune(commune)):
        due = date.fromisoformat(r["due"])
        rows.append({"id": int(r["id"]), "who": r["who"], "what": r["what"], "due": due,
                     "state": follow_state(r["state"], due, today), "stored_state": r["state"],
                     "follow_note": r["follow_note"], "created_by": r["created_by"],
                     "created_time": datetime.fromtimestamp(r["created_t"], timezone.utc),
                     "updated_by": r["updated_by"], "updated_time": datetime.fromtimestamp(r["updated_t"], timezone.utc)})
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def decisions_for_week(week_monday: date, commune: str | None = None) -> pd.DataFrame:
    """The commune's decisions of the week as the weekly report prints them: who, what, due (date), state
    (open / done / late, as of today)."""
    return decisions(week_monday, commune=commune)[["who", "what", "due", "state"]].reset_index(drop=True)


# --- what needs a decision ----------------------------------------------------------------------------

def overdue_reports(now: int | None = None, limit: int = LIST_LIMIT, commune: str | None = None) -> pd.DataFrame:
    """Reports past their deadline and not resolved, whenever they were filed, oldest deadline first:
    id, service_name, village_id, deadline_time, days_over."""
    now = int(now or time.time())
    df = report_queries.reports(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime.fromtimestamp(now + 1, timezone.utc),
                                stage="overdue", limit=5000, now=now, commune=site.check_commune(commune))
    cols = ["id", "service_name", "village_id", "deadline_time", "days_over"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.sort_values("deadline_time").head(limit).copy()
    df["days_over"] = [int((now - ts.timestamp()) // 86400) for ts in df["deadline_time"]]
    return df[cols].reset_index(drop=True)


@memoize("alerts", expire=60)
def repeated_alerts(start: datetime, end: datetime, at_least: int = REPEATED_AT_LEAST,
                    commune: str | None = None) -> pd.DataFrame:
    """The commune's alerts (its own and the city-wide ones, e.g. a source down) opened `at_least` times in
    [start, end) for the same rule and subject: something that keeps coming back is not solved by
    acknowledging it again. rule_id, subject, times, last_id, title_vi, title_en, severity,
    last_opened_time."""
    a = Alert
    grouped = (select(a.rule_id, a.subject, func.count().label("times"), func.max(a.id).label("last_id"))
               .where(a.opened_t >= int(start.timestamp()), a.opened_t < int(end.timestamp()),
                      or_(a.commune_id == commune, a.commune_id.is_(None)))
               .group_by(a.rule_id, a.subject).having(func.count() >= at_least).subquery())
    stmt = (select(grouped.c.rule_id, grouped.c.subject, grouped.c.times, grouped.c.last_id, a.title_vi, a.title_en,
                   a.severity, a.opened_t).join(a, a.id == grouped.c.last_id)
            .order_by(grouped.c.times.desc(), grouped.c.last_id.desc()).limit(LIST_LIMIT))
    cols = ["rule_id", "subject", "times", "last_id", "title_vi", "title_en", "severity", "last_opened_time"]
    with get_engine().connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    df = pd.DataFrame(rows, columns=cols)
    df["last_opened_time"] = pd.to_datetime(df["last_opened_time"], unit="s", utc=True)
    return df


def down_for_long(now: int | None = None, longer_than_s: int = DOWN_LONG_S, commune: str | None = None) -> pd.DataFrame:
    """Sources down and devices silent for longer than `longer_than_s`: kind (source | device), id, name,
    since_time (None when never heard from), href."""
    now = int(now or time.time())
    commune = site.check_commune(commune)
    rows = []
    for s in records(health.sources(now, commune)):
        since = s["down_since_time"] if s["state"] == "down" else None
        if since is not None and now - since.timestamp() >= longer_than_s:
            rows.append({"kind": "source", "id": s["source"], "name": s["source"], "since_time": since, "href": "/data"})
    latest = readings.latest()
    newest = ({} if latest.empty else {d: ts for d, ts in latest.groupby("device")["time"].max().items()})
    health_by_source = {s["source"]: s["state"] for s in records(health.sources(now))}
    for d in records(site.devices(commune=commune)):
        if not d["from_site_file"] or d["source"] in ("none", "frigate") \
                or health_by_source.get(d["source"]) in (None, "never", "down"):
            continue   # not in a site file, no live source, cameras (see below), or the whole source is down
        seen = newest.get(d["id"])
        if seen is None or now - seen.timestamp() >= longer_than_s:
            rows.append({"kind": "device", "id": d["id"], "name": d["name"], "since_time": seen,
                         "href": f"/environment?station={d['id']}" if d["kind"] != "wifi" else "/digital"})
    if health_by_source.get("frigate") in ("ok", "late"):
        for c in records(events.camera_status(silent_after_s=longer_than_s, now=now, commune=commune)):
            if c["online"] is False:
                rows.append({"kind": "device", "id": c["device"], "name": c["name"], "since_time": c["last_event_time"],
                             "href": f"/security?camera={c['device']}"})
    return pd.DataFrame(rows, columns=["kind", "id", "name", "since_time", "href"])


def below_target(commune: str | None = None) -> pd.DataFrame:
    """The commune's reported indicators whose newest period misses the catalogue's target (which way is
    better taken from the catalogue): indicator, name_vi, name_en, pillar, period, value, target,
    direction, unit."""
    latest = indicators.latest_values(scope=indicators.commune_scope(site.check_commune(commune)))
    cols = ["indicator", "name_vi", "name_en", "pillar", "period", "value", "target", "direction", "unit"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    names = indicators.catalogue().set_index("code")
    rows = []
    for r in records(latest):
        value, target, direction = r["value"], r["target"], r["direction"]
        if value is None or target is None or direction not in ("up", "down"):
            continue
        if (value < target) if direction == "up" else (value > target):
            name = names.loc[r["indicator"]] if r["indicator"] in names.index else None
            rows.append({"indicator": r["indicator"], "name_vi": name["name_vi"] if name is not None else r["indicator"],
                         "name_en": name["name_en"] if name is not None else r["indicator"], "pillar": r["pillar"],
                         "period": r["period"], "value": float(value), "target": float(target),
                         "direction": direction, "unit": r["unit"]})
    return pd.DataFrame(rows, columns=cols)


def needs_decision(monday: date, now: int | None = None, commune: str | None = None) -> dict[str, pd.DataFrame]:
    """The four lists the commune's meeting goes through before deciding, for the week starting `monday`."""
    start, end = week_window(monday)
    now = int(now or time.time())
    commune = site.check_commune(commune)
    return {"overdue": overdue_reports(now, commune=commune),
            "repeated": repeated_alerts(start, min(end, datetime.fromtimestamp(now + 1, timezone.utc)), commune=commune),
            "down": down_for_long(now, commune=commune), "below_target": below_target(commune)}


__all__ = ["decisions", "decisions_for_week", "meeting_record", "needs_decision", "overdue_reports",
           "repeated_alerts", "down_for_long", "below_target", "follow_state"]

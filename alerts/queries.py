"""The read side of alerts for pages and the banner (memoised, invalidated on every change)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from queries.base import frame, records
from queries.cache import memoize
from store.models import Alert, AlertEvent

COLUMNS = ["id", "rule_id", "kind", "subject", "device_id", "village_id", "commune_id", "severity", "state", "title_vi", "title_en",
           "value", "opened_t", "updated_t", "acknowledged_by", "acknowledged_t", "ack_note", "resolved_by",
           "resolved_t", "resolve_note"]
TIMES = ("opened_t", "updated_t", "acknowledged_t", "resolved_t")
ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _frame(stmt) -> pd.DataFrame:
    df = frame(stmt, COLUMNS)
    for c in TIMES:
        df[c.replace("_t", "_time")] = pd.to_datetime(df.pop(c), unit="s", utc=True)
    df["rank"] = df["severity"].map(ORDER)
    df["title"] = df["title_vi"]
    return df


@memoize("alerts", expire=30)
def alerts(severity: str | None = None, kind: str | None = None, village: str | None = None,
           state: str | None = "active", limit: int = 500, commune: str | None = None) -> pd.DataFrame:
    """commune: its alerts and those of no commune (a source down concerns every commune); None: all."""
    t = Alert.__table__
    stmt = select(*[t.c[c] for c in COLUMNS])
    if state == "active":
        stmt = stmt.where(t.c.state != "resolved")
    elif state:
        stmt = stmt.where(t.c.state == state)
    if severity:
        stmt = stmt.where(t.c.severity == severity)
    if kind:
        stmt = stmt.where(t.c.kind == kind)
    if village:
        stmt = stmt.where(t.c.village_id == village)
    if commune:
        stmt = stmt.where(t.c.commune_id.is_(None) | (t.c.commune_id == commune))
    df = _frame(stmt.order_by(t.c.opened_t.desc()).limit(max(1, min(int(limit), 5000))))
    return df.sort_values(["rank", "opened_time"], ascending=[True, False]).reset_index(drop=True)


def open_alerts(limit: int = 20, commune: str | None = None) -> pd.DataFrame:
    return alerts(state="active", limit=limit, commune=commune)


def alert_by_id(alert_id: int) -> dict | None:
    """One alert, read fresh (not memoised): the operator is about to act on it."""
    df = _frame(select(*[Alert.__table__.c[c] for c in COLUMNS]).where(Alert.id == int(alert_id)))
    return df.to_dict("records")[0] if not df.empty else None


@memoize("alerts", expire=30)
def counts_by_severity(commune: str | None = None) -> dict[str, int]:
    stmt = select(Alert.severity, func.count()).where(Alert.state != "resolved")
    if commune:
        stmt = stmt.where(Alert.commune_id.is_(None) | (Alert.commune_id == commune))
    with __import__("store.engine", fromlist=["get_engine"]).get_engine().connect() as conn:
        rows = conn.execute(stmt.group_by(Alert.severity)).all()
    return {sev: int(n) for sev, n in rows}


@memoize("alerts", expire=30)
def alert_history(alert_id: int) -> pd.DataFrame:
    e = AlertEvent
    stmt = (select(e.t, e.action, e.actor, e.note, e.state_from, e.state_to, e.severity_from, e.severity_to)
            .where(e.alert_id == alert_id).order_by(e.t, e.id))
    return frame(stmt, ["time", "action", "actor", "note", "state_from", "state_to", "severity_from", "severity_to"],
                 ("time",))


def wall_alarms(severities: tuple[str, ...], hold_s: int, now: int, limit: int = 10, *,
                rules: tuple[str, ...] = (), commune: str | None = None) -> list[dict]:
    """Alerts that take over a wall: open (nobody acknowledged them yet), of the wall's severities and
    rules (none named: every rule), of its commune (a wall opened for one, `?xa=`) or of none (a source's),
    and opened within its hold time (0: however long ago). Worst first, then newest. Read fresh, not
    memoised: a wall asks every second and must see an alert within five of its being stored."""
    t = Alert.__table__
    stmt = select(*[t.c[c] for c in COLUMNS]).where(t.c.state == "open", t.c.severity.in_(severities))
    if rules:
        stmt = stmt.where(t.c.rule_id.in_(rules))
    if commune:
        stmt = stmt.where(t.c.commune_id.is_(None) | (t.c.commune_id == commune))
    if hold_s > 0:
        stmt = stmt.where(t.c.opened_t >= now - hold_s)
    df = _frame(stmt.order_by(t.c.opened_t.desc()).limit(200))
    if df.empty:
        return []
    df = df.sort_values(["rank", "opened_time"], ascending=[True, False]).head(limit)
    return records(df)

"""Source health for the operator: what is down and since when, how late, what was rejected and why."""
from __future__ import annotations

import time

import pandas as pd
from sqlalchemy import func, select

from domain.freshness import cadence, state_of_row
from queries.base import frame, none_for_missing_text, records
from queries.cache import memoize
from store.engine import get_engine
from store.models import Reject, SourceHealth

TIME_COLS = ("last_attempt_t", "last_success_t", "last_error_t", "down_since_t", "watermark_t", "last_data_t")


@memoize("health", expire=30)
def sources(now: int | None = None) -> pd.DataFrame:
    """One row per source with its freshness state (domain.freshness), judged on the raw row before
    pandas turns its NULLs into NaN."""
    now = int(now or time.time())
    t = SourceHealth.__table__
    cols = ["source", "protocol", "url", "simulated", *TIME_COLS, "last_error", "consecutive_failures",
            "stored_total", "rejected_total"]
    with get_engine().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(*[t.c[c] for c in cols]).order_by(t.c.source))]
    for row in rows:
        every = cadence(row["source"])
        row["state"] = state_of_row(row, now)
        row["poll_interval_s"] = every.poll_interval_s
        row["lag_s"] = now - row["watermark_t"] if row["watermark_t"] is not None else None
        row["data_age_s"] = now - row["last_data_t"] if row["last_data_t"] is not None else None
        row["simulated"] = bool(row["simulated"])
    df = pd.DataFrame(rows, columns=[*cols, "state", "poll_interval_s", "lag_s", "data_age_s"])
    for col in TIME_COLS:
        df[col.replace("_t", "_time")] = pd.to_datetime(df.pop(col), unit="s", utc=True)
    return none_for_missing_text(df)


@memoize("health", expire=30)
def rejects_by_reason(source: str | None = None) -> pd.DataFrame:
    stmt = select(Reject.source, Reject.kind, Reject.reason, func.count(), func.max(Reject.received_t)) \
        .group_by(Reject.source, Reject.kind, Reject.reason).order_by(func.count().desc())
    if source:
        stmt = stmt.where(Reject.source == source)
    return frame(stmt, ["source", "kind", "reason", "count", "last_time"], ("last_time",))


@memoize("health", expire=30)
def recent_rejects(limit: int = 100, source: str | None = None) -> pd.DataFrame:
    stmt = select(Reject.received_t, Reject.source, Reject.kind, Reject.reason, Reject.detail, Reject.record_key,
                  Reject.excerpt).order_by(Reject.id.desc()).limit(max(1, min(int(limit), 1000)))
    if source:
        stmt = stmt.where(Reject.source == source)
    return frame(stmt, ["time", "source", "kind", "reason", "detail", "record_key", "excerpt"], ("time",))


def freshness(source: str, now: int | None = None) -> dict:
    """The card's view of one source: state, times (None where missing), simulated."""
    df = sources(now)
    rows = records(df[df["source"] == source])
    if not rows:
        return {"state": "never", "last_success_time": None, "last_data_time": None, "stale": True, "simulated": False,
                "down_since_time": None}
    r = rows[0]
    return {"state": r["state"], "last_success_time": r["last_success_time"], "last_data_time": r["last_data_time"],
            "stale": r["state"] in ("stale", "down", "never"), "simulated": bool(r["simulated"]), "down_since_time": r["down_since_time"],
            "last_attempt_time": r["last_attempt_time"], "poll_interval_s": r["poll_interval_s"]}

"""`manage.py status`: per source what the store holds, what was rejected and why, and how fresh it is."""
from __future__ import annotations

import time

from sqlalchemy import Engine, func, select

from core.timeutil import iso_local
from domain import freshness
from store.engine import get_engine
from store.models import (CameraEvent, Device, IndicatorValue, Reading, Reject, Report, ReportUpdate, Series,
                          PushLink, Service, SourceHealth, Notification)



def loop_running(rows: list[dict], now: int) -> bool | None:
    """Whether an ingest loop is polling: some source was attempted within three of its intervals.
    None when nothing was ever polled."""
    attempts = [(r["last_attempt_t"], freshness.cadence(r["source"]).poll_interval_s) for r in rows
                if r.get("last_attempt_t") is not None]
    if not attempts:
        return None
    return any(now - t <= 3 * every for t, every in attempts)


def link_values(conn, source: str) -> dict[str, int]:
    """A push link's state kept beside its health row (push_links, ingest/live.py): connected_since,
    last_message (epoch seconds), messages (a count), lag_ms (arrival -> stored, newest batch); only what
    is known ({} for a source that is not a push link or has not been connected yet)."""
    row = conn.execute(select(PushLink.connected_since_t, PushLink.last_message_t, PushLink.messages,
                              PushLink.lag_ms).where(PushLink.source == source)).first()
    names = ("connected_since", "last_message", "messages", "lag_ms")
    return {} if row is None else {k: int(v) for k, v in zip(names, row) if v is not None}


def _records(conn, source: str) -> dict:
    count = lambda stmt: int(conn.scalar(stmt) or 0)  # noqa: E731
    if source == "sensorthings_mqtt":      # its readings are in sensorthings' series; count what came this way
        row = conn.execute(select(SourceHealth.stored_total).where(SourceHealth.source == source)).first()
        return {"messages": link_values(conn, source).get("messages", 0), "readings_stored": int(row[0] or 0) if row else 0}
    if source == "sensorthings":
        sids = select(Series.id).where(Series.source == source)
        return {"readings": count(select(func.count()).select_from(Reading).where(Reading.series_id.in_(sids))),
                "series": count(select(func.count()).select_from(Series).where(Series.source == source)),
                "devices": count(select(func.count(func.distinct(Series.device_id))).where(Series.source == source)),
                "devices_registered_from_source": count(select(func.count()).select_from(Device).where(
                    Device.source == source, Device.from_site_file.is_(False)))}
    if source == "frigate":
        return {"camera_events": count(select(func.count()).select_from(CameraEvent).where(CameraEvent.source == source)),
                "in_progress": count(select(func.count()).select_from(CameraEvent).where(
                    CameraEvent.source == source, CameraEvent.end_t.is_(None)))}
    if source == "open311":
        return {"reports": count(select(func.count()).select_from(Report).where(Report.source == source)),
                "report_updates": count(select(func.count()).select_from(ReportUpdate).join(
                    Report, Report.id == ReportUpdate.report_id).where(Report.source == source)),
                "services": count(select(func.count()).select_from(Service))}
    return {"indicator_values": count(select(func.count()).select_from(IndicatorValue).where(
        IndicatorValue.source.in_([source, "mot_cua_xa"])))}


def status_report(engine: Engine | None = None, now: int | None = None) -> dict:
    engine = engine or get_engine()
    now = int(now if now is not None else time.time())
    table = SourceHealth.__table__
    out: dict = {"generated_at": iso_local(now), "sources": {}}
    notification_table = Notification.__table__
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.source))]
        rejects: dict[str, dict[str, int]] = {}
        for source, reason, n in conn.execute(select(Reject.source, Reject.reason, func.count())
                                              .group_by(Reject.source, Reject.reason)):
            rejects.setdefault(source, {})[reason] = int(n)
        for row in rows:
            source = row["source"]
            fmt = lambda t: iso_local(t) if t else None  # noqa: E731
            every = freshness.cadence(source)
            out["sources"][source] = {
                "protocol": row["protocol"], "url": row["url"], "simulated": bool(row["simulated"]),
                "state": freshness.state_of_row(row, now), "poll_interval_s": every.poll_interval_s,
                "data_interval_s": every.data_interval_s,
                "last_attempt_age_s": (now - row["last_attempt_t"]) if row["last_attempt_t"] else None,
                "records": _records(conn, source), "rejects_by_reason": rejects.get(source, {}),
                "rejected_total": sum(rejects.get(source, {}).values()),
                "last_success": fmt(row["last_success_t"]), "last_attempt": fmt(row["last_attempt_t"]),
                "last_error": row["last_error"], "last_error_at": fmt(row["last_error_t"]),
                "down_since": fmt(row["down_since_t"]), "watermark": fmt(row["watermark_t"]),
                "last_data": fmt(row["last_data_t"]),
                "lag_s": (now - row["watermark_t"]) if row["watermark_t"] else None,
                "consecutive_failures": row["consecutive_failures"]}
            link = link_values(conn, source)
            if link:      # a push link: no watermark, but a connection and a flow of messages
                out["sources"][source].update(
                    connected_since=fmt(link.get("connected_since")), last_message=fmt(link.get("last_message")),
                    messages=link.get("messages", 0), stored_after_arrival_ms=link.get("lag_ms"),
                    rejected_total=int(row["rejected_total"] or 0))
        for source, reasons in rejects.items():   # rejects of sources not polled (file imports)
            if source not in out["sources"]:
                out["sources"][source] = {"protocol": "file", "state": "n/a", "rejects_by_reason": reasons,
                                          "rejected_total": sum(reasons.values()),
                                          "records": _records(conn, source)}
        out["ingest_loop_running"] = loop_running(rows, now)
        out["notifications"] = {status: int(n) for status, n in conn.execute(
            select(notification_table.c.status, func.count()).group_by(notification_table.c.status))}
    return out


def format_status(report: dict) -> str:
    lines = [f"Status at {report['generated_at']}"]
    running = report.get("ingest_loop_running")
    if running is False:
        lines.append("WARNING: no source was polled within three of its intervals: is the ingest loop running?")
    if report.get("notifications"):
        lines.append("notifications: " + ", ".join(f"{k} {v}" for k, v in sorted(report["notifications"].items())))
    for source, s in report["sources"].items():
        sim = " [simulated]" if s.get("simulated") else ""
        lines.append(f"\n{source} ({s['protocol']}){sim}: {s['state'].upper()}")
        if s.get("url"):
            lines.append(f"  url:          {s['url']}")
        lines.append("  records:      " + ", ".join(f"{k} {v:,}" for k, v in s["records"].items()))
        if s["rejects_by_reason"]:
            lines.append("  rejects:      " + ", ".join(f"{k} {v:,}" for k, v in sorted(s["rejects_by_reason"].items())))
        for key in ("poll_interval_s", "last_attempt_age_s", "last_success", "last_error_at", "last_error",
                    "down_since", "watermark", "lag_s", "connected_since", "last_message", "stored_after_arrival_ms"):
            if s.get(key) is not None:
                lines.append(f"  {key + ':':<13} {s[key]}")
    return "\n".join(lines)

"""Notifications by severity: a generic webhook (JSON POST: how Zalo OA or an SMS gateway is reached)
and email over SMTP, through an outbox: the rows are written in the alert change's transaction and a
separate job delivers them, retrying with exponential backoff; one row per alert event and channel (a
unique key); every row keeps its attempts and last error."""
from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import requests
from sqlalchemy import Engine, and_, func, or_, select

from alerts.rules import Channel, get_rules
from core.timeutil import iso_local
from ingest.upsert import insert_for
from store.models import Alert, Notification


def _payload(alert: dict, event_id: int) -> dict:
    return {"alert_id": alert["id"], "event_id": event_id, "rule": alert["rule_id"], "severity": alert["severity"],
            "state": alert["state"], "title": alert["title_vi"], "title_en": alert["title_en"],
            "subject": alert["subject"], "village": alert["village_id"], "value": alert["value"],
            "opened_at": iso_local(alert["opened_t"]), "simulated_source": None}


def send_webhook(channel: Channel, payload: dict) -> None:
    r = requests.post(channel.url, json=payload, timeout=channel.timeout_s,
                      headers={"Idempotency-Key": f"{payload['alert_id']}-{payload['event_id']}"})
    if r.status_code >= 300:
        raise RuntimeError(f"HTTP {r.status_code}")   # the receiver's body is not ours to store or show


def send_email(channel: Channel, payload: dict) -> None:
    msg = EmailMessage()
    msg["Subject"] = f"[{payload['severity'].upper()}] {payload['title']}"
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg.set_content(f"{payload['title']}\n{payload['title_en']}\n\nMức độ / severity: {payload['severity']}\n"
                    f"Đối tượng / subject: {payload['subject']}\nGiá trị / value: {payload['value']}\n"
                    f"Mở lúc / opened: {payload['opened_at']}\n")
    with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s) as smtp:
        smtp.send_message(msg)


SENDERS = {"webhook": send_webhook, "smtp": send_email}


BACKOFF_BASE_S = 30        # first retry after 30 s, then 60, 120, ... capped
BACKOFF_CAP_S = 3600
LEASE_S = 120              # a sender that died mid-send gives its rows back after this


def backoff_s(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones (exponential, capped)."""
    return int(min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def enqueue(conn, alert_id: int, event_id: int, severity: str, now: int,
            channels: list[Channel] | None = None) -> int:
    """Write one pending row per channel that wants this severity, in the caller's transaction (the one
    that changes the alert): if that transaction rolls back there is nothing to send, and if it commits
    the rows are there for the delivery job whatever happens to this process next."""
    channels = channels if channels is not None else get_rules().channels
    rows = [{"key": f"{alert_id}:{event_id}:{ch.name}", "alert_id": alert_id, "event_id": event_id,
             "channel": ch.name, "target": (ch.url or ", ".join(ch.to))[:300], "status": "pending", "attempts": 0,
             "t": now, "severity": severity, "next_attempt_t": now}
            for ch in channels if severity in ch.severities]
    if rows:
        conn.execute(insert_for(conn, Notification.__table__).values(rows).on_conflict_do_nothing())
    return len(rows)


def _claim(engine: Engine, now: int, limit: int) -> list[dict]:
    """Rows due now, each taken by this sender alone: the conditional UPDATE succeeds for one sender
    only, so two delivery jobs (threads or hosts) never send the same row at the same time."""
    table = Notification.__table__
    due = or_(and_(table.c.status.in_(("pending", "retry")), table.c.next_attempt_t <= now),
              and_(table.c.status == "sending", table.c.lease_until_t < now))
    taken = []
    with engine.begin() as conn:
        candidates = conn.execute(select(table).where(due).order_by(table.c.id).limit(limit)).all()
    for row in candidates:
        with engine.begin() as conn:
            won = conn.execute(table.update().where(table.c.id == row.id, table.c.status == row.status,
                                                    table.c.attempts == row.attempts)
                               .values(status="sending", lease_until_t=now + LEASE_S,
                                       attempts=row.attempts + 1)).rowcount
        if won:
            taken.append({**row._mapping, "attempts": row.attempts + 1})
    return taken


def deliver_due(engine: Engine, now: int | None = None, channels: list[Channel] | None = None,
                limit: int = 100) -> list[dict]:
    """Send what the outbox holds that is due: one attempt per row per run; a failure is retried later
    with exponential backoff until the channel's `retries` are spent, then marked failed. A row whose
    sender crashed mid-send is taken again once its lease runs out: a receiver may then see the same
    event twice, and the Idempotency-Key header (alert and event id) lets it drop the copy."""
    now = int(now if now is not None else time.time())
    by_name = {ch.name: ch for ch in (channels if channels is not None else get_rules().channels)}
    table = Notification.__table__
    out = []
    for row in _claim(engine, now, limit):
        ch = by_name.get(row["channel"])
        with engine.connect() as conn:
            alert = conn.execute(select(Alert.__table__).where(Alert.id == row["alert_id"])).first()
        if ch is None or alert is None:
            error, status = ("channel no longer configured" if ch is None else "alert not found"), "failed"
        else:
            try:
                SENDERS[ch.type](ch, _payload(dict(alert._mapping), row["event_id"]))
                error, status = None, "sent"
            except Exception as err:  # noqa: BLE001 - any transport failure is retried later, then logged
                error = f"{type(err).__name__}: {err}"[:1000]
                status = "failed" if row["attempts"] >= ch.retries else "retry"
        values = {"status": status, "error": error, "t": now, "lease_until_t": None,
                  "next_attempt_t": now + backoff_s(row["attempts"]) if status == "retry" else None}
        with engine.begin() as conn:
            conn.execute(table.update().where(table.c.id == row["id"]).values(**values))
        out.append({"channel": row["channel"], "alert_id": row["alert_id"], "status": status,
                    "attempts": row["attempts"], "error": error})
    return out


def outbox_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(
            select(Notification.status, func.count()).group_by(Notification.status))}


def notify(engine: Engine, alert_id: int, event_id: int, severity: str, channels: list[Channel] | None = None,
           now: int | None = None) -> list[dict]:
    """Queue and deliver at once (the `alerts test-notify` command): the same outbox path."""
    now = int(now if now is not None else time.time())
    with engine.begin() as conn:
        enqueue(conn, alert_id, event_id, severity, now, channels)
    return [o for o in deliver_due(engine, now, channels) if o["alert_id"] == alert_id]

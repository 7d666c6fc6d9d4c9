"""Notifications by severity: a generic webhook (JSON POST: how Zalo OA or an SMS gateway is reached)
and email over SMTP. Retries with backoff; one send per alert event and channel (a unique key); every
attempt's outcome logged in the notifications table."""
from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import requests
from sqlalchemy import Engine, select

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
        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")


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


def notify(engine: Engine, alert_id: int, event_id: int, severity: str, channels: list[Channel] | None = None,
           sleep=time.sleep) -> list[dict]:
    channels = channels if channels is not None else get_rules().channels
    out = []
    with engine.connect() as conn:
        row = conn.execute(select(Alert.__table__).where(Alert.id == alert_id)).first()
    if row is None:
        return out
    alert = dict(row._mapping)
    for ch in channels:
        if severity not in ch.severities:
            continue
        key = f"{alert_id}:{event_id}:{ch.name}"
        target = ch.url or ", ".join(ch.to)
        with engine.begin() as conn:   # claim the key first: a second process finds it taken and skips
            claimed = conn.execute(insert_for(conn, Notification.__table__).values(
                key=key, alert_id=alert_id, event_id=event_id, channel=ch.name, target=target[:300],
                status="sending", attempts=0, t=int(time.time())).on_conflict_do_nothing()
                .returning(Notification.id)).first() is not None
        if not claimed:
            continue
        error, attempts = None, 0
        for attempt in range(ch.retries):
            attempts = attempt + 1
            try:
                SENDERS[ch.type](ch, _payload(alert, event_id))
                error = None
                break
            except Exception as err:  # noqa: BLE001 - any transport failure is retried, then logged
                error = f"{type(err).__name__}: {err}"[:1000]
                if attempt < ch.retries - 1:
                    sleep(0.5 * 2 ** attempt)
        with engine.begin() as conn:
            conn.execute(Notification.__table__.update().where(Notification.key == key).values(
                status="failed" if error else "sent", attempts=attempts, error=error, t=int(time.time())))
        out.append({"channel": ch.name, "status": "failed" if error else "sent", "attempts": attempts, "error": error})
    return out

"""The alert lifecycle: open -> acknowledged -> resolved, by rule or by a person, every step kept with
who did it, when and why. Only these transitions exist; anything else is refused with a reason."""
from __future__ import annotations

import logging
import time

from sqlalchemy import Engine, insert, select, update

from core.errors import AppError
from queries.cache import invalidate
from store.models import Alert, AlertEvent

ALLOWED = {"acknowledge": {"open"}, "resolve": {"open", "acknowledged"}}


class TransitionError(AppError):
    """An alert cannot go where the user asked (already resolved, unknown id, no user)."""


def record(conn, alert_id: int, action: str, actor: str, now: int, *, note: str | None, state_from: str | None,
           state_to: str, severity_from: str | None, severity_to: str) -> int:
    return conn.execute(insert(AlertEvent).values(
        alert_id=alert_id, t=now, action=action, actor=actor, note=note, state_from=state_from, state_to=state_to,
        severity_from=severity_from, severity_to=severity_to)).inserted_primary_key[0]


def _transition(engine: Engine, alert_id: int, action: str, user: str, note: str, now: int | None) -> dict:
    user = (user or "").strip()
    if not user:
        raise TransitionError("alerts.error_user")
    now = int(now or time.time())
    with engine.begin() as conn:
        row = conn.execute(select(Alert.state, Alert.severity).where(Alert.id == alert_id)).first()
        if row is None:
            raise TransitionError("alerts.error_unknown", id=alert_id)
        state, severity = row
        if state not in ALLOWED[action]:
            raise TransitionError("alerts.error_transition", id=alert_id, state=state)
        new_state = "acknowledged" if action == "acknowledge" else "resolved"
        values = {"state": new_state, "updated_t": now}
        if action == "acknowledge":
            values.update(acknowledged_by=user[:100], acknowledged_t=now, ack_note=note or None)
        else:
            values.update(resolved_by=user[:100], resolved_t=now, resolve_note=note or None)
        # the state check in the WHERE makes two operators clicking at once safe: one wins
        done = conn.execute(update(Alert).where(Alert.id == alert_id, Alert.state == state).values(**values)).rowcount
        if not done:
            raise TransitionError("alerts.error_transition", id=alert_id, state="changed")
        event_id = record(conn, alert_id, "acknowledged" if action == "acknowledge" else "resolved", user[:100], now,
                          note=note or None, state_from=state, state_to=new_state, severity_from=severity,
                          severity_to=severity)
    _invalidate()
    return {"id": alert_id, "state": new_state, "event_id": event_id}


def acknowledge(engine: Engine, alert_id: int, user: str, note: str = "", now: int | None = None) -> dict:
    return _transition(engine, alert_id, "acknowledge", user, note, now)


def resolve(engine: Engine, alert_id: int, user: str, note: str = "", now: int | None = None) -> dict:
    return _transition(engine, alert_id, "resolve", user, note, now)


def _invalidate() -> None:
    try:
        invalidate("alerts", "pages")   # pages: the memoised map layers carry alert buttons
    except Exception:  # noqa: BLE001 - a cache problem never blocks an operator's action
        logging.getLogger(__name__).exception("cache invalidation failed")

"""Acknowledge and resolve alerts as the signed-in operator; the lifecycle keeps the alert's own history
and drops the alert and page caches, this adds the role check and the audit row."""
from __future__ import annotations

from sqlalchemy import Engine

from alerts import lifecycle
from alerts.lifecycle import TransitionError
from commands.base import Actor, _engine, audit, requires

NOTE_MAX = 2000


def _act(fn, action: str, actor: Actor, alert_id: int, note: str, engine: Engine | None) -> dict:
    note = (note or "")[:NOTE_MAX] if isinstance(note, str) else ""
    try:
        out = fn(_engine(engine), int(alert_id), actor.label, note)
    except TransitionError as err:
        audit(actor, action, f"alert:{alert_id}", "failed", str(err), engine=engine)
        raise
    audit(actor, action, f"alert:{alert_id}", "ok", note or None, engine=engine)
    return out


@requires("operator", "alert.acknowledge")
def acknowledge(actor: Actor, alert_id: int, note: str = "", *, engine: Engine | None = None) -> dict:
    return _act(lifecycle.acknowledge, "alert.acknowledge", actor, alert_id, note, engine)


@requires("operator", "alert.resolve")
def resolve(actor: Actor, alert_id: int, note: str = "", *, engine: Engine | None = None) -> dict:
    return _act(lifecycle.resolve, "alert.resolve", actor, alert_id, note, engine)

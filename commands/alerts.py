"""Acknowledge and resolve alerts as the signed-in operator; the lifecycle keeps the alert's own history
and drops the alert and page caches, this adds the role check and the audit row."""
from __future__ import annotations

from sqlalchemy import Engine, select

from alerts import lifecycle
from alerts.lifecycle import TransitionError
from commands.base import Actor, PermissionDenied, _engine, audit, requires
from store.models import Alert, UserCommune

NOTE_MAX = 2000


def _check_commune(actor: Actor, alert_id: int, action: str, engine: Engine | None) -> None:
    """An operator acts only on alerts of communes they may see (alerts of no commune, a source down,
    concern every commune): a forged alert id of another commune is refused, audited."""
    if actor.user_id is None:
        return
    with _engine(engine).connect() as conn:
        commune = conn.scalar(select(Alert.commune_id).where(Alert.id == int(alert_id)))
        mine = set(conn.scalars(select(UserCommune.commune_id).where(UserCommune.user_id == actor.user_id)))
    if commune is not None and mine and commune not in mine:
        audit(actor, action, f"alert:{alert_id}", "denied", f"commune {commune}", engine=engine)
        raise PermissionDenied("auth.denied", action=action)


def _act(fn, action: str, actor: Actor, alert_id: int, note: str, engine: Engine | None) -> dict:
    _check_commune(actor, alert_id, action, engine)
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

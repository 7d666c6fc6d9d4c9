"""The acting user, the role check and the audit trail: the three things every command shares."""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

from sqlalchemy import Engine, insert

from auth.roles import allows
from core.errors import AppError
from store.models import AuditEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where. Built from the signed-in session (auth.context.current_actor) or by
    the command line; never from a name typed into a form."""
    username: str
    role: str | None
    ip: str | None = None
    display_name: str = ""
    user_id: int | None = None
    session_id: str | None = None

    @property
    def label(self) -> str:
        """How the person appears in an alert's history."""
        return self.display_name or self.username


ANONYMOUS = Actor("anonymous", None)


class PermissionDenied(AppError):
    """The actor's role does not allow the command. Web requests turn it into HTTP 403."""


def _engine(engine: Engine | None) -> Engine:
    if engine is not None:
        return engine
    from store.engine import get_engine
    return get_engine()


def _clip(value: object, n: int) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text[:n]


def audit(actor: Actor, action: str, target: object = None, outcome: str = "ok", detail: object = None,
          *, engine: Engine | None = None, conn=None) -> None:
    """One row of the audit log. Inside the command's own transaction when it passes `conn`."""
    row = {"t": int(time.time()), "actor": _clip(actor.username, 100) or "anonymous", "role": actor.role,
           "action": _clip(action, 64), "target": _clip(target, 200), "outcome": outcome,
           "ip": _clip(actor.ip, 64), "detail": _clip(detail, 4000)}
    if conn is not None:
        conn.execute(insert(AuditEntry).values(**row))
    else:
        with _engine(engine).begin() as c:
            c.execute(insert(AuditEntry).values(**row))
    try:
        from queries.cache import invalidate
        invalidate("audit")
    except Exception:  # noqa: BLE001 - a cache problem never blocks the audit trail
        log.exception("cache invalidation failed")


def check(actor: Actor, role: str, action: str, target: object = None, *, engine: Engine | None = None) -> None:
    """Refuse (audited, PermissionDenied) unless `actor` has at least `role`. Callbacks call it first,
    before reading their inputs, so a forged request is refused whatever it carries."""
    who = actor if isinstance(actor, Actor) else ANONYMOUS
    if not allows(who.role, role):
        audit(who, action, target, "denied", f"needs {role}", engine=engine)
        raise PermissionDenied("auth.denied", action=action)


def requires(role: str, action: str):
    """The one role check: the decorated command's first argument is the Actor. A refusal is written to
    the audit log (who tried what, from where) and raised as PermissionDenied."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(actor, *args, **kwargs):
            who = actor if isinstance(actor, Actor) else ANONYMOUS
            target = args[0] if args and isinstance(args[0], (int, str)) else None
            check(who, role, action, str(target)[:200] if target is not None else None, engine=kwargs.get("engine"))
            return fn(who, *args, **kwargs)
        wrapper.required_role = role
        wrapper.action = action
        return wrapper
    return deco

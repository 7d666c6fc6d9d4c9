"""Reading the audit log is itself an administrator's command (it says who signed in from where)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from commands.base import Actor, _engine, requires
from store.models import AuditEntry

COLUMNS = ["id", "t", "actor", "role", "action", "target", "outcome", "ip", "detail"]
OUTCOMES = ("ok", "denied", "failed", "throttled")


@requires("administrator", "audit.read")
def read_audit(actor: Actor, *, who: str | None = None, action: str | None = None, outcome: str | None = None,
               since_t: int | None = None, until_t: int | None = None, limit: int = 5000,
               engine: Engine | None = None) -> pd.DataFrame:
    q = select(*[getattr(AuditEntry, c) for c in COLUMNS]).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 50_000)))
    if isinstance(who, str) and who.strip():
        q = q.where(AuditEntry.actor.contains(who.strip()[:100], autoescape=True))
    if isinstance(action, str) and action.strip():
        q = q.where(AuditEntry.action.startswith(action.strip()[:64], autoescape=True))
    if outcome in OUTCOMES:
        q = q.where(AuditEntry.outcome == outcome)
    if isinstance(since_t, int):
        q = q.where(AuditEntry.t >= since_t)
    if isinstance(until_t, int):
        q = q.where(AuditEntry.t < until_t)
    with _engine(engine).connect() as conn:
        rows = conn.execute(q).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=COLUMNS)


DAYS = (1, 7, 30, 90, 365)


def audit_rows(actor: Actor, who: object, action: object, outcome: object, days: object) -> list[dict]:
    """The audit page's and the CSV export's filters, from untrusted values (a form, a URL)."""
    import time
    try:
        days = int(days)
    except (TypeError, ValueError, OverflowError):
        days = 7
    days = days if days in DAYS else 7
    df = read_audit(actor, who=who if isinstance(who, str) else None, action=action if isinstance(action, str) else None,
                    outcome=outcome if outcome in OUTCOMES else None, since_t=int(time.time()) - days * 86400)
    return df.to_dict("records")


def formula_safe(value: object) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ or a tab/CR gets a leading quote."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

"""Which communes a user may see, and the commune a request is about. Checked on the server wherever
data leaves for a browser (the panel callback, exports, the pages' own callbacks, the city page):
hiding a commune in the switcher is a convenience, not the protection."""
from __future__ import annotations

from sqlalchemy import select

from auth.context import current_actor, current_wall
from commands.base import Actor, audit
from core.errors import BadParam
from queries import site
from queries.cache import memoize
from store.engine import get_engine
from store.models import UserCommune


class CommuneForbidden(BadParam):
    """The user asked for a commune they may not see (a forged or shared link)."""


@memoize("access", expire=60, local=True)
def _assigned(user_id: int) -> tuple[str, ...]:
    """Kept in each process's memory too (every callback asks), under the "access" tag's version: a change
    of a user's communes (commands.users.set_communes invalidates "access") reaches every worker at once."""
    with get_engine().connect() as conn:
        return tuple(conn.scalars(select(UserCommune.commune_id).where(UserCommune.user_id == user_id)
                                  .order_by(UserCommune.position, UserCommune.commune_id)))


def allowed_communes(actor: Actor | None = None) -> list[str]:
    """The communes the actor may see, in the order the switcher lists them. A user with none assigned
    may see every commune (how every account worked with one commune); a wall link shows what its
    playlist names, every commune's; outside a request (reports, the command line) everything."""
    actor = actor or current_actor()
    every = site.commune_ids()
    if actor.user_id is None:
        return every
    assigned = _assigned(actor.user_id)
    return [c for c in assigned if c in every] if assigned else every


def may_see(commune_id: str | None, actor: Actor | None = None) -> bool:
    """May the actor see a record of this commune? (None: a record of every commune, e.g. a source.)"""
    return commune_id is None or commune_id != commune_id or commune_id in allowed_communes(actor)


def resolve_commune(requested: str | None, actor: Actor | None = None) -> str | None:
    """The commune to show: the one asked for if the actor may see it, else (nothing asked) the actor's
    first. Raises BadParam for an unknown commune and CommuneForbidden (audited) for another's."""
    actor = actor or current_actor()
    allowed = allowed_communes(actor)
    if requested in (None, ""):
        if allowed:
            return allowed[0]
        if site.commune_ids():      # communes exist, none of them this user's (its only one was removed)
            raise CommuneForbidden("error.commune_forbidden", value="—")
        return None                 # nothing migrated yet: nothing to protect
    commune = site.check_commune(requested)
    if commune not in allowed:
        try:
            audit(actor, "commune.denied", commune, "denied", "wall" if current_wall() else None)
        except Exception:  # noqa: BLE001 - the refusal stands even if the audit log is unavailable
            pass
        raise CommuneForbidden("error.commune_forbidden", value=str(commune)[:40])
    return commune

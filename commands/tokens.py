"""Wall tokens: issued, listed and revoked by administrators; checked on every request a wall makes."""
from __future__ import annotations

import time

import pandas as pd
from sqlalchemy import Engine, insert, select, update

from auth.tokens import PLAYLIST_RE, read_wall_token, sign_wall_token
from commands.base import Actor, _engine, audit, requires
from core.errors import AppError
from store.models import WallToken


class TokenError(AppError):
    """A token cannot be issued or revoked as asked."""


@requires("administrator", "wall_token.issue")
def issue_wall_token(actor: Actor, playlist: str, label: str = "", *, engine: Engine | None = None) -> tuple[int, str]:
    """(id, token): the token is shown once; the link is /wall/<playlist>?token=<token>."""
    if not isinstance(playlist, str) or not PLAYLIST_RE.match(playlist):
        raise TokenError("wall.bad_playlist")
    with _engine(engine).begin() as conn:
        token_id = int(conn.execute(insert(WallToken).values(
            playlist=playlist, label=(label or "")[:200] if isinstance(label, str) else "", created_t=int(time.time()),
            created_by=actor.username[:100])).inserted_primary_key[0])
        audit(actor, "wall_token.issue", f"token:{token_id}", "ok", f"playlist={playlist}", conn=conn)
    return token_id, sign_wall_token(token_id, playlist)


@requires("administrator", "wall_token.revoke")
def revoke_wall_token(actor: Actor, token_id: int, *, engine: Engine | None = None) -> None:
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise TokenError("wall.unknown_token", id=token_id) from None
    with _engine(engine).begin() as conn:
        done = conn.execute(update(WallToken).where(WallToken.id == token_id, WallToken.revoked_t.is_(None))
                            .values(revoked_t=int(time.time()), revoked_by=actor.username[:100])).rowcount
        if not done:
            raise TokenError("wall.unknown_token", id=token_id)
        audit(actor, "wall_token.revoke", f"token:{token_id}", "ok", None, conn=conn)


@requires("administrator", "wall_token.list")
def list_wall_tokens(actor: Actor, *, engine: Engine | None = None) -> pd.DataFrame:
    cols = ["id", "playlist", "label", "created_t", "created_by", "revoked_t", "revoked_by", "last_used_t"]
    with _engine(engine).connect() as conn:
        rows = conn.execute(select(*[getattr(WallToken, c) for c in cols]).order_by(WallToken.id.desc())).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=cols)


def check_wall_token(token: object, *, engine: Engine | None = None) -> tuple[int, str] | None:
    """(id, playlist) while the token is well signed and not revoked; None otherwise."""
    info = read_wall_token(token)
    return info if info is not None and wall_token_live(info[0], engine=engine) else None


def wall_token_live(token_id: int, *, engine: Engine | None = None) -> bool:
    now = int(time.time())
    eng = _engine(engine)
    with eng.connect() as conn:
        row = conn.execute(select(WallToken.revoked_t, WallToken.last_used_t).where(WallToken.id == token_id)).first()
    if row is None or row.revoked_t is not None:
        return False
    if row.last_used_t is None or now - row.last_used_t > 300:
        with eng.begin() as conn:
            conn.execute(update(WallToken).where(WallToken.id == token_id).values(last_used_t=now))
    return True

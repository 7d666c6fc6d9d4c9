"""Users and their sessions: create, change role or password, disable (administrators, or the command
line for the first administrator); sign in and out (anyone; every attempt is audited)."""
from __future__ import annotations

import re
import secrets
import time

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update

from auth import passwords
from auth.roles import ROLES
from commands.base import Actor, _engine, audit, requires
from core.errors import AppError
from store.models import AuditEntry, Commune, User, UserCommune, UserSession

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
FAILURE_WINDOW_S = 15 * 60
TOUCH_EVERY_S = 30                 # a user action moves a session's idle clock at most this often
SESSIONS_TAG = "sessions"          # the cache tag bumped when a session ends or a user changes (auth.web)


class UserError(AppError):
    """A user cannot be created or changed as asked (name taken, weak password, unknown role)."""


def _check_new(username: str, role: str, password: str | None) -> None:
    if not isinstance(username, str) or not USERNAME_RE.match(username):
        raise UserError("auth.bad_username")
    if role not in ROLES:
        raise UserError("auth.bad_role", role=role)
    if password is not None:
        problem = passwords.password_problem(password)
        if problem:
            raise UserError(problem)


@requires("administrator", "user.create")
def create_user(actor: Actor, username: str, role: str, password: str | None, display_name: str = "",
                *, engine: Engine | None = None) -> int:
    """A new user; `password` None = single sign-on only."""
    _check_new(username, role, password)
    eng = _engine(engine)
    with eng.begin() as conn:
        if conn.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
            raise UserError("auth.username_taken", username=username)
        user_id = conn.execute(insert(User).values(
            username=username, display_name=(display_name or "")[:200], role=role,
            password_hash=passwords.hash_password(password) if password else None, active=True,
            created_t=int(time.time()))).inserted_primary_key[0]
        audit(actor, "user.create", username, "ok", f"role={role}", conn=conn)
    return int(user_id)


def _change(actor: Actor, action: str, username: str, values: dict, detail: str, engine: Engine | None,
            end_sessions: bool = False) -> None:
    eng = _engine(engine)
    now = int(time.time())
    with eng.begin() as conn:
        user_id = conn.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UserError("auth.unknown_user", username=username)
        conn.execute(update(User).where(User.id == user_id).values(**values))
        if end_sessions:
            conn.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_t.is_(None))
                         .values(ended_t=now))
        audit(actor, action, username, "ok", detail, conn=conn)
    sessions_changed()


@requires("administrator", "user.set_active")
def set_active(actor: Actor, username: str, active: bool, *, engine: Engine | None = None) -> None:
    """Disable (signs the user out everywhere) or enable again."""
    _change(actor, "user.set_active", username, {"active": bool(active)}, f"active={bool(active)}", engine,
            end_sessions=not active)


@requires("administrator", "user.set_role")
def set_role(actor: Actor, username: str, role: str, *, engine: Engine | None = None) -> None:
    if role not in ROLES:
        raise UserError("auth.bad_role", role=role)
    _change(actor, "user.set_role", username, {"role": role}, f"role={role}", engine)


@requires("administrator", "user.set_password")
def set_password(actor: Actor, username: str, password: str, *, engine: Engine | None = None) -> None:
    problem = passwords.password_problem(password)
    if problem:
        raise UserError(problem)
    _change(actor, "user.set_password", username, {"password_hash": passwords.hash_password(password)}, None,
            engine, end_sessions=True)


@requires("administrator", "user.set_communes")
def set_communes(actor: Actor, username: str, communes: list[str], *, engine: Engine | None = None) -> None:
    """The communes a user may see, in the switcher's order (the first is where they land); an empty list
    lets them see every commune. An unknown commune id is refused."""
    from sqlalchemy import delete
    eng = _engine(engine)
    communes = list(dict.fromkeys(c.strip() for c in communes if c and c.strip()))
    with eng.begin() as conn:
        user_id = conn.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UserError("auth.unknown_user", username=username)
        known = set(conn.scalars(select(Commune.id)))
        unknown = [c for c in communes if c not in known]
        if unknown:
            raise UserError("error.unknown_commune", value=unknown[0][:40])
        conn.execute(delete(UserCommune).where(UserCommune.user_id == user_id))
        if communes:
            conn.execute(insert(UserCommune), [{"user_id": user_id, "commune_id": c, "position": i}
                                              for i, c in enumerate(communes)])
        audit(actor, "user.set_communes", username, "ok", ",".join(communes) or "all", conn=conn)
    from queries.cache import invalidate
    invalidate("access")


@requires("administrator", "user.list")
def list_users(actor: Actor, *, engine: Engine | None = None) -> pd.DataFrame:
    with _engine(engine).connect() as conn:
        rows = conn.execute(select(User.id, User.username, User.display_name, User.role, User.active,
                                   User.created_t, User.last_sign_in_t, (User.password_hash.isnot(None)).label("has_password"))
                            .order_by(User.username)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows],
                        columns=["id", "username", "display_name", "role", "active", "created_t", "last_sign_in_t",
                                 "has_password"])


def count_users(*, engine: Engine | None = None) -> int:
    """How many users exist (serve prints how to create the first administrator when none)."""
    with _engine(engine).connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(User)) or 0)


# --- signing in and out ------------------------------------------------------------------------------

def _recent_failures(conn, username: str, ip: str | None) -> int:
    since = int(time.time()) - FAILURE_WINDOW_S
    return int(conn.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "sign_in", AuditEntry.outcome == "failed", AuditEntry.t >= since,
        AuditEntry.actor == username[:100], AuditEntry.ip == (ip or "")[:64])) or 0)


def sign_in(username: object, password: object, ip: str | None, max_failures: int,
            *, via: str = "password", engine: Engine | None = None) -> tuple[str, Actor | None]:
    """("ok", actor with a new session id) | ("failed", None) | ("throttled", None). Failed attempts per
    name and address are counted from the audit log, so the limit holds across workers and restarts."""
    name = username.strip()[:100] if isinstance(username, str) else ""
    eng = _engine(engine)
    who = Actor(name or "anonymous", None, ip)
    with eng.connect() as conn:
        if _recent_failures(conn, name, ip) >= max_failures:
            audit(who, "sign_in", name, "throttled", None, engine=eng)
            return "throttled", None
        row = conn.execute(select(User.id, User.username, User.role, User.display_name, User.password_hash,
                                  User.active).where(User.username == name)).first() if name else None
    if via == "password":
        ok = passwords.verify_password(row.password_hash if row is not None else None, password)
    else:                                    # single sign-on: the identity provider checked the person
        ok = row is not None
    if not ok or row is None or not row.active:
        audit(who, "sign_in", name, "failed", f"via={via}" + ("" if row is None or row.active else " disabled"),
              engine=eng)
        return "failed", None
    now = int(time.time())
    sid = secrets.token_urlsafe(32)
    with eng.begin() as conn:
        conn.execute(insert(UserSession).values(id=sid, user_id=row.id, created_t=now, seen_t=now,
                                                ip=(ip or "")[:64]))
        values = {"last_sign_in_t": now}
        if via == "password" and passwords.needs_rehash(row.password_hash):
            values["password_hash"] = passwords.hash_password(password)
        conn.execute(update(User).where(User.id == row.id).values(**values))
        actor = Actor(row.username, row.role, ip, row.display_name or "", row.id, sid)
        audit(actor, "sign_in", row.username, "ok", f"via={via}", conn=conn)
    return "ok", actor


def sign_out(actor: Actor, reason: str = "sign_out", *, engine: Engine | None = None) -> None:
    """End the session server-side: the cookie, and any copy of it, stops working."""
    if not actor.session_id:
        return
    eng = _engine(engine)
    with eng.begin() as conn:
        conn.execute(update(UserSession).where(UserSession.id == actor.session_id, UserSession.ended_t.is_(None))
                     .values(ended_t=int(time.time())))
        audit(actor, reason, actor.username, "ok", None, conn=conn)
    sessions_changed()


def session_actor(session_id: object, ip: str | None, idle_s: int, absolute_s: int, touch: bool,
                  *, engine: Engine | None = None) -> Actor | None:
    """The actor of a live session, None when it ended, idled out, ran past its absolute lifetime or
    its user was disabled. `touch` moves the idle clock (user actions do; background refreshes do not)."""
    found = session_state(session_id, ip, idle_s, absolute_s, touch, engine=engine)
    return found[0] if found is not None else None


def session_state(session_id: object, ip: str | None, idle_s: int, absolute_s: int, touch: bool,
                  *, engine: Engine | None = None) -> tuple[Actor, int, int] | None:
    """session_actor's answer with the session's clocks, (actor, created_t, seen_t as it is now stored),
    for a web worker that keeps the answer briefly (auth.web): with both times it can tell on its own
    when the session idles out or reaches its absolute lifetime."""
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 64:
        return None
    eng = _engine(engine)
    now = int(time.time())
    with eng.connect() as conn:
        row = conn.execute(select(UserSession.created_t, UserSession.seen_t, UserSession.ended_t, User.id,
                                  User.username, User.role, User.display_name, User.active)
                           .join(User, User.id == UserSession.user_id)
                           .where(UserSession.id == session_id)).first()
    if row is None or row.ended_t is not None or not row.active:
        return None
    actor = Actor(row.username, row.role, ip, row.display_name or "", row.id, session_id)
    expired = "idle" if now - row.seen_t > idle_s else ("absolute" if now - row.created_t > absolute_s else None)
    if expired:
        with eng.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == session_id).values(ended_t=now))
            audit(actor, "session_expired", row.username, "ok", expired, conn=conn)
        return None
    seen = row.seen_t
    if touch and now - row.seen_t >= TOUCH_EVERY_S:
        with eng.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == session_id).values(seen_t=now))
        seen = now
    return actor, int(row.created_t), int(seen)


def sessions_changed() -> None:
    """Tell the web workers that keep signed-in sessions briefly (auth.web) that one ended or a user's
    role, password or state changed: their next request reads the session again. Answers kept for
    viewers are not dropped (their key carries the role and the communes)."""
    from queries.cache import invalidate
    invalidate(SESSIONS_TAG, answers=False)

"""Who is behind the current request, for layouts, components and callbacks: the signed-in Actor (or
ANONYMOUS), and whether the request comes from a wall token. Safe outside a request (start-up, tests)."""
from __future__ import annotations

from auth.roles import allows
from commands.base import ANONYMOUS, Actor


def current_actor() -> Actor:
    try:
        from flask import current_app, g, has_request_context
    except ImportError:
        return ANONYMOUS
    if not has_request_context():
        return ANONYMOUS
    override = g.get("brain_actor")       # set by tests and by auth.web for the request
    if isinstance(override, Actor):
        return override
    if not hasattr(current_app, "login_manager"):
        return ANONYMOUS
    from flask_login import current_user
    actor = getattr(current_user, "actor", None)
    return actor if isinstance(actor, Actor) else ANONYMOUS


def can(role: str) -> bool:
    """May the current user do what `role` may? Used to leave out buttons; the commands check again."""
    return allows(current_actor().role, role)


def current_wall() -> dict | None:
    """{"id": token id, "playlist": name} when this request is a wall's, else None."""
    try:
        from flask import has_request_context, session
    except ImportError:
        return None
    if not has_request_context():
        return None
    wall = session.get("wall")
    return wall if isinstance(wall, dict) else None

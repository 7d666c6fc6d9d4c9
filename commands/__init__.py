"""Every change made from the web passes through here: one module per area (alerts, uploads, users, wall
tokens). Each command takes the acting user, checks the role with `@requires`, writes an audit row and
drops the cache it affects. Pages and components call commands; they never write to the store."""
from commands.base import ANONYMOUS, Actor, PermissionDenied, audit, check, requires

__all__ = ["ANONYMOUS", "Actor", "PermissionDenied", "audit", "check", "requires"]

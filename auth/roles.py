"""Three roles, each including the one below: a viewer reads and exports, an operator also acts on alerts
and enters data, an administrator also manages users, wall tokens, configuration and reads the audit log."""
from __future__ import annotations

ROLES = ("viewer", "operator", "administrator")


def allows(role: str | None, needed: str) -> bool:
    """True when `role` is at least `needed`; an unknown or missing role allows nothing."""
    return role in ROLES and needed in ROLES and ROLES.index(role) >= ROLES.index(needed)

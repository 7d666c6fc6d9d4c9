"""Wall tokens are signed (itsdangerous) so a link cannot be guessed or edited into another playlist,
and carry the id of their row so an administrator can revoke them. No expiry: a wall runs for months."""
from __future__ import annotations

import re

from itsdangerous import BadData, URLSafeSerializer

from auth.secret import secret_key

PLAYLIST_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(), salt="wall-token")


def sign_wall_token(token_id: int, playlist: str) -> str:
    return _serializer().dumps({"id": int(token_id), "p": playlist})


def read_wall_token(token: object) -> tuple[int, str] | None:
    """(id, playlist) of a well-signed token, None for anything else (revocation is checked by the caller)."""
    if not isinstance(token, str) or not 0 < len(token) <= 500:
        return None
    try:
        data = _serializer().loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("p"), str):
        return None
    return data["id"], data["p"]

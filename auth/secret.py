"""The key that signs session cookies and wall tokens: SECRET_KEY, or a random key kept in
data/secret_key (created once, readable by the owner only) so every worker and restart shares it."""
from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from core.settings import ROOT, get_settings

KEY_FILE = ROOT / "data" / "secret_key"


@lru_cache
def secret_key() -> str:
    configured = get_settings().secret_key
    if configured:
        return configured
    return _key_file(KEY_FILE)


def _key_file(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):          # another worker is writing it right now
            text = path.read_text().strip()
            if text:
                return text
            import time
            time.sleep(0.05)
        raise RuntimeError(f"{path} is empty: delete it or set SECRET_KEY")
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key

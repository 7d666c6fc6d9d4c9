"""Who is looking and how: language and theme come from cookies set by /set, so a page's layout is
rendered already translated (no string flashes in the other language)."""
from __future__ import annotations

from core.i18n import LANGS, norm_lang

THEMES = ("light", "dark")


def _cookie(name: str) -> str | None:
    try:
        from flask import has_request_context, request
    except ImportError:
        return None
    if not has_request_context():
        return None
    return request.cookies.get(name)


def current_lang() -> str:
    return norm_lang(_cookie("lang"))


def current_theme() -> str:
    theme = _cookie("theme")
    return theme if theme in THEMES else "light"


__all__ = ["current_lang", "current_theme", "LANGS", "THEMES"]

"""Why a record was refused, in the viewer's language: the Data page shows the reason in words
("Không có giá trị (trạm không báo)"), not the code (`null_result`), and keeps the code where the one
who reads the logs looks for it (a hover title, the technical detail)."""
from __future__ import annotations

from dash import html

from core.formatting import text_or
from core.i18n import has, t


def reason_text(reason, lang: str) -> str:
    """A reject reason (core/strings/views.py), else a datastream's unmapped reason, else the code as it
    came (Dash renders it as text, never as HTML)."""
    code = text_or(reason, "—")
    for key in (f"reject.{code}", f"unmapped.{code}"):
        if has(key):
            return t(key, lang)
    return code


def reason_cell(reason, lang: str) -> html.Span:
    return html.Span(reason_text(reason, lang), title=text_or(reason))


def reject_kind_text(kind, lang: str) -> str:
    code = text_or(kind, "—")
    return t(f"reject_kind.{code}", lang) if has(f"reject_kind.{code}") else code

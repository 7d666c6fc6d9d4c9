"""Expected problems shown as a translated alert on the page, never a traceback."""
from __future__ import annotations

import dash_bootstrap_components as dbc

from core.errors import AppError
from core.i18n import t
from core.text import source_text


def error_alert(err: AppError, lang: str) -> dbc.Alert:
    """The values an error echoes (often what a visitor typed) are cut short and made sendable; Dash
    renders them as text, never as HTML."""
    values = {k: v if isinstance(v, (int, float)) else source_text(v, limit=60) for k, v in err.values.items()}
    return dbc.Alert(t(err.key, lang, **values), color="warning", className="mb-2")

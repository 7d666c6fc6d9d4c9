"""Expected problems shown as a translated alert on the page, never a traceback."""
from __future__ import annotations

import dash_bootstrap_components as dbc

from core.errors import AppError
from core.i18n import t


def error_alert(err: AppError, lang: str) -> dbc.Alert:
    return dbc.Alert(t(err.key, lang, **err.values), color="warning", className="mb-2")

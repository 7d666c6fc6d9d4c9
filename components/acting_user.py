"""Who is acting: today a name typed into a field on the page and remembered by the browser (as the
alert dialog does); when sign-in lands, `acting_user` returns the signed-in user instead and
`user_field` shows who that is. Every write a page makes takes its user from here, and only here."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from core.i18n import t
from core.text import source_text


def user_field(component_id: str, lang: str) -> html.Div:
    return html.Div([
        dbc.Label(t("meeting.user", lang), html_for=component_id, className="me-2 mb-0"),
        dbc.Input(id=component_id, type="text", maxLength=100, persistence=True, persistence_type="local",
                  placeholder=t("meeting.user_placeholder", lang), className="acting-user"),
    ], className="d-flex align-items-center")


def acting_user(field_value) -> str:
    """The acting user's name from the page field ("" when none: the command refuses it)."""
    return source_text(field_value, missing="", limit=None).strip() if isinstance(field_value, str) else ""

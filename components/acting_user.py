"""Who is acting on the meeting record: the signed-in user, never a typed name. `user_field` shows who
that is (a read-only field, so the page's callbacks keep one State to read); `acting_user` checks the
role on the server (a viewer's forged request is refused, 403, and audited) and returns the name the
record keeps. Every write the meeting page makes takes its user from here, and only here."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from auth.context import current_actor
from commands.base import check
from core.i18n import t

WRITE_ROLE = "operator"   # meeting notes and decisions: operators and administrators


def _name() -> str:
    return current_actor().label


def user_field(component_id: str, lang: str) -> html.Div:
    return html.Div([
        dbc.Label(t("meeting.user", lang), html_for=component_id, className="me-2 mb-0"),
        dbc.Input(id=component_id, type="text", value=_name(), readonly=True, disabled=True,
                  className="acting-user"),
    ], className="d-flex align-items-center")


def acting_user(_field_value=None) -> str:
    """The signed-in user's name, once the role is checked; whatever the page field says is ignored."""
    check(current_actor(), WRITE_ROLE, "meeting.write")
    return _name()

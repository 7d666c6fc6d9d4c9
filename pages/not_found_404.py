"""The page for a path that is no page: in the viewer's language, with the way back. The server answers
it with HTTP 404 (layouts/guards.py)."""
from __future__ import annotations

import dash
from dash import dcc, html

from components.page import page_header
from core.i18n import t
from layouts.context import current_lang

dash.register_page(__name__, path="/404", title="Không tìm thấy trang – Bộ não số")


def layout(**_):
    lang = current_lang()
    return html.Div([page_header(t("notfound.title", lang)),
                     html.P(t("notfound.body", lang), className="muted"),
                     dcc.Link(t("notfound.home", lang), href="/", id="notfound-home")], id="notfound")

"""Màn hình điều hành — a minimal wall page (commune name, clock, playlist) so a wall token can be tried end
to end; the real wall (slides, cycling) replaces this module. Every id starts with "wall-": a wall token
may drive only callbacks whose outputs are wall-* components (auth/web.py)."""
from __future__ import annotations

import dash
from dash import Input, Output, clientside_callback, dcc, html

from auth.tokens import PLAYLIST_RE
from core.i18n import t
from layouts.context import current_lang


def layout(playlist: str | None = None, **_):
    lang = current_lang()
    try:
        from queries.site import commune
        c = commune() or {}
    except Exception:  # noqa: BLE001 - the wall shows its clock even before the first migration
        c = {}
    name = (c.get("name") if lang == "vi" else c.get("name_en")) or t("app.title", lang)
    playlist = playlist if isinstance(playlist, str) and PLAYLIST_RE.match(playlist) else None
    return html.Div([
        html.Div(name, className="wall-name", id="wall-name"),
        html.Div(id="wall-clock", className="wall-clock"),
        html.Div(t("wall.playlist", lang, name=playlist) if playlist else t("wall.title", lang), id="wall-playlist",
                 className="muted"),
        dcc.Interval(id="wall-clock-tick", interval=1_000),
    ], className="wall-placeholder")


dash.register_page("wall", path="/wall", title="Màn hình – Bộ não số", layout=layout)
dash.register_page("wall_playlist", path_template="/wall/<playlist>", title="Màn hình – Bộ não số", layout=layout)

clientside_callback(
    """function (_) {
        const f = new Intl.DateTimeFormat('vi-VN', {timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit',
                   second: '2-digit', hour12: false});
        return f.format(new Date());
    }""",
    Output("wall-clock", "children"), Input("wall-clock-tick", "n_intervals"))

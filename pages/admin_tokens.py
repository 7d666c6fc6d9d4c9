"""Liên kết màn hình — administrators issue read-only wall links (one playlist each), see when each was
last used, and revoke them. The token is shown once, when issued."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from auth.context import can, current_actor
from commands import tokens
from commands.base import check
from components.errors import error_alert
from components.page import card, page_header
from core.errors import AppError
from core.formatting import fmt_datetime
from core.i18n import t
from layouts.context import current_lang

dash.register_page(__name__, path="/admin/tokens", nav="wall_tokens", nav_role="administrator", nav_menu="user", order=21, title="Liên kết màn hình – Bộ não số")
P = "adm-tok"


def layout(**_):
    lang = current_lang()
    if not can("administrator"):
        return html.Div([page_header(t("wall.tokens_title", lang)), dbc.Alert(t("auth.forbidden", lang), color="warning")])
    return html.Div([
        page_header(t("wall.tokens_title", lang)),
        card(t("wall.issue", lang), html.Div([
            html.Div([
                dbc.Input(id=f"{P}-playlist", placeholder=t("wall.playlist_name", lang), value="main", maxLength=64, size="sm"),
                dbc.Input(id=f"{P}-label", placeholder=t("wall.label", lang), maxLength=200, size="sm"),
                dbc.Button(t("wall.issue", lang), id=f"{P}-issue", color="primary", size="sm"),
            ], className="filter-bar"),
            html.Div(id=f"{P}-result", className="mt-2"),
        ])),
        card(t("wall.tokens_title", lang), html.Div(id=f"{P}-list")),
    ])


def token_table(lang: str):
    df = tokens.list_wall_tokens(current_actor())
    if df.empty:
        return html.Div(t("common.no_data", lang), className="muted")
    rows = []
    for r in df.to_dict("records"):
        revoked = r["revoked_t"] == r["revoked_t"] and r["revoked_t"] is not None
        used = r["last_used_t"]
        rows.append(html.Tr([
            html.Td(f"#{int(r['id'])}"), html.Td(r["playlist"]), html.Td(r["label"] or ""),
            html.Td(f"{fmt_datetime(int(r['created_t']))} · {r['created_by']}"),
            html.Td(fmt_datetime(int(used)) if used == used and used is not None else "—"),
            html.Td(t("wall.revoked_state" if revoked else "wall.live", lang)),
            html.Td(None if revoked else dbc.Button(t("wall.revoke", lang), id={"type": f"{P}-revoke", "id": int(r["id"])},
                                                    color="danger", outline=True, size="sm")),
        ]))
    head = html.Tr([html.Th(h) for h in ("#", t("wall.playlist_name", lang), t("wall.label", lang),
                                         t("wall.col_created", lang), t("wall.col_used", lang),
                                         t("wall.col_state", lang), "")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table table-sm table-compact", id=f"{P}-table")


@callback(Output(f"{P}-list", "children"), Input(f"{P}-result", "children"))
def update_tokens(_result):
    check(current_actor(), "administrator", "wall_token.list")
    return token_table(current_lang())


@callback(Output(f"{P}-result", "children"), Input(f"{P}-issue", "n_clicks"),
          Input({"type": f"{P}-revoke", "id": ALL}, "n_clicks"), State(f"{P}-playlist", "value"),
          State(f"{P}-label", "value"), prevent_initial_call=True)
def change_tokens(_issue, revokes, playlist, label):
    actor = current_actor()
    check(actor, "administrator", "wall_token.change")
    lang = current_lang()
    trigger = ctx.triggered_id
    try:
        if isinstance(trigger, dict):
            if not any(isinstance(n, int) and n > 0 for n in (revokes or [])):
                return no_update
            tokens.revoke_wall_token(actor, trigger.get("id"))
            return dbc.Alert(t("wall.revoked", lang, id=trigger.get("id")), color="success")
        token_id, token = tokens.issue_wall_token(actor, playlist if isinstance(playlist, str) else "",
                                                  label if isinstance(label, str) else "")
    except AppError as err:
        return error_alert(err, lang)
    from flask import request
    link = f"{request.host_url.rstrip('/')}/wall/{playlist}?token={token}"
    return dbc.Alert([html.Div(t("wall.new_link", lang)), html.Code(link, id=f"{P}-new-link")], color="success")

"""Acknowledge or resolve an alert from wherever the operator sees it (a map popup today): the popup's
buttons are plain HTML inside Leaflet, so assets/20_map.js hands the click to the `shell-alert-request`
store, and this dialog, present on every page, asks for a note and does the transition through
commands/alerts.py as the signed-in user (a viewer gets no buttons, and a forged request is refused 403).
`shell-alert-done` changes after each action so the banner, the maps and the alert lists redraw."""
from __future__ import annotations

import time

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from alerts.lifecycle import TransitionError
from auth.context import can, current_actor
from commands import alerts as alert_commands
from commands.base import check
from components.errors import error_alert
from core.formatting import fmt_datetime
from core.i18n import t
from core.text import is_missing
from layouts.context import current_lang

ACTIONS = ("acknowledge", "resolve")


def popup_actions(alert: dict, lang: str, can_act: bool = True) -> list[tuple[str, int, str]]:
    """The buttons a marker's popup offers for its open alert: acknowledge only while it is open, none
    for someone who may not act (a viewer, a wall)."""
    if not can_act:
        return []
    acts = [("acknowledge", int(alert["id"]), t("alerts.ack", lang))] if alert["state"] == "open" else []
    return acts + [("resolve", int(alert["id"]), t("alerts.resolve", lang))]


def alert_popup(alert: dict | None, lang: str, can_act: bool | None = None) -> str:
    """The part of a marker's popup about its open alert: what, how severe, its history, the buttons.
    `can_act` None = ask the current request (memoised callers pass it, so it is part of their cache key)."""
    from components.map import popup_html
    if not alert:
        return ""
    can_act = can("operator") if can_act is None else can_act
    return popup_html(t(f"severity.{alert['severity']}", lang), [alert["title_vi"] if lang == "vi" else alert["title_en"]],
                      f"/alerts?alert={alert['id']}", t("map.alert_history", lang),
                      actions=popup_actions(alert, lang, can_act))


def open_alerts_by_device(commune: str | None = None) -> dict[str, dict]:
    """Each device's worst open alert. `commune`: only that commune's alerts (and those of no commune), so
    a commune's map reads its own and not every commune's (nor loses its own past the first 500 of all)."""
    from alerts.queries import open_alerts
    out: dict[str, dict] = {}
    for a in open_alerts(limit=500, commune=commune).to_dict("records"):    # most severe first: a device shows its worst
        out.setdefault(a["subject"] if is_missing(a["device_id"]) else a["device_id"], a)
    return out


def action_dialog(lang: str) -> html.Div:
    return html.Div([
        dcc.Store(id="shell-alert-request"),
        dcc.Store(id="shell-alert-done", data=0),
        dbc.Modal([
            dbc.ModalHeader(dbc.ModalTitle(id="shell-alert-title")),
            dbc.ModalBody([
                html.Div(id="shell-alert-summary", className="mb-2"),
                dbc.Label(t("alerts.note", lang), html_for="shell-alert-note", className="mt-2"),
                dbc.Textarea(id="shell-alert-note", maxLength=2000, rows=2),
                html.Div(id="shell-alert-result", className="mt-2"),
            ]),
            dbc.ModalFooter([
                dbc.Button(t("common.close", lang), id="shell-alert-cancel", color="secondary", outline=True),
                dbc.Button(id="shell-alert-confirm", color="primary"),
            ]),
        ], id="shell-alert-modal", is_open=False, centered=True),
    ])


def _request(data) -> tuple[int, str] | None:
    """The store is written by page JavaScript: take nothing on trust."""
    if not isinstance(data, dict) or data.get("action") not in ACTIONS:
        return None
    try:
        alert_id = int(str(data.get("id")))
    except ValueError:
        return None
    return (alert_id, data["action"]) if 0 < alert_id < 2**31 else None


@callback(Output("shell-alert-modal", "is_open"), Output("shell-alert-title", "children"),
          Output("shell-alert-summary", "children"), Output("shell-alert-confirm", "children"),
          Output("shell-alert-confirm", "color"), Output("shell-alert-confirm", "disabled"),
          Output("shell-alert-result", "children"), Output("shell-alert-note", "value"),
          Input("shell-alert-request", "data"), prevent_initial_call=True)
def open_dialog(data):
    from alerts.queries import alert_by_id
    lang = current_lang()
    req = _request(data)
    if req is None:
        return (True, t("alerts.title", lang), None, t("alerts.ack", lang), "secondary", True,
                dbc.Alert(t("alerts.error_request", lang), color="danger"), "")
    alert_id, action = req
    a = alert_by_id(alert_id)
    from auth.communes import may_see
    if a is not None and not may_see(a["commune_id"]):
        a = None            # another commune's alert: as if unknown
    label = t("alerts.ack" if action == "acknowledge" else "alerts.resolve", lang)
    if a is None:
        return (True, f"#{alert_id}", None, label, "secondary", True,
                dbc.Alert(t("alerts.error_unknown", lang, id=alert_id), color="danger"), "")
    summary = html.Div([
        html.Span(t(f"severity.{a['severity']}", lang), className=f"sev-pill sev-{a['severity']} me-2"),
        html.Strong(a["title_vi"] if lang == "vi" else a["title_en"]),
        html.Div(f"{t('alerts.state', lang)}: {t('alert_state.' + a['state'], lang)} · "
                 f"{t('alerts.opened', lang)} {fmt_datetime(a['opened_time'])}", className="muted small"),
    ])
    return (True, f"{label} #{alert_id}", summary, label, "warning" if action == "acknowledge" else "success",
            a["state"] == "resolved", None, "")


@callback(Output("shell-alert-result", "children", allow_duplicate=True), Output("shell-alert-done", "data"),
          Output("shell-alert-confirm", "disabled", allow_duplicate=True),
          Input("shell-alert-confirm", "n_clicks"), State("shell-alert-request", "data"),
          State("shell-alert-note", "value"), prevent_initial_call=True)
def confirm(_n, data, note):
    lang = current_lang()
    actor = current_actor()
    check(actor, "operator", "alert.action")     # a forged request from a viewer: 403, audited
    req = _request(data)
    if req is None:
        return dbc.Alert(t("alerts.error_request", lang), color="danger"), no_update, True
    alert_id, action = req
    try:
        command = alert_commands.acknowledge if action == "acknowledge" else alert_commands.resolve
        command(actor, alert_id, note if isinstance(note, str) else "")
    except TransitionError as err:
        return error_alert(err, lang), no_update, no_update
    done = t("alerts.done_ack" if action == "acknowledge" else "alerts.done_resolve", lang, id=alert_id)
    return dbc.Alert(done, color="success", id="shell-alert-ok"), int(time.time() * 1000), True


@callback(Output("shell-alert-modal", "is_open", allow_duplicate=True), Input("shell-alert-cancel", "n_clicks"),
          prevent_initial_call=True)
def close_dialog(_n):
    return False

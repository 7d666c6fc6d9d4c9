"""Cảnh báo — the operator's list: filter by severity, kind, village and state; open one to see its
whole history; acknowledge or resolve it with a note, as the signed-in operator (commands/alerts.py checks
the role and audits; a viewer sees no buttons)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from alerts.lifecycle import TransitionError
from alerts.queries import alert_history, alerts
from auth.context import can, current_actor
from commands import alerts as alert_commands
from commands.base import check
from components.errors import error_alert
from components.filters import extra_filter, fid, filter_bar, village_filter
from components.grid import list_grid
from components.page import card, page_header, village_options
from core.errors import AppError
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from layouts.context import current_lang
from queries import site

dash.register_page(__name__, path="/alerts", order=6, title="Cảnh báo – Bộ não số")
P = "al"
SEVERITIES = ("critical", "high", "medium", "low", "info")
KINDS = ("threshold", "level", "rate", "aqi", "camera", "source_silence", "device_silence", "deadline")
STATES = ("active", "open", "acknowledged", "resolved")


def layout(severity: str | None = None, kind: str | None = None, village: str | None = None, state: str = "active",
           alert: str | None = None, **_):
    lang = current_lang()
    return html.Div([
        page_header(t("alerts.title", lang)),
        filter_bar(extra_filter("severity", t("alerts.severity", lang), [(s, t(f"severity.{s}", lang)) for s in SEVERITIES], severity),
                   extra_filter("kind", t("alerts.kind", lang), [(k, t(f"alert_kind.{k}", lang)) for k in KINDS], kind),
                   village_filter(lang, village_options(), village),
                   extra_filter("state", t("alerts.state", lang), [(s, t(f"alert_state.{s}", lang)) for s in STATES],
                                state if state in STATES else "active")),
        html.Div(id=f"{P}-error"),
        html.Div([
            card(t("alerts.list", lang), list_grid(f"{P}-grid", lang, 15, "34rem", getRowId="params.data.id")),
            card(t("alerts.detail", lang), html.Div([
                html.Div(t("alerts.pick", lang), id=f"{P}-detail", className="muted"),
                dcc.Store(id=f"{P}-selected", data=int(alert) if (alert or "").isdigit() else None),
                _actions(lang) if can("operator") else html.Div(id=f"{P}-action-result"),
            ])),
        ], className="grid-2"),
    ])


def _actions(lang: str) -> html.Div:
    """Note and buttons, for operators and administrators only."""
    return html.Div([
        dbc.Label(t("alerts.note", lang), html_for=f"{P}-note", className="mt-2"),
        dbc.Textarea(id=f"{P}-note", maxLength=2000, rows=2),
        html.Div([dbc.Button(t("alerts.ack", lang), id=f"{P}-ack", color="warning", className="me-2"),
                  dbc.Button(t("alerts.resolve", lang), id=f"{P}-resolve", color="success")], className="mt-2"),
        html.Div(id=f"{P}-action-result", className="mt-2"),
    ], className="mt-3")


@callback(Output(f"{P}-grid", "rowData"), Output(f"{P}-grid", "columnDefs"), Output(f"{P}-error", "children"),
          Input(fid("severity"), "value"), Input(fid("kind"), "value"), Input(fid("village"), "value"),
          Input(fid("state"), "value"), Input("shell-tick", "n_intervals"), Input(f"{P}-action-result", "children"),
          Input("shell-alert-done", "data"))
def update_list(severity, kind, village, state, _tick, _done, _done_elsewhere):
    lang = current_lang()
    try:
        village = site.check_village(village)
    except AppError as err:
        return [], [], error_alert(err, lang)
    df = alerts(severity if severity in SEVERITIES else None, kind if kind in KINDS else None, village,
                state if state in STATES else "active")
    vnames = dict(village_options())
    rows = [{"id": int(r["id"]), "severity": t(f"severity.{r['severity']}", lang), "sev": r["severity"],
             "title": r["title_vi"] if lang == "vi" else r["title_en"],
             "village": vnames.get(r["village_id"], "—"), "state": t(f"alert_state.{r['state']}", lang),
             "opened": fmt_datetime(r["opened_time"].to_pydatetime()),
             "value": fmt_number(r["value"], lang, 2) if r["value"] == r["value"] and r["value"] is not None else "—"}
            for r in df.to_dict("records")]
    cols = [{"field": "id", "headerName": "#", "maxWidth": 80},
            {"field": "severity", "headerName": t("alerts.severity", lang), "maxWidth": 130,
             "cellClassRules": {f"sev-{s}": f"params.data.sev == '{s}'" for s in SEVERITIES}},
            {"field": "title", "headerName": t("alerts.col_title", lang), "flex": 3, "minWidth": 200, "wrapText": True,
             "autoHeight": True, "cellStyle": {"lineHeight": "1.35", "paddingTop": "6px", "paddingBottom": "6px"}},
            {"field": "village", "headerName": t("alerts.col_village", lang), "maxWidth": 110},
            {"field": "value", "headerName": t("alerts.col_value", lang), "maxWidth": 110},
            {"field": "state", "headerName": t("alerts.state", lang), "maxWidth": 140},
            {"field": "opened", "headerName": t("alerts.opened", lang), "minWidth": 135, "maxWidth": 160}]
    return rows, cols, None


@callback(Output(f"{P}-selected", "data"), Input(f"{P}-grid", "selectedRows"), prevent_initial_call=True)
def select_alert(rows):
    return int(rows[0]["id"]) if rows else no_update


@callback(Output(f"{P}-detail", "children"), Input(f"{P}-selected", "data"), Input(f"{P}-action-result", "children"))
def show_detail(alert_id, _done):
    lang = current_lang()
    if not alert_id:
        return t("alerts.pick", lang)
    hist = alert_history(int(alert_id))
    if hist.empty:
        return t("alerts.error_unknown", lang, id=alert_id)
    items = []
    for r in hist.to_dict("records"):
        actor = t("alerts.rule", lang) if r["actor"] == "rule" else r["actor"]
        sev = t(f"severity.{r['severity_to']}", lang)
        items.append(html.Li([html.Span(fmt_datetime(r["time"].to_pydatetime()), className="muted"), " · ",
                              html.Strong(t(f"alerts.action.{r['action']}", lang)), f" · {sev} · ",
                              t("alerts.by", lang, who=actor), html.Div(r["note"] or "", className="small")]))
    return html.Div([html.Strong(f"#{alert_id}"), html.Ul(items, id=f"{P}-history")])


@callback(Output(f"{P}-action-result", "children"), Input(f"{P}-ack", "n_clicks"), Input(f"{P}-resolve", "n_clicks"),
          State(f"{P}-selected", "data"), State(f"{P}-note", "value"), prevent_initial_call=True)
def act_on_alert(_ack, _resolve, alert_id, note):
    lang = current_lang()
    actor = current_actor()
    check(actor, "operator", "alert.action")     # a forged request from a viewer: 403, audited
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError, OverflowError):
        alert_id = None
    if not alert_id or not 0 < alert_id < 2**31:
        return dbc.Alert(t("alerts.pick", lang), color="warning")
    note = note if isinstance(note, str) else ""
    action = dash.ctx.triggered_id
    try:
        if action == f"{P}-ack":
            alert_commands.acknowledge(actor, alert_id, note)
            return dbc.Alert(t("alerts.done_ack", lang, id=alert_id), color="success")
        alert_commands.resolve(actor, alert_id, note)
        return dbc.Alert(t("alerts.done_resolve", lang, id=alert_id), color="success")
    except TransitionError as err:
        return error_alert(err, lang)

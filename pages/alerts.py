"""Cảnh báo — the operator's list: filter by severity, kind, village and state; open one to see its
whole history; acknowledge or resolve it with a note, as the signed-in operator (commands/alerts.py checks
the role and audits; a viewer sees no buttons)."""
from __future__ import annotations

import re

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from alerts.lifecycle import TransitionError
from alerts.queries import alert_by_id, alert_history, alerts
from alerts.rules import get_rules
from auth.communes import may_see, resolve_commune
from auth.context import can, current_actor
from commands import alerts as alert_commands
from commands.base import check
from components.alert_detail import alert_summary
from components.errors import error_alert
from components.filters import extra_filter, fid, filter_bar, village_filter
from components.grid import list_grid
from components.page import card, page_header, village_options
from core.errors import AppError, BadParam
from core.formatting import fmt_datetime, is_missing
from core.i18n import t
from core.text import source_text
from layouts.context import current_lang
from layouts.panel_view import first_answer
from queries.base import records
from queries import site

dash.register_page(__name__, path="/alerts", order=7, nav="alerts", title="Cảnh báo – Bộ não số")
P = "al"
SEVERITIES = ("critical", "high", "medium", "low", "info")
KINDS = ("threshold", "level", "rate", "aqi", "camera", "source_silence", "device_silence", "deadline")
STATES = ("active", "open", "acknowledged", "resolved")


MAX_ALERT_ID = 2**31 - 1   # the store's integer key


def alert_id_of(value) -> int | None:
    """An alert number from a URL or the page's store: ASCII digits within the store's key range, or None.
    ("²".isdigit() is True and int() refuses it; 30 digits overflow the database's integer.)"""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ALERT_ID else None
    text = str(value or "")
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 0 < int(text) <= MAX_ALERT_ID:
        return None
    return int(text)


def layout(severity: str | None = None, kind: str | None = None, village: str | None = None, state: str = "active",
           alert: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    if alert not in (None, "") and alert_id_of(alert) is None:
        raise BadParam("error.bad_alert_id", value=alert, param="alert")
    state = state if state in STATES else "active"
    selected = alert_id_of(alert)
    # the list, the opened alert and its buttons as the callbacks would send them first: no callback on a
    # first visit (update_list checks the commune and the village again, as it does for the store's)
    shown_village = str(village)[:40] if village else None      # what the village filter holds (village_filter)
    (rows, cols, error), problem = first_answer(list_view, ([], [], None), severity, kind, shown_village, state, xa, lang)
    (detail,), detail_problem = first_answer(lambda: (detail_view(selected, lang),), (t("alerts.pick", lang),))
    (ack_off, resolve_off), _ = first_answer(action_state, (True, True), selected)
    return html.Div([
        page_header(t("alerts.title", lang)),
        filter_bar(extra_filter("severity", t("alerts.severity", lang), [(s, t(f"severity.{s}", lang)) for s in SEVERITIES], severity),
                   extra_filter("kind", t("alerts.kind", lang), [(k, t(f"alert_kind.{k}", lang)) for k in KINDS], kind),
                   village_filter(lang, village_options(commune), village),
                   extra_filter("state", t("alerts.state", lang), [(s, t(f"alert_state.{s}", lang)) for s in STATES],
                                state)),
        html.Div([problem or error, detail_problem], id=f"{P}-error"),
        html.Div([
            card(t("alerts.list", lang), list_grid(f"{P}-grid", lang, 15, "100%", getRowId="params.data.id + ''",
                                                   className="alerts-grid", rowData=rows, columnDefs=cols),
                 className="alerts-list"),
            card(t("alerts.detail", lang), html.Div([
                html.Div(detail, id=f"{P}-detail", className="muted"),
                # 0 (no alert: alert_id_of refuses it) rather than None: a memory Store mounted with None
                # reports a change of its data (undefined in its backstore), which would ask show_detail
                # again for what the layout has just drawn
                dcc.Store(id=f"{P}-selected", data=selected if selected is not None else 0),
                _actions(lang, ack_off, resolve_off) if can("operator") else html.Div(id=f"{P}-action-result"),
            ]), className="alerts-detail"),
        ], className="alerts-layout"),
    ])


def _actions(lang: str, ack_off: bool = True, resolve_off: bool = True) -> html.Div:
    """Note and buttons, for operators and administrators only (enabled as enable_actions says)."""
    return html.Div([
        dbc.Label(t("alerts.note", lang), html_for=f"{P}-note", className="mt-2"),
        dbc.Textarea(id=f"{P}-note", maxLength=2000, rows=2),
        html.Div([dbc.Button(t("alerts.ack", lang), id=f"{P}-ack", color="warning", className="me-2",
                             disabled=ack_off),
                  dbc.Button(t("alerts.resolve", lang), id=f"{P}-resolve", color="success", disabled=resolve_off)],
                 className="mt-2"),
        html.Div(id=f"{P}-action-result", className="mt-2"),
    ], className="mt-3")


@callback(Output(f"{P}-grid", "rowData"), Output(f"{P}-grid", "columnDefs"), Output(f"{P}-error", "children"),
          Input(fid("severity"), "value"), Input(fid("kind"), "value"), Input(fid("village"), "value"),
          Input(fid("state"), "value"), Input("shell-tick", "n_intervals"), Input(f"{P}-action-result", "children"),
          Input("shell-alert-done", "data"), Input("shell-commune", "data"), prevent_initial_call=True)
def update_list(severity, kind, village, state, _tick, _done, _done_elsewhere, xa):
    """The list again when a filter changes, every minute, after an action and when the commune changes
    (the layout drew the first one)."""
    return list_view(severity, kind, village, state, xa, current_lang())


def list_view(severity, kind, village, state, xa, lang: str) -> tuple:
    """(grid rows, grid columns, error) for the filters and the URL's commune, checked against the user here
    (a refused one: no rows, the reason). Grid cells are text: AG Grid renders no HTML in them."""
    try:
        commune = resolve_commune(xa)
        village = site.check_village(village, commune)
    except AppError as err:
        return [], [], error_alert(err, lang)
    df = alerts(severity if severity in SEVERITIES else None, kind if kind in KINDS else None, village,
                state if state in STATES else "active", commune=commune)
    rows = [{"id": int(r["id"]), "severity": t(f"severity.{r['severity']}", lang), "sev": r["severity"],
             "title": source_text(r["title_vi"] if lang == "vi" else r["title_en"]),
             "state": t(f"alert_state.{r['state']}", lang), "opened": fmt_datetime(r["opened_time"])}
            for r in records(df)]
    # four columns that read whole at 1366 px; village, value, rule and history are in the detail panel
    cols = [{"field": "severity", "headerName": t("alerts.severity", lang), "width": 118, "minWidth": 118,
             "suppressSizeToFit": True, "cellClass": "sev-cell",
             "cellClassRules": {f"sev-{s}": f"params.data.sev == '{s}'" for s in SEVERITIES}},
            {"field": "title", "headerName": t("alerts.col_title", lang), "flex": 1, "minWidth": 220, "wrapText": True,
             "autoHeight": True, "cellStyle": {"lineHeight": "1.35", "paddingTop": "6px", "paddingBottom": "6px"},
             "tooltipField": "title"},
            {"field": "state", "headerName": t("alerts.state", lang), "width": 132, "minWidth": 132,
             "suppressSizeToFit": True},
            {"field": "opened", "headerName": t("alerts.opened", lang), "width": 150, "minWidth": 150,
             "suppressSizeToFit": True}]
    return rows, cols, None


@callback(Output(f"{P}-selected", "data"), Input(f"{P}-grid", "selectedRows"), prevent_initial_call=True)
def select_alert(rows):
    row = rows[0] if isinstance(rows, list) and rows else None
    alert_id = alert_id_of(row.get("id")) if isinstance(row, dict) else None
    return alert_id if alert_id is not None else no_update


@callback(Output(f"{P}-detail", "children"), Input(f"{P}-selected", "data"), Input(f"{P}-action-result", "children"),
          prevent_initial_call=True)
def show_detail(alert_id, _done):
    """The opened alert again when another is picked or after an action (the layout drew the first one)."""
    return detail_view(alert_id, current_lang())


def detail_view(alert_id, lang: str):
    """One alert's summary and history; another commune's alert reads as unknown."""
    alert_id = alert_id_of(alert_id)
    if not alert_id:
        return t("alerts.pick", lang)
    alert = alert_by_id(int(alert_id))
    if alert is not None and not may_see(alert["commune_id"]):
        alert = None        # another commune's alert reads as unknown: its id is all the link carried
    hist = alert_history(int(alert_id))
    if alert is None or hist.empty:
        return t("alerts.error_unknown", lang, id=alert_id)
    items = []
    for r in records(hist):
        actor = t("alerts.rule", lang) if r["actor"] == "rule" else source_text(r["actor"])
        sev = t(f"severity.{r['severity_to']}", lang)
        items.append(html.Li([html.Span(fmt_datetime(r["time"]), className="muted"), " · ",
                              html.Strong(t(f"alerts.action.{r['action']}", lang)), f" · {sev} · ",
                              t("alerts.by", lang, who=actor), html.Div(source_text(r["note"], ""), className="small")]))
    rule = next((r for r in get_rules().rules if r.id == alert["rule_id"]), None)
    village = dict(village_options()).get(alert["village_id"]) if not is_missing(alert["village_id"]) else None
    return html.Div([alert_summary(alert, rule, village, lang), html.Ul(items, id=f"{P}-history")])


@callback(Output(f"{P}-ack", "disabled"), Output(f"{P}-resolve", "disabled"),
          Input(f"{P}-selected", "data"), Input(f"{P}-action-result", "children"), prevent_initial_call=True)
def enable_actions(alert_id, _done):
    """The buttons again when another alert is picked or after an action (the layout set them first)."""
    return action_state(alert_id)


def action_state(alert_id) -> tuple[bool, bool]:
    """(acknowledge disabled, resolve disabled). Nothing selected, nothing to act on: acknowledge only an
    open alert, resolve any unresolved one."""
    alert_id = alert_id_of(alert_id)
    alert = alert_by_id(alert_id) if alert_id is not None else None
    if alert is None or not may_see(alert["commune_id"]):
        return True, True
    return alert["state"] != "open", alert["state"] == "resolved"


@callback(Output(f"{P}-action-result", "children"), Input(f"{P}-ack", "n_clicks"), Input(f"{P}-resolve", "n_clicks"),
          State(f"{P}-selected", "data"), State(f"{P}-note", "value"), prevent_initial_call=True)
def act_on_alert(_ack, _resolve, alert_id, note):
    lang = current_lang()
    actor = current_actor()
    check(actor, "operator", "alert.action")     # a forged request from a viewer: 403, audited
    alert_id = alert_id_of(alert_id)
    if not alert_id:
        return dbc.Alert(t("alerts.pick", lang), color="warning")
    note = source_text(note, "", limit=2000)
    action = dash.ctx.triggered_id
    try:
        if action == f"{P}-ack":
            alert_commands.acknowledge(actor, alert_id, note)
            return dbc.Alert(t("alerts.done_ack", lang, id=alert_id), color="success")
        alert_commands.resolve(actor, alert_id, note)
        return dbc.Alert(t("alerts.done_resolve", lang, id=alert_id), color="success")
    except TransitionError as err:
        return error_alert(err, lang)

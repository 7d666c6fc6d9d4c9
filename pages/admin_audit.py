"""Nhật ký truy cập — the audit log for administrators: who did what, when, from where, allowed or not;
filtered by person, action, outcome and period, exported as CSV (formula-safe cells, /admin/audit.csv)."""
from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from auth.context import can, current_actor
from commands.audit import DAYS, OUTCOMES, audit_rows
from commands.base import check
from components.grid import list_grid
from components.page import card, page_header
from core.formatting import fmt_datetime
from core.i18n import t
from layouts.context import current_lang

dash.register_page(__name__, path="/admin/audit", nav="audit", nav_role="administrator", nav_menu="user", order=20, title="Nhật ký – Bộ não số")
P = "adm-audit"


def layout(**_):
    lang = current_lang()
    if not can("administrator"):
        return html.Div([page_header(t("audit.title", lang)), dbc.Alert(t("auth.forbidden", lang), color="warning")])
    return html.Div([
        page_header(t("audit.title", lang)),
        html.Div([
            dbc.Input(id=f"{P}-who", placeholder=t("audit.search_who", lang), maxLength=100, debounce=True, size="sm"),
            dbc.Input(id=f"{P}-action", placeholder=t("audit.search_action", lang), maxLength=64, debounce=True, size="sm"),
            dbc.Select(id=f"{P}-outcome", options=[{"label": t("filter.all", lang), "value": ""}] +
                       [{"label": t(f"audit.outcome.{o}", lang), "value": o} for o in OUTCOMES], value="", size="sm"),
            dbc.Select(id=f"{P}-days", options=[{"label": t("common.days", lang) + f": {d}", "value": str(d)} for d in DAYS],
                       value="7", size="sm"),
            html.A([html.I(className="bi bi-download me-1"), t("common.export_csv", lang)], id=f"{P}-csv",
                   href="/admin/audit.csv", className="btn btn-sm btn-outline-primary"),
        ], className="filter-bar"),
        card(t("audit.title", lang), list_grid(f"{P}-grid", lang, 25, "36rem")),
    ])


@callback(Output(f"{P}-grid", "rowData"), Output(f"{P}-grid", "columnDefs"), Output(f"{P}-csv", "href"),
          Input(f"{P}-who", "value"), Input(f"{P}-action", "value"), Input(f"{P}-outcome", "value"),
          Input(f"{P}-days", "value"))
def update_audit(who, action, outcome, days):
    check(current_actor(), "administrator", "audit.read")
    lang = current_lang()
    rows = [{**r, "time": fmt_datetime(int(r["t"])), "outcome": t(f"audit.outcome.{r['outcome']}", lang),
             "ip": r["ip"] or "", "detail": r["detail"] or "", "target": r["target"] or "", "role": r["role"] or ""}
            for r in audit_rows(current_actor(), who, action, outcome, days)]
    cols = [{"field": "time", "headerName": t("common.time", lang), "minWidth": 150, "maxWidth": 170},
            {"field": "actor", "headerName": t("audit.who", lang), "minWidth": 120},
            {"field": "role", "headerName": t("audit.role", lang), "maxWidth": 120},
            {"field": "action", "headerName": t("audit.action", lang), "minWidth": 140},
            {"field": "target", "headerName": t("audit.target", lang), "minWidth": 120},
            {"field": "outcome", "headerName": t("audit.outcome", lang), "maxWidth": 140},
            {"field": "ip", "headerName": t("audit.ip", lang), "maxWidth": 130},
            {"field": "detail", "headerName": t("audit.detail", lang), "flex": 2, "minWidth": 160}]
    query = {k: v for k, v in (("who", who), ("action", action), ("outcome", outcome), ("days", days))
             if isinstance(v, str) and v}
    return rows, cols, "/admin/audit.csv" + ("?" + urlencode(query) if query else "")

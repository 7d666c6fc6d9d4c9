"""Dữ liệu — every source's health (last success, lag, records, rejects and why), and the upload form
for indicator CSV/XLSX: preview and errors per row first, nothing stored until the user confirms.

Of the URL's commune (?xa=, through the shell's store, resolved for the user on the server): its own
sources and the city-wide ones, with their rejects and unmapped datastreams (queries/health.py)."""
from __future__ import annotations

import base64
import binascii
import math

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from components.crosschecks import crosscheck_table
from components.rejects import reason_cell, reason_text, reject_kind_text
from components.page import card, page_header
from auth.communes import resolve_commune
from auth.context import can, current_actor
from commands import uploads
from commands.base import check
from components.errors import error_alert
from core.errors import BadParam
from core.formatting import fmt_datetime, fmt_number, is_missing, text_or
from core.i18n import TABLE, t
from core.settings import get_settings
from core.text import source_text
from layouts.context import current_lang
from layouts.panel_view import first_answer
from queries import crosschecks, health
from queries.base import records

dash.register_page(__name__, path="/data", order=8, nav="data", title="Dữ liệu – Bộ não số")
P = "data"
MAX_UPLOAD = 20_000_000


def layout(xa: str | None = None, **_):
    """The page with every table already drawn for the URL's commune (checked against the user by the same
    functions the callbacks call: a refused one is said where they say it): a first visit waits for no
    callback; the callbacks redraw them every minute, after an upload and when the commune changes."""
    lang = current_lang()
    (health_now, rejects_now, recent_now), problem = first_answer(health_view, (None, None, None), xa, lang)
    (checks_now,), checks_problem = first_answer(lambda: (checks_view(xa, lang),), (None,))
    (unmapped_now,), unmapped_problem = first_answer(lambda: (unmapped_view(xa, lang),), (None,))
    return html.Div([
        page_header(t("data.title", lang)),
        card(t("data.health", lang), html.Div(problem or health_now, id=f"{P}-health")),
        card(t("xcheck.title", lang), html.Div(checks_problem or checks_now, id=f"{P}-checks")),
        html.Div([card(t("data.rejects", lang), html.Div(rejects_now, id=f"{P}-rejects", className="list-scroll")),
                  card(t("data.recent", lang), html.Div(recent_now, id=f"{P}-recent", className="list-scroll"))],
                 className="grid-2"),
        card(t("data.unmapped", lang), html.Div(unmapped_problem or unmapped_now, id=f"{P}-unmapped")),
        _upload_card(lang) if can("operator") else html.Div(id=f"{P}-stored"),
    ])


def _upload_card(lang: str):
    """The upload form, for operators and administrators only (the commands check again)."""
    return card(t("data.upload", lang), html.Div([
            dcc.Upload(id=f"{P}-upload", children=html.Div([html.I(className="bi bi-upload me-2"), t("data.drop", lang)]),
                       accept=".csv,.xlsx", max_size=MAX_UPLOAD, multiple=False,
                       style={"border": "2px dashed var(--bs-border-color)", "borderRadius": ".5rem",
                              "padding": "1.2rem", "textAlign": "center", "cursor": "pointer"}),
            html.Div(t("data.nothing_stored", lang), className="muted mt-1"),
            html.Div(id=f"{P}-preview", className="mt-2"),
            dbc.Button(id=f"{P}-confirm", color="primary", className="mt-2", style={"display": "none"}),
            html.Div(id=f"{P}-stored", className="mt-2"),
        ]))


def _when(ts) -> str:
    return "—" if is_missing(ts) else fmt_datetime(ts)


def _lag(seconds, lang: str) -> str:
    if is_missing(seconds):
        return "—"
    return t("unit.minutes", lang, n=fmt_number(seconds / 60, lang, 0)) if seconds < 5400 else \
        t("unit.hours", lang, n=fmt_number(seconds / 3600, lang, 1))


def _push_link(r: dict, lang: str) -> html.Div:
    """A push link (SensorThings MQTT) is not polled: say since when it is connected and what came last."""
    lines = []
    if not is_missing(r.get("connected_since_time")):
        lines.append(html.Div(t("data.push_since", lang, when=_when(r["connected_since_time"]))))
    if not is_missing(r.get("last_message_time")):
        lag = r.get("push_lag_ms")
        lines.append(html.Div(t("data.push_last", lang, when=_when(r["last_message_time"]),
                                n=fmt_number(r.get("messages") or 0, lang, 0),
                                ms="—" if is_missing(lag) else fmt_number(lag, lang, 0))))
    return html.Div(lines, className="muted small")


@callback(Output(f"{P}-health", "children"), Output(f"{P}-rejects", "children"), Output(f"{P}-recent", "children"),
          Input("shell-tick", "n_intervals"), Input(f"{P}-stored", "children"), Input("shell-commune", "data"),
          prevent_initial_call=True)
def update_health(_tick, _stored, xa=None):
    """Every minute, after an upload and when the commune changes (the layout drew the first ones)."""
    return health_view(xa, current_lang())


def health_view(xa, lang: str) -> tuple:
    """(sources' health, rejects by reason, recent rejects) of the URL's commune, checked against the user
    here (a refused one: the reason, and nothing of it). Dash renders every source string as text."""
    try:
        commune = resolve_commune(xa)
    except BadParam as err:      # nothing of a commune the user may not see
        return error_alert(err, lang), None, None
    src = health.sources(commune=commune)
    badge = {"ok": "badge-ok", "late": "badge-late", "stale": "badge-stale", "down": "badge-down", "never": "badge-stale"}
    head = html.Tr([html.Th(t(f"col.{c}", lang)) for c in ("source", "protocol", "state", "last_success", "down_since",
                                                         "lag", "records", "rejected", "last_error")])
    rows = []
    for r in records(src):
        state = html.Span(t(f"state.{r['state']}", lang), className=badge.get(r["state"], "badge-stale"))
        every = html.Div(t("data.poll_every", lang, n=fmt_number(r["poll_interval_s"], lang, 0)), className="muted small") \
            if not r.get("push") else _push_link(r, lang)
        sim = html.Span(t("common.simulated", lang), className="badge-sim ms-1") if r["simulated"] else None
        rows.append(html.Tr([html.Td([html.Strong(r["source"]), sim, html.Div(text_or(r["url"]), className="muted small")]),
                             html.Td(text_or(r["protocol"])), html.Td([state, every]), html.Td(_when(r["last_success_time"])),
                             html.Td(_when(r["down_since_time"])), html.Td(_lag(r["lag_s"], lang)),
                             html.Td(fmt_number(r["stored_total"], lang, 0)), html.Td(fmt_number(r["rejected_total"], lang, 0)),
                             html.Td(html.Small(text_or(r["last_error"])[:160]))]))
    table = html.Div(html.Table([html.Thead(head), html.Tbody(rows)], className="table table-sm table-compact"),
                     className="table-responsive") if rows else html.Div(t("common.no_data", lang), className="muted")
    rej = health.rejects_by_reason(commune=commune)
    rej_table = html.Table([html.Thead(html.Tr([html.Th(t(f"col.{c}", lang)) for c in ("source", "kind", "reason", "count", "time")])),
                            html.Tbody([html.Tr([html.Td(r["source"]), html.Td(reject_kind_text(r["kind"], lang)),
                                                 html.Td(reason_cell(r["reason"], lang)),
                                                 html.Td(fmt_number(r["count"], lang, 0)), html.Td(_when(r["last_time"]))])
                                        for r in records(rej)])], className="table table-sm table-compact") \
        if not rej.empty else html.Div(t("common.no_data", lang), className="muted")
    rec = health.recent_rejects(50, commune=commune)
    rec_list = html.Ul([html.Li([html.Span(_when(r["time"]), className="muted"),
                                 f" {r['source']} · {reject_kind_text(r['kind'], lang)} · ",
                                 html.Strong(reason_text(r["reason"], lang)),
                                 html.Details([html.Summary(t("data.technical", lang), className="muted"),
                                               html.Div([html.Code(text_or(r["reason"])), " · ", text_or(r["detail"])]),
                                               html.Code(text_or(r["excerpt"])[:200], className="text-break")],
                                              className="small")])
                        for r in records(rec)], className="small") if not rec.empty else \
        html.Div(t("common.no_data", lang), className="muted")
    return table, rej_table, rec_list


@callback(Output(f"{P}-checks", "children"), Input("shell-tick", "n_intervals"), Input(f"{P}-stored", "children"),
          Input("shell-commune", "data"), prevent_initial_call=True)
def update_crosschecks(_tick, _stored, xa):
    return checks_view(xa, current_lang())


def checks_view(xa, lang: str):
    """The cross-checks' findings of the URL's commune, checked against the user (another commune's
    devices and indicators are not shown to a user who may not see them)."""
    try:
        commune = resolve_commune(xa)
    except BadParam as err:
        return error_alert(err, lang)
    # None: nothing migrated yet, no commune to keep apart
    return crosscheck_table(crosschecks.findings_for(commune) if commune else crosschecks.findings(), lang)


@callback(Output(f"{P}-unmapped", "children"), Input("shell-tick", "n_intervals"), Input("shell-commune", "data"),
          prevent_initial_call=True)
def update_unmapped(_tick, xa=None):
    return unmapped_view(xa, current_lang())


def unmapped_view(xa, lang: str):
    """Datastreams the server has and the dashboard cannot place, with the site-file line that maps
    them. Every string here comes from the server: Dash renders it as text, never as HTML."""
    try:
        commune = resolve_commune(xa)
    except BadParam as err:
        return error_alert(err, lang)
    df = health.unmapped_datastreams(commune=commune)
    if df.empty:
        return html.Div(t("data.unmapped_none", lang), className="muted")
    head = html.Tr([html.Th(t(f"col.{c}", lang)) for c in ("thing", "property", "unit", "samples", "since", "reason",
                                                         "site_line")])
    rows = []
    for r in records(df):
        samples = r["samples"] if isinstance(r["samples"], list) else []
        prop = [html.Div(r["property_name"] if isinstance(r["property_name"], str) else "—")]
        if isinstance(r["definition"], str):
            prop.append(html.Div(r["definition"], className="muted small text-break"))
        rows.append(html.Tr([
            html.Td([html.Div(r["thing_name"]), html.Div(f"Datastream {r['datastream_id']}", className="muted small")]),
            html.Td(prop), html.Td(r["unit"] if isinstance(r["unit"], str) else "—"),
            html.Td(" · ".join(_sample(v, lang) for _t, v in samples[:5]) or "—"),
            html.Td(_when(r["since_time"])),
            html.Td(t(f"unmapped.{r['reason']}", lang) if f"unmapped.{r['reason']}" in _REASONS else r["reason"]),
            html.Td(html.Code(r["yaml_line"], className="small text-break"))]))
    hint = html.Div(t("data.unmapped_hint", lang, path=str(get_settings().site_file)), className="muted small mb-1")
    return html.Div([hint, html.Div(html.Table([html.Thead(head), html.Tbody(rows)],
                                               className="table table-sm table-compact"),
                                    className="table-responsive")])


_REASONS = {k for k in TABLE if k.startswith("unmapped.")}


def _sample(text: str, lang: str) -> str:
    """A sample result as the viewer writes numbers (13,18 in Vietnamese); anything else as it came."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return str(text)
    if not math.isfinite(value):
        return str(text)
    decimals = len(str(text).partition(".")[2]) if "e" not in str(text).lower() else 3
    return fmt_number(value, lang, min(decimals, 6))


def _decode(contents: str | None) -> bytes | None:
    if not contents or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


@callback(Output(f"{P}-preview", "children"), Output(f"{P}-confirm", "children"), Output(f"{P}-confirm", "style"),
          Output(f"{P}-stored", "children", allow_duplicate=True),
          Input(f"{P}-upload", "contents"), State(f"{P}-upload", "filename"), prevent_initial_call=True)
def preview_upload(contents, filename):
    lang = current_lang()
    actor = current_actor()
    check(actor, "operator", "data.preview")
    filename = source_text(filename, "upload.csv", limit=200)
    content = _decode(contents)
    if content is None:
        return dbc.Alert(t("data.file_error", lang, detail="base64"), color="danger"), None, {"display": "none"}, None
    result = uploads.preview_indicators(actor, content, filename if isinstance(filename, str) else "upload.csv")
    if result["file_error"]:
        return dbc.Alert(t("data.file_error", lang, detail=result["file_error"]), color="danger"), None, \
            {"display": "none"}, None
    cols = ("indicator", "scope", "period", "value")
    preview = html.Table([html.Thead(html.Tr([html.Th(t(f"col.{c}", lang)) for c in cols])),
                          html.Tbody([html.Tr([html.Td(fmt_number(r[c], lang, 2) if c == "value" else r[c]) for c in cols])
                                      for r in result["preview"]])], className="table table-sm table-compact")
    errors = html.Table([html.Thead(html.Tr([html.Th(t("col.row", lang)), html.Th(t("col.reason", lang)),
                                             html.Th(t("col.detail", lang))])),
                         html.Tbody([html.Tr([html.Td(e["row"] or "—"), html.Td(reason_cell(e["reason"], lang)), html.Td(source_text(e["detail"], ""))])
                                     for e in result["errors"]])], className="table table-sm table-compact text-danger") \
        if result["errors"] else None
    head = html.Div([t("data.preview", lang, valid=result["valid"], bad=result["rejected"]),
                     html.Div(t("data.duplicates", lang, n=result["duplicates"]), className="text-warning small")
                     if result.get("duplicates") else None], className="fw-semibold")
    show = {"display": "inline-block"} if result["valid"] else {"display": "none"}
    return html.Div([head, preview, errors]), t("data.confirm", lang, n=result["valid"]), show, None


@callback(Output(f"{P}-stored", "children"), Output(f"{P}-confirm", "style", allow_duplicate=True),
          Input(f"{P}-confirm", "n_clicks"), State(f"{P}-upload", "contents"), State(f"{P}-upload", "filename"),
          prevent_initial_call=True)
def confirm_upload(n, contents, filename):
    lang = current_lang()
    actor = current_actor()
    check(actor, "operator", "data.import")
    filename = source_text(filename, "upload.csv", limit=200)
    content = _decode(contents)
    if not n or content is None:
        return no_update, no_update
    result = uploads.import_indicators(actor, content, filename if isinstance(filename, str) else "upload.csv")
    return dbc.Alert(t("data.stored", lang, n=result.get("stored", 0), u=result.get("updated", 0)), color="success"), \
        {"display": "none"}

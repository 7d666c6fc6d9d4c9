"""Giao ban tuần — the weekly meeting on a projector: last week's decisions and their follow-up, then
pillar by pillar the week's key figures against last week and the 4-week average, then what needs a
decision, then the record (notes, decisions, freezing the figures). One screen at a time, walked with
the arrow keys (assets/40_meeting.js) or the buttons; `?week=2026-W47` picks the week (default: the
last full week, Monday–Sunday, Asia/Ho_Chi_Minh); `?xa=<commune>` the commune whose meeting it is (each
commune holds its own; default: the user's first).

The commune is resolved on the server in the layout and again in every callback
(auth.communes.resolve_commune), from the page's store: a user of one commune can neither read nor write
another commune's meeting by forging that value.

Once the week's figures are frozen the page shows the snapshot, not live data: what was decided on
stays what was shown. Writes go through commands.meetings with the acting user from
components.acting_user."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from auth.communes import resolve_commune
from commands import meetings as commands
from components.acting_user import acting_user, user_field
from components.errors import error_alert
from components.meeting import decisions_table, figures_grid, needs_lists
from core.errors import AppError, BadParam
from core.formatting import fmt_date, fmt_datetime
from core.i18n import t
from domain.weeks import (is_complete, last_full_week, local_today, monday_of, parse_week, week_days, week_label,
                          week_title)
from layouts.context import current_lang
from layouts.panel_view import slot
from panels.week import AGENDA, week_figures, week_filters
from queries import meetings
from store.engine import get_engine

dash.register_page(__name__, path="/meeting", order=6, nav="meeting", title="Giao ban tuần – Bộ não số")
P = "mtg"
STEPS = ("followup", *(pillar for pillar, _, _ in AGENDA), "needs", "record")


def _monday(week: str | None) -> date:
    """The week a callback is about (from the page's store): a bad value falls back to the default."""
    try:
        return parse_week(week)
    except BadParam:
        return last_full_week()


def _commune(value) -> str | None:
    """The commune a callback acts for, checked for this user (CommuneForbidden, a BadParam, if not)."""
    return resolve_commune(value if isinstance(value, str) else None)


def _href(week: str, commune: str | None) -> str:
    return f"/meeting?week={week}" + (f"&xa={quote(commune, safe='')}" if commune else "")


def _step_label(step: str, lang: str) -> str:
    return t(f"meeting.step.{step}", lang) if step in ("followup", "needs", "record") else t(f"pillar.{step}", lang)


def _error(err: AppError, lang: str):
    """A refused write, with the field named in the viewer's language."""
    if "field" in err.values:
        err = type(err)(err.key, **{**err.values, "field": t(f"meeting.field.{err.values['field']}", lang)})
    return error_alert(err, lang)


def layout(week: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)  # another commune's meeting is refused (the page gate says why)
    monday = parse_week(week)      # a bad week is refused by the page gate, which shows the default
    label = week_label(monday)
    first, last = week_days(monday)
    this_monday = monday_of(local_today())
    prev_week = week_label(monday - timedelta(days=7))
    next_link = (dcc.Link(f"{t('meeting.next_week', lang)} ›", href=_href(week_label(monday + timedelta(days=7)), commune),
                          className="btn btn-outline-secondary", id=f"{P}-next-week")
                 if monday < this_monday else None)
    header = html.Div([
        html.Div([
            html.H1(t("meeting.title", lang, week=week_title(label)), className="page-title mtg-title"),
            html.Div([t("meeting.days", lang, start=fmt_date(first), end=fmt_date(last)),
                      html.Span(f" · {t('meeting.not_over', lang)}", className="trend-bad") if not is_complete(monday) else None],
                     className="mtg-days"),
            html.Div(id=f"{P}-frozen-badge", className="mtg-frozen-badge"),
        ]),
        html.Div([
            dcc.Link(f"‹ {t('meeting.prev_week', lang)}", href=_href(prev_week, commune), className="btn btn-outline-secondary",
                     id=f"{P}-prev-week"),
            dcc.Dropdown(id=f"{P}-week-pick", options=_week_options(this_monday, monday, lang), value=label,
                         clearable=False, searchable=True, className="mtg-week-pick"),
            next_link,
        ], className="mtg-week-nav"),
        user_field(f"{P}-user", lang),
    ], className="mtg-header")
    agenda = html.Div([
        html.Button("‹", id=f"{P}-prev", className="btn btn-outline-primary mtg-step-btn", title=t("meeting.prev", lang),
                    **{"aria-label": t("meeting.prev", lang)}),
        html.Nav([html.Button(f"{i + 1}. {_step_label(s, lang)}", id={"type": f"{P}-goto", "n": i},
                              className="mtg-goto" + (" active" if i == 0 else ""))
                  for i, s in enumerate(STEPS)], className="mtg-agenda"),
        html.Button("›", id=f"{P}-next", className="btn btn-outline-primary mtg-step-btn", title=t("meeting.next", lang),
                    **{"aria-label": t("meeting.next", lang)}),
        html.Span(t("meeting.keys_hint", lang), className="mtg-hint"),
    ], className="mtg-agenda-bar")
    return html.Div([
        dcc.Store(id=f"{P}-week", data=label),
        dcc.Store(id=f"{P}-commune", data=commune),
        dcc.Store(id=f"{P}-step", data=0),
        dcc.Store(id=f"{P}-done", data=0),
        dcc.Store(id=f"{P}-week-nav"),
        header, agenda,
        html.Div([_screen(i, step, monday, lang, commune) for i, step in enumerate(STEPS)], className="mtg-screens"),
    ], className="mtg-page", id=f"{P}-page")


def _week_options(this_monday: date, chosen: date, lang: str, weeks: int = 53) -> list[dict]:
    """The weeks to pick from, newest first: this (unfinished) week and a year back, plus the chosen one."""
    mondays = sorted({this_monday - timedelta(days=7 * i) for i in range(weeks)} | {chosen}, reverse=True)
    return [{"label": f"{week_title(week_label(m))} · {fmt_date(m)}–{fmt_date(m + timedelta(days=6))}",
             "value": week_label(m)} for m in mondays]


def _screen(i: int, step: str, monday: date, lang: str, commune: str | None = None) -> html.Section:
    title = html.H2(f"{i + 1}. {_step_label(step, lang)}", className="mtg-screen-title")
    if step == "followup":
        body = [html.Div(t("meeting.followup_of", lang, week=week_title(week_label(monday - timedelta(days=7)))), className="mtg-sub"),
                html.Div(id=f"{P}-followup"), html.Div(id=f"{P}-follow-result"),
                # the follow-up buttons are drawn per decision by a callback; this hidden one gives their id
                # pattern a member from the start, so the layout declares every id a callback listens to
                html.Button(id={"type": f"{P}-follow", "id": 0, "to": "done"}, hidden=True, disabled=True)]
    elif step == "needs":
        body = [html.Div(id=f"{P}-needs")]
    elif step == "record":
        body = [_record_form(lang)]
    else:
        chart = next(c for p, _, c in AGENDA if p == step)
        body = [html.Div(id={"type": f"{P}-figures", "pillar": step}),
                html.Div([slot(chart, week_filters(monday, commune).as_dict(), n=80 + i, size="page"),
                          html.Div(t("meeting.chart_live", lang), className="muted small")], className="mtg-chart")
                if chart else None]
    return html.Section([title, *body], id={"type": f"{P}-screen", "n": i},
                        className="mtg-screen" + (" active" if i == 0 else ""), **{"data-step": step})


def _record_form(lang: str) -> html.Div:
    return html.Div([
        html.Div([
            html.H3(t("meeting.decisions", lang)),
            html.Div(id=f"{P}-decisions"),
            html.Div([
                html.Label(t("meeting.col.who", lang), htmlFor=f"{P}-who", className="visually-hidden"),
                dbc.Input(id=f"{P}-who", type="text", maxLength=100, placeholder=t("meeting.col.who", lang)),
                dcc.DatePickerSingle(id=f"{P}-due", display_format="DD/MM/YYYY", first_day_of_week=1,
                                     placeholder=t("meeting.col.due", lang), date=(local_today() + timedelta(days=7)).isoformat()),
                html.Label(t("meeting.col.what", lang), htmlFor=f"{P}-what", className="visually-hidden"),
                dbc.Input(id=f"{P}-what", type="text", maxLength=500, placeholder=t("meeting.col.what", lang)),
                dbc.Button(t("meeting.add_decision", lang), id=f"{P}-add", color="primary", size="lg"),
            ], className="mtg-decision-form"),
            html.Div(id=f"{P}-add-result"),
        ], className="mtg-record-block"),
        html.Div([
            html.H3(t("meeting.notes", lang)),
            dbc.Textarea(id=f"{P}-notes", maxLength=10_000, rows=5),
            dbc.Button(t("meeting.save_notes", lang), id=f"{P}-save-notes", color="secondary", size="lg", className="mt-2"),
            html.Div(id=f"{P}-notes-result"),
            html.H3(t("meeting.freeze", lang), className="mt-3"),
            html.Div(t("meeting.freeze_help", lang), className="muted"),
            dbc.Button(t("meeting.freeze", lang), id=f"{P}-freeze", color="warning", size="lg", className="mt-2"),
            html.Div(id=f"{P}-freeze-result"),
        ], className="mtg-record-block"),
    ], className="mtg-record")


# Picking another week opens it (the page is laid out for that week: its charts, its record).
clientside_callback(
    """function (week, current, commune) {
        if (week && week !== current) {
            window.location.assign('/meeting?week=' + encodeURIComponent(week)
                                   + (commune ? '&xa=' + encodeURIComponent(commune) : ''));
        }
        return window.dash_clientside.no_update;
    }""",
    Output(f"{P}-week-nav", "data"), Input(f"{P}-week-pick", "value"), State(f"{P}-week", "data"),
    State(f"{P}-commune", "data"),
    prevent_initial_call=True)


# --- walking the agenda (in the browser: no server round trip per step) ------------------------------------

clientside_callback(
    """function (_p, _n, _g, step, ids) {
        const trig = dash_clientside.callback_context.triggered_id;
        const last = ids.length - 1;
        let s = step || 0;
        if (trig === 'mtg-prev') { s = Math.max(0, s - 1); }
        else if (trig === 'mtg-next') { s = Math.min(last, s + 1); }
        else if (trig && typeof trig === 'object' && trig.type === 'mtg-goto') { s = trig.n; }
        return s;
    }""",
    Output(f"{P}-step", "data"), Input(f"{P}-prev", "n_clicks"), Input(f"{P}-next", "n_clicks"),
    Input({"type": f"{P}-goto", "n": ALL}, "n_clicks"), State(f"{P}-step", "data"),
    State({"type": f"{P}-goto", "n": ALL}, "id"), prevent_initial_call=True)

clientside_callback(
    """function (step, ids) {
        // charts drawn while hidden take their size when shown
        setTimeout(() => window.dispatchEvent(new Event('resize')), 50);
        window.scrollTo(0, 0);
        return [ids.map(id => id.n === step ? 'mtg-screen active' : 'mtg-screen'),
                ids.map(id => id.n === step ? 'mtg-goto active' : 'mtg-goto')];
    }""",
    Output({"type": f"{P}-screen", "n": ALL}, "className"), Output({"type": f"{P}-goto", "n": ALL}, "className"),
    Input(f"{P}-step", "data"), State({"type": f"{P}-screen", "n": ALL}, "id"))


# --- reading ---------------------------------------------------------------------------------------------

def shown_figures(monday: date, commune: str | None = None) -> tuple[dict, dict | None]:
    """The figures the commune's meeting shows: the frozen snapshot once there is one, else the live week."""
    record = meetings.meeting_record(monday, commune)
    if record and record.get("snapshot"):
        return record["snapshot"], record
    return week_figures(monday, commune), record


@callback(Output({"type": f"{P}-figures", "pillar": ALL}, "children"), Output(f"{P}-frozen-badge", "children"),
          Input(f"{P}-week", "data"), Input(f"{P}-done", "data"),
          State({"type": f"{P}-figures", "pillar": ALL}, "id"), State(f"{P}-commune", "data"))
def update_figures(week, _done, ids, commune=None):
    lang = current_lang()
    monday = _monday(week)
    try:
        commune = _commune(commune)
        figures, record = shown_figures(monday, commune)
    except BadParam as err:
        return [None for _ in ids], error_alert(err, lang)
    by_pillar = {p["pillar"]: p for p in figures.get("pillars", [])}
    label = figures.get("week", week_label(monday))
    out = [figures_grid(by_pillar.get(i["pillar"], {}), lang, label, commune) for i in ids]
    if record and record.get("frozen_t"):
        badge = html.Span(t("meeting.frozen", lang, time=fmt_datetime(record["frozen_t"]), user=record["frozen_by"]),
                          className="badge mtg-badge frozen", id=f"{P}-is-frozen")
    else:
        badge = dbc.Badge(t("meeting.live", lang), color="secondary", className="mtg-badge")
    return out, badge


@callback(Output(f"{P}-followup", "children"), Input(f"{P}-week", "data"), Input(f"{P}-done", "data"),
          State(f"{P}-commune", "data"))
def update_followup(week, _done, commune=None):
    monday, lang = _monday(week), current_lang()
    try:
        commune = _commune(commune)
    except BadParam as err:
        return error_alert(err, lang)
    return decisions_table(meetings.decisions(monday - timedelta(days=7), commune=commune), lang, followable=True)


@callback(Output(f"{P}-needs", "children"), Input(f"{P}-week", "data"), State(f"{P}-commune", "data"))
def update_needs(week, commune=None):
    lang = current_lang()
    try:
        commune = _commune(commune)
    except BadParam as err:
        return error_alert(err, lang)
    return needs_lists(meetings.needs_decision(_monday(week), commune=commune), lang, meetings.DOWN_LONG_S // 3600,
                       commune=commune)


@callback(Output(f"{P}-decisions", "children"), Output(f"{P}-freeze", "disabled"), Input(f"{P}-week", "data"),
          Input(f"{P}-done", "data"), State(f"{P}-commune", "data"))
def update_record(week, _done, commune=None):
    monday, lang = _monday(week), current_lang()
    try:
        commune = _commune(commune)
    except BadParam as err:
        return error_alert(err, lang), True
    record = meetings.meeting_record(monday, commune)
    return (decisions_table(meetings.decisions(monday, commune=commune), lang, followable=False),
            bool(record and record.get("frozen_t")))


@callback(Output(f"{P}-notes", "value"), Input(f"{P}-week", "data"), State(f"{P}-commune", "data"))
def load_notes(week, commune=None):
    try:
        record = meetings.meeting_record(_monday(week), _commune(commune))
    except BadParam:
        return ""          # the other callbacks say why
    return (record or {}).get("notes") or ""


# --- writing (through commands.meetings, as the acting user) ---------------------------------------------

def _done_value(done) -> int:
    return (done if isinstance(done, int) else 0) + 1


@callback(Output(f"{P}-notes-result", "children"), Output(f"{P}-done", "data", allow_duplicate=True),
          Input(f"{P}-save-notes", "n_clicks"), State(f"{P}-week", "data"), State(f"{P}-user", "value"),
          State(f"{P}-notes", "value"), State(f"{P}-done", "data"), State(f"{P}-commune", "data"),
          prevent_initial_call=True)
def save_notes(_n, week, user, notes, done, commune=None):
    lang = current_lang()
    try:
        commands.save_notes(get_engine(), parse_week(week), acting_user(user), notes or "", commune=_commune(commune))
    except AppError as err:
        return _error(err, lang), no_update
    return dbc.Alert(t("meeting.notes_saved", lang), color="success", className="mt-2"), _done_value(done)


@callback(Output(f"{P}-add-result", "children"), Output(f"{P}-done", "data", allow_duplicate=True),
          Output(f"{P}-what", "value"),
          Input(f"{P}-add", "n_clicks"), State(f"{P}-week", "data"), State(f"{P}-user", "value"),
          State(f"{P}-who", "value"), State(f"{P}-what", "value"), State(f"{P}-due", "date"), State(f"{P}-done", "data"),
          State(f"{P}-commune", "data"), prevent_initial_call=True)
def add_decision(_n, week, user, who, what, due, done, commune=None):
    lang = current_lang()
    try:
        commands.add_decision(get_engine(), parse_week(week), acting_user(user), who, what, due,
                              commune=_commune(commune))
    except AppError as err:
        return _error(err, lang), no_update, no_update
    return (dbc.Alert(t("meeting.decision_added", lang), color="success", className="mt-2", id=f"{P}-added"),
            _done_value(done), "")


@callback(Output(f"{P}-freeze-result", "children"), Output(f"{P}-done", "data", allow_duplicate=True),
          Input(f"{P}-freeze", "n_clicks"), State(f"{P}-week", "data"), State(f"{P}-user", "value"),
          State(f"{P}-done", "data"), State(f"{P}-commune", "data"), prevent_initial_call=True)
def freeze_figures(_n, week, user, done, commune=None):
    lang = current_lang()
    try:
        monday = parse_week(week)
        name = acting_user(user)
        if not name:     # refuse before computing the figures
            raise commands.MeetingError("meeting.error_required", field="user")
        commune = _commune(commune)
        commands.freeze(get_engine(), monday, name, week_figures(monday, commune), commune=commune)
    except AppError as err:
        return _error(err, lang), no_update
    return dbc.Alert(t("meeting.frozen_done", lang), color="success", className="mt-2", id=f"{P}-froze"), _done_value(done)


@callback(Output(f"{P}-follow-result", "children"), Output(f"{P}-done", "data", allow_duplicate=True),
          Input({"type": f"{P}-follow", "id": ALL, "to": ALL}, "n_clicks"), State(f"{P}-user", "value"),
          State(f"{P}-done", "data"), State(f"{P}-commune", "data"), prevent_initial_call=True)
def follow_decision(clicks, user, done, commune=None):
    lang = current_lang()
    trig = ctx.triggered_id
    if not isinstance(trig, dict) or not any(clicks or []) or not ctx.triggered or not ctx.triggered[0].get("value"):
        return no_update, no_update     # the buttons were redrawn, not clicked
    try:
        commands.follow_up(get_engine(), trig.get("id"), acting_user(user), trig.get("to"), commune=_commune(commune))
    except AppError as err:
        return _error(err, lang), no_update
    return dbc.Alert(t("meeting.followed", lang, id=trig.get("id")), color="success", className="mt-2"), _done_value(done)

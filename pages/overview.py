"""Tổng quan — the digital brain at a glance: the three pillars plus environment and security, each
against last week and its target; every device on the map by state; open alerts; what changed."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import dash
from dash import Input, Output, State, callback, dcc, html

from auth.communes import resolve_commune
from auth.context import can
from components.errors import error_alert
from core.errors import BadParam
from components.alert_actions import alert_popup, open_alerts_by_device
from components.map import (DEVICE_KINDS, STATE_COLOURS, feature, kind_label, page_map, popup_html, reading_lines,
                            readings_by_device)
from components.page import card, only_changed, page_header
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from core.text import source_text
from domain.flood import relative_text
from layouts.context import current_lang
from layouts.panel_view import first_answer, slot
from alerts.queries import counts_by_severity, open_alerts
from queries import events, health, indicators, kpis, readings, reports
from queries.base import records
from queries.cache import memoize

dash.register_page(__name__, path="/", order=0, nav="overview", title="Tổng quan – Bộ não số")
P = "ov"
KINDS = DEVICE_KINDS


def layout(xa: str | None = None, **_):
    """The page with its pillars, map markers, open alerts and changes already drawn for the URL's commune
    (in a request): a first visit waits for no callback. The three callbacks below only refresh (the tick,
    an alert action, another commune), and their `-seen` stores start with what the layout drew, so a
    refresh that brings nothing new sends nothing."""
    lang = current_lang()
    commune = resolve_commune(xa)       # refused (another's, unknown): safe_layout says so, draws the default
    layers, alerts, changed = first_view(lang, commune)     # outside a request: nothing asked, all empty
    return html.Div([
        page_header(t("overview.title", lang)),
        dcc.Store(id=f"{P}-map-seen", data=layers.get("seen")),
        dcc.Store(id=f"{P}-alerts-seen", data=alerts[1]),
        dcc.Store(id=f"{P}-changes-seen", data=changed[1]),
        pillar_grid(lang, commune),
        html.Div([
            card(t("overview.map", lang), page_map(P, lang, [(f"layer-{k}", t(f"kind.{k}", lang), k != "loudspeaker",
                                                              k == "camera") for k in KINDS], drill_villages=False,
                                                     commune=commune, data=layers.get("features"))),
            html.Div([card(t("overview.alerts", lang), html.Div(alerts[0], id=f"{P}-alerts")),
                      card(t("overview.changes", lang), html.Div(changed[0], id=f"{P}-changes"))]),
        ], className="grid-2"),
    ])


def first_view(lang: str, commune: str | None) -> tuple[dict, tuple, tuple]:
    """What the three refresh callbacks would answer first, for a commune already resolved for this user:
    ({"features": layer key -> FeatureCollection, "seen": fingerprints}, (alert list, seen), (changes, seen)). A part
    that fails is logged with a reference and said in its card (the map stays empty); its `-seen` store
    stays empty, so the next refresh draws it again."""
    minute = int(time.time()) // 60

    def drawn(view, failed):
        values, problem = first_answer(view, None)
        if values is None:       # failed (said with its reference) or outside a request
            return failed(problem), None
        return list(values), only_changed(list(values), None)[-1]

    fcs, map_seen = drawn(lambda: device_layers(lang, minute, can("operator"), commune), lambda _problem: [])
    alerts, alerts_seen = drawn(lambda: [alert_list(lang, commune)], lambda problem: [problem])
    changed, changes_seen = drawn(lambda: [changes(lang, minute, commune)], lambda problem: [problem])
    layers = {"features": {f"layer-{k}": fc for k, fc in zip(KINDS, fcs)}, "seen": map_seen}
    return layers, (alerts[0], alerts_seen), (changed[0], changes_seen)


PILLARS = (
    ("government", ("gov.dossier_on_time", "gov.online_dossiers", "fb.reports_week", "fb.reports_overdue")),
    ("economy", ("eco.cashless", "eco.hightech_income", "env.pond_do_share")),
    ("society", ("soc.smartphones", "soc.wifi_online", "soc.cameras_online")),
    ("environment", ("env.aqi_now", "env.river_now", "env.rain_24h")),
    ("security", ("sec.events_week",)),
)


def pillar_grid(lang: str, commune: str | None = None) -> html.Div:
    """The commune at a glance: each pillar's panels, drawn with the layout for the URL's commune (which
    their slots keep) and refreshed by their own small callback."""
    scope = {"commune": commune} if commune else None
    def pillar(key, panel_ids):
        return html.Div([html.Div(t(f"pillar.{key}", lang), className="fw-semibold mb-1"),
                         html.Div([slot(pid, scope) for pid in panel_ids], className="kpi-grid pillar-cards")])
    blocks = [pillar(key, ids) for key, ids in PILLARS]
    return html.Div([html.Div(blocks[:2], className="grid-2"), html.Div(blocks[2:], className="grid-3")])


def device_features(states, lang: str, can_act: bool = False, commune: str | None = None) -> dict[str, list]:
    latest = readings_by_device(readings.latest(device_ids=tuple(states["id"]) if not states.empty else None))
    alerts_by_device = open_alerts_by_device(commune)
    by_kind: dict[str, list] = {}
    for d in records(states):
        if d["lat"] is None or d["lon"] is None or d["lat"] != d["lat"]:
            continue
        lines = [f"{kind_label(d['kind'], lang)} · {t('state.' + d['state'], lang) if d['state'] != 'none' else t('map.no_live_source', lang)}"]
        lines += reading_lines(latest.get(d["id"], []), lang, 6)
        dev = quote(str(d["id"]), safe="")
        link = {"camera": f"/security?camera={dev}", "wifi": "/digital?"}.get(d["kind"], f"/environment?station={dev}")
        if commune:     # the device's page, for its commune
            link += ("" if link.endswith("?") else "&") + f"xa={quote(commune, safe='')}"
        link = link.rstrip("?")
        # the operator goes from the marker straight to acknowledging or resolving its alert
        popup = popup_html(d["name"], lines, link, t("map.open_device", lang)) + alert_popup(alerts_by_device.get(d["id"]), lang, can_act)
        by_kind.setdefault(d["kind"], []).append(feature(
            d["lat"], d["lon"], id=d["id"], popup=popup,
            tooltip=d["name"], color=STATE_COLOURS.get(d["state"], "#5f6368"), kind=d["kind"], state=d["state"]))
    return by_kind


@callback([Output(f"{P}-layer-{k}", "data") for k in KINDS], Output(f"{P}-map-seen", "data"),
          Input("shell-tick", "n_intervals"), Input("shell-alert-done", "data"), Input("shell-commune", "data"),
          State(f"{P}-map-seen", "data"), prevent_initial_call=True)
def update_map(_tick, _done, xa, seen):
    try:
        commune = resolve_commune(xa)
    except BadParam:    # the header says why; the map shows nothing of a commune the user may not see
        return only_changed([{"type": "FeatureCollection", "features": []} for _ in KINDS], seen)
    return only_changed(device_layers(current_lang(), int(time.time()) // 60, can("operator"), commune), seen)


@memoize("pages", expire=60)
def device_layers(lang: str, minute: int, can_act: bool = False, commune: str | None = None) -> list[dict]:
    """`can_act`: popups with alert buttons (operators) or without (viewers); each cached on its own."""
    feats = device_features(kpis.device_states(commune=commune), lang, can_act, commune)
    return [{"type": "FeatureCollection", "features": feats.get(k, [])} for k in KINDS]


@callback(Output(f"{P}-alerts", "children"), Output(f"{P}-alerts-seen", "data"), Input("shell-tick", "n_intervals"),
          Input("shell-alert-done", "data"), Input("shell-commune", "data"), State(f"{P}-alerts-seen", "data"),
          prevent_initial_call=True)
def update_alerts(_tick, _done, xa, seen):
    lang = current_lang()
    try:
        commune = resolve_commune(xa)
    except BadParam as err:
        return only_changed([error_alert(err, lang)], seen)
    return only_changed([alert_list(lang, commune)], seen)


SHOWN_ALERTS = 8


def alert_list(lang: str, commune: str | None = None):
    df = open_alerts(limit=SHOWN_ALERTS, commune=commune)
    if df.empty:
        return html.Div(t("overview.no_alerts", lang), className="muted")
    items = html.Ul([html.Li([html.Span(t(f"severity.{r['severity']}", lang), className=f"sev-pill sev-{r['severity']}"),
                              " ", source_text(r["title_vi"] if lang == "vi" else r["title_en"]), html.Span(f" · {fmt_datetime(r['opened_time'])}",
                                                         className="muted")])
                     for r in records(df)], className="list-unstyled mb-0")
    hidden = sum(counts_by_severity(commune).values()) - len(df)     # counted in the database, not guessed
    if hidden <= 0:
        return items
    return html.Div([items, html.Div(t("ops.more_alerts", lang, n=fmt_number(hidden, lang, 0)),
                                     className="muted small overview-alerts-more")])


@callback(Output(f"{P}-changes", "children"), Output(f"{P}-changes-seen", "data"), Input("shell-tick", "n_intervals"),
          Input("shell-commune", "data"), State(f"{P}-changes-seen", "data"), prevent_initial_call=True)
def update_changes(_, xa, seen):
    lang = current_lang()
    try:
        commune = resolve_commune(xa)
    except BadParam as err:
        return only_changed([error_alert(err, lang)], seen)
    return only_changed([changes(lang, int(time.time()) // 60, commune)], seen)


@memoize("pages", expire=60)
def changes(lang: str, minute: int, commune: str | None = None):
    now = datetime.fromtimestamp(minute * 60, timezone.utc)
    day = now - timedelta(days=1)
    items = []
    st = reports.report_stats(day, now, commune=commune)
    if st["received"]:
        items.append(t("change.reports_new", lang, n=st["received"]))
    n_res = reports.resolved_count(now - timedelta(days=120), now, day, commune=commune)
    if n_res:
        items.append(t("change.reports_resolved", lang, n=n_res))
    ev = events.event_counts(day, now, "label", commune=commune)
    if not ev.empty:
        items.append(t("change.events", lang, n=fmt_number(int(ev["count"].sum()), lang, 0)))
    srcs = health.sources(commune=commune)
    lv = indicators.latest_values(scope=indicators.commune_scope(commune))
    n_ind = int((lv["generated_time"] >= day).sum()) if not lv.empty else 0
    if n_ind:
        items.append(t("change.indicators", lang, n=n_ind))
    for r in records(srcs):
        if r["state"] == "down":
            items.append(t("change.source_down", lang, source=r["source"],
                           time=fmt_datetime(r["down_since_time"])))
    for r in records(kpis.gauges_now(commune=commune)):
        if r["level"] is not None and r["alarm"]:
            items.append(t("change.gauge", lang, name=r["name"], level=fmt_number(r["level"], lang, 2),
                           rel=relative_text(r["level"], r["levels"], lang)))
    if not items:
        return html.Div(t("overview.no_changes", lang), className="muted")
    return html.Ul([html.Li(i) for i in items], className="mb-0")

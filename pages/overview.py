"""Tổng quan — the digital brain at a glance: the three pillars plus environment and security, each
against last week and its target; every device on the map by state; open alerts; what changed."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import dash
from dash import Input, Output, State, callback, dcc, html

from auth.context import can
from components.alert_actions import alert_popup, open_alerts_by_device
from components.kpi import kpi_card
from components.map import DEVICE_KINDS, STATE_COLOURS, feature, kind_label, page_map, popup_html, reading_lines
from components.page import card, fresh, only_changed, page_header
from core.formatting import fmt_datetime, fmt_number, fmt_period
from core.i18n import t
from core.site import get_site
from domain import aqi as aqi_domain
from domain.flood import relative_text
from layouts.context import current_lang
from queries import events, health, indicators, kpis, readings, reports
from queries.cache import memoize
from queries.windows import week_bounds

dash.register_page(__name__, path="/", order=0, title="Tổng quan – Bộ não số")
P = "ov"
KINDS = DEVICE_KINDS


def layout(**_):
    lang = current_lang()
    return html.Div([
        page_header(t("overview.title", lang)),
        *[dcc.Store(id=f"{P}-{part}-seen") for part in ("kpis", "map", "alerts", "changes")],
        html.Div(id=f"{P}-kpis"),
        html.Div([
            card(t("overview.map", lang), page_map(P, lang, [(f"layer-{k}", t(f"kind.{k}", lang), k != "loudspeaker",
                                                              k == "camera") for k in KINDS], drill_villages=False)),
            html.Div([card(t("overview.alerts", lang), html.Div(id=f"{P}-alerts")),
                      card(t("overview.changes", lang), html.Div(id=f"{P}-changes"))]),
        ], className="grid-2"),
    ])


def _pillar(title: str, cards: list) -> html.Div:
    return html.Div([html.Div(title, className="fw-semibold mb-1"), html.Div(cards, className="kpi-grid")])


def _ind(latest, code):
    row = latest[latest["indicator"] == code]
    return row.iloc[0].to_dict() if not row.empty else {}


@callback(Output(f"{P}-kpis", "children"), Output(f"{P}-kpis-seen", "data"), Input("shell-tick", "n_intervals"),
          State(f"{P}-kpis-seen", "data"))
def update_kpis(_, seen):
    return only_changed([kpi_sections(current_lang(), int(time.time()) // 60)], seen)


@memoize("pages", expire=60)
def kpi_sections(lang: str, minute: int):
    """All the overview's cards, computed once a minute (or after new data) for every viewer."""
    now = datetime.fromtimestamp(minute * 60, timezone.utc)
    this_w0, _w1 = week_bounds(now.astimezone(timezone(timedelta(hours=7))).date())
    last_w0 = this_w0 - timedelta(days=7)
    f_ind, f_311, f_sta, f_cam = fresh("indicators"), fresh("open311"), fresh("sensorthings"), fresh("frigate")
    latest = indicators.latest_values()

    def ind_card(code, label, decimals=1, unit="%"):
        r = _ind(latest, code)
        return kpi_card(code, label, r.get("value"), unit, lang, decimals=decimals, previous=r.get("previous_value"),
                        previous_label=t("kpi.vs_previous", lang), direction=r.get("direction", "up"),
                        target=r.get("target"), fresh=f_ind,
                        note=t("kpi.as_of", lang, period=fmt_period(r["period"], lang)) if r.get("period") else None)

    rep_now = reports.report_stats(this_w0, now)
    same_time_last_week = now - timedelta(days=7)   # Monday..now against Monday..same moment last week

    def last_week(first_t, value):
        """Last week's number only where the stored history covers last week: no history is not 0."""
        return value if first_t is not None and first_t <= last_w0.timestamp() else None
    rep_prev = last_week(reports.first_report_t(), reports.report_stats(last_w0, same_time_last_week)["received"])
    gov = [ind_card("dossier_on_time_rate", t("kpi.dossier_on_time", lang)),
           ind_card("online_dossier_rate", t("kpi.online_dossiers", lang)),
           kpi_card("reports_week", t("kpi.reports_week", lang), rep_now["received"] if f_311["state"] != "never" else None,
                    t("unit.reports", lang), lang, decimals=0, previous=rep_prev, direction="none",
                    fresh=f_311, href="/feedback"),
           kpi_card("reports_overdue", t("kpi.reports_overdue", lang),
                    reports.report_stats(now - timedelta(days=365), now)["overdue"] if f_311["state"] != "never" else None,
                    t("unit.reports", lang), lang, decimals=0, direction="down", fresh=f_311, href="/feedback?stage=overdue")]
    do_now = kpis.pond_share("do", now - timedelta(days=7), now)
    do_prev = kpis.pond_share("do", now - timedelta(days=14), now - timedelta(days=7))
    eco = [ind_card("cashless_rate", t("kpi.cashless", lang)),
           ind_card("hightech_income_per_ha", t("kpi.income", lang), 0, t("unit.million_vnd_ha", lang)),
           kpi_card("pond_do", t("kpi.pond_do", lang), do_now, "%", lang, previous=do_prev, fresh=f_sta,
                    href="/environment?parameter=do")]
    wifi = readings.latest(kind="wifi", parameter="wifi_clients")
    n_wifi = len(get_site().devices_of("wifi"))
    wifi_on = None if wifi.empty else int((wifi["time"] > now - timedelta(hours=1)).sum())
    cams = events.camera_status()
    cam_rate = None if cams["online"].isna().all() or cams.empty else 100.0 * cams["online"].fillna(False).mean()
    soc = [ind_card("smartphone_rate", t("kpi.smartphones", lang)),
           kpi_card("wifi_online", t("kpi.wifi_online", lang), wifi_on, t("unit.hotspots", lang, n=n_wifi), lang,
                    decimals=0, fresh=f_sta, href="/digital"),
           kpi_card("cameras_online", t("kpi.cameras_online", lang), cam_rate, "%", lang, fresh=f_cam, href="/security")]
    air = kpis.air_now()
    b = aqi_domain.band(air["aqi"])
    air_card = kpi_card("aqi", t("kpi.aqi", lang, station="UBND xã"), air["aqi"], "", lang, decimals=0,
                        direction="down", fresh=f_sta, href="/environment",
                        note=(b.vi if lang == "vi" else b.en) if b else None, accent=b.colour if b else None)
    env = [air_card]
    g = kpis.gauges_now()
    for row in g.to_dict("records")[:1]:
        rel = relative_text(row["level"], row["levels"], lang) if row["level"] is not None and row["levels"] else None
        env.append(kpi_card(f"gauge_{row['device']}", t("kpi.river", lang, name=row["name"]), row["level"], "m", lang,
                            decimals=2, direction="down", fresh=f_sta, note=rel, href="/environment"))
    env.append(kpi_card("rain24", t("kpi.rain24", lang), kpis.rain_total("rain_1", now - timedelta(hours=24), now),
                        "mm", lang, direction="none", fresh=f_sta, href="/environment"))
    ev_now = events.event_counts(this_w0, now, "label")
    ev_prev = events.event_counts(last_w0, same_time_last_week, "label")
    sec = [kpi_card("events_week", t("kpi.events_week", lang),
                    int(ev_now["count"].sum()) if f_cam["state"] != "never" else None, t("unit.events", lang), lang,
                    decimals=0, previous=last_week(events.first_event_t(), int(ev_prev["count"].sum())),
                    direction="none", fresh=f_cam, href="/security")]
    return html.Div([
        html.Div([_pillar(t("pillar.government", lang), gov), _pillar(t("pillar.economy", lang), eco)], className="grid-2"),
        html.Div([_pillar(t("pillar.society", lang), soc), _pillar(t("pillar.environment", lang), env),
                  _pillar(t("pillar.security", lang), sec)], className="grid-3"),
    ])


def device_features(states, lang: str, can_act: bool = False) -> dict[str, list]:
    latest = readings.latest()
    alerts_by_device = open_alerts_by_device()
    by_kind: dict[str, list] = {}
    for d in states.to_dict("records"):
        if d["lat"] is None or d["lon"] is None or d["lat"] != d["lat"]:
            continue
        lines = [f"{kind_label(d['kind'], lang)} · {t('state.' + d['state'], lang) if d['state'] != 'none' else t('map.no_live_source', lang)}"]
        lines += reading_lines(latest[latest["device"] == d["id"]], lang, 6)
        link = {"camera": f"/security?camera={d['id']}", "wifi": "/digital"}.get(d["kind"], f"/environment?station={d['id']}")
        # the operator goes from the marker straight to acknowledging or resolving its alert
        popup = popup_html(d["name"], lines, link, t("map.open_device", lang)) + alert_popup(alerts_by_device.get(d["id"]), lang, can_act)
        by_kind.setdefault(d["kind"], []).append(feature(
            d["lat"], d["lon"], id=d["id"], popup=popup,
            tooltip=d["name"], color=STATE_COLOURS.get(d["state"], "#5f6368"), kind=d["kind"], state=d["state"]))
    return by_kind


@callback([Output(f"{P}-layer-{k}", "data") for k in KINDS], Output(f"{P}-map-seen", "data"),
          Input("shell-tick", "n_intervals"), Input("shell-alert-done", "data"), State(f"{P}-map-seen", "data"))
def update_map(_tick, _done, seen):
    return only_changed(device_layers(current_lang(), int(time.time()) // 60, can("operator")), seen)


@memoize("pages", expire=60)
def device_layers(lang: str, minute: int, can_act: bool = False) -> list[dict]:
    """`can_act`: popups with alert buttons (operators) or without (viewers); each cached on its own."""
    feats = device_features(kpis.device_states(), lang, can_act)
    return [{"type": "FeatureCollection", "features": feats.get(k, [])} for k in KINDS]


@callback(Output(f"{P}-alerts", "children"), Output(f"{P}-alerts-seen", "data"), Input("shell-tick", "n_intervals"),
          Input("shell-alert-done", "data"), State(f"{P}-alerts-seen", "data"))
def update_alerts(_tick, _done, seen):
    return only_changed([alert_list(current_lang())], seen)


def alert_list(lang: str):
    try:
        from alerts.queries import open_alerts
    except ImportError:
        return html.Div(t("overview.no_alerts", lang), className="muted")
    df = open_alerts(limit=8)
    if df.empty:
        return html.Div(t("overview.no_alerts", lang), className="muted")
    return html.Ul([html.Li([html.Span(t(f"severity.{r['severity']}", lang), className=f"sev-pill sev-{r['severity']}"),
                             " ", r["title_vi"] if lang == "vi" else r["title_en"], html.Span(f" · {fmt_datetime(r['opened_time'].to_pydatetime())}",
                                                        className="muted")])
                    for r in df.to_dict("records")], className="list-unstyled mb-0")


@callback(Output(f"{P}-changes", "children"), Output(f"{P}-changes-seen", "data"), Input("shell-tick", "n_intervals"),
          State(f"{P}-changes-seen", "data"))
def update_changes(_, seen):
    return only_changed([changes(current_lang(), int(time.time()) // 60)], seen)


@memoize("pages", expire=60)
def changes(lang: str, minute: int):
    now = datetime.fromtimestamp(minute * 60, timezone.utc)
    day = now - timedelta(days=1)
    items = []
    st = reports.report_stats(day, now)
    if st["received"]:
        items.append(t("change.reports_new", lang, n=st["received"]))
    resolved = reports.reports(now - timedelta(days=120), now, stage="resolved", limit=5000)
    n_res = int((resolved["closed_time"] >= day).sum()) if not resolved.empty else 0
    if n_res:
        items.append(t("change.reports_resolved", lang, n=n_res))
    ev = events.event_counts(day, now, "label")
    if not ev.empty:
        items.append(t("change.events", lang, n=fmt_number(int(ev["count"].sum()), lang, 0)))
    srcs = health.sources()
    lv = indicators.latest_values()
    n_ind = int((lv["generated_time"] >= day).sum()) if not lv.empty else 0
    if n_ind:
        items.append(t("change.indicators", lang, n=n_ind))
    for r in srcs.to_dict("records"):
        if r["state"] == "down":
            items.append(t("change.source_down", lang, source=r["source"],
                           time=fmt_datetime(r["down_since_time"].to_pydatetime())))
    for r in kpis.gauges_now().to_dict("records"):
        if r["level"] is not None and r["alarm"]:
            items.append(t("change.gauge", lang, name=r["name"], level=fmt_number(r["level"], lang, 2),
                           rel=relative_text(r["level"], r["levels"], lang)))
    if not items:
        return html.Div(t("overview.no_changes", lang), className="muted")
    return html.Ul([html.Li(i) for i in items], className="mb-0")

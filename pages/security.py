"""An ninh — cameras on the map online or offline, events by camera, object and village, when they
happen (hour x weekday), and the latest events with their snapshots."""
from __future__ import annotations

from urllib.parse import quote

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from auth.communes import resolve_commune
from components.alert_actions import alert_popup, open_alerts_by_device
from components.cameras import offline_cameras
from components.errors import error_alert
from components.figures.bars import bar, hour_weekday
from components.figures.base import no_data
from components.filters import extra_filter, fid, filter_bar, period_filter, period_inputs, village_filter
from components.freshness import freshness_badge
from components.map import STATE_COLOURS, clicked_id, feature, mark_selected, page_map, popup_html
from components.page import card, fresh, graph, only_changed, page_header, parse_filters, village_options
from core.errors import AppError
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from core.text import source_text
from layouts.context import current_lang, current_theme
from queries.base import records
from queries import events, site

dash.register_page(__name__, path="/security", order=2, title="An ninh – Bộ não số")
P = "sec"
LABELS = ("person", "car", "motorcycle", "bicycle", "truck", "dog")


def layout(period: str = "7d", start: str | None = None, end: str | None = None, village: str | None = None,
           camera: str | None = None, label: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    devs = site.devices("camera", commune=commune)
    cams = list(zip(devs["id"], devs["name"]))
    return html.Div([
        page_header(t("sec.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("camera", t("filter.camera", lang), cams, camera),
                   extra_filter("label", t("filter.label", lang), [(x, t(f"label.{x}", lang)) for x in LABELS], label)),
        html.Div(id=f"{P}-error"), dcc.Store(id=f"{P}-map-seen"), dcc.Store(id=f"{P}-map-mark"),
        html.Div([card(t("sec.map", lang), html.Div([
                           page_map(P, lang, [("cameras", t("kind.camera", lang), True, True)], commune=commune),
                           html.Div(id=f"{P}-offline", className="mt-2")]),
                       extra=[html.Span(id=f"{P}-online")]),
                  card(t("sec.heatmap", lang), graph(f"{P}-heat", "lg", "an-ninh", lang=lang))], className="grid-2"),
        html.Div([card(t("sec.by_camera", lang), graph(f"{P}-cams", "lg", "an-ninh", lang=lang)),
                  html.Div([card(t("sec.by_label", lang), graph(f"{P}-labels", "sm", "an-ninh", lang=lang)),
                            card(t("sec.by_village", lang), graph(f"{P}-villages", "sm", "an-ninh", lang=lang))])],
                 className="grid-2"),
        card(t("sec.latest", lang), html.Div(id=f"{P}-latest", className="list-scroll")),
    ])


FILTERS = [*period_inputs(),
           Input(fid("village"), "value"), Input(fid("camera"), "value"), Input(fid("label"), "value"),
           Input("shell-tick", "n_intervals"), Input("shell-commune", "data")]


@callback(Output(f"{P}-heat", "figure"), Output(f"{P}-cams", "figure"), Output(f"{P}-labels", "figure"),
          Output(f"{P}-villages", "figure"), Output(f"{P}-latest", "children"), Output(f"{P}-error", "children"),
          *FILTERS)
def update_events(period, dates, village, camera, label, _tick, xa):
    lang, theme = current_lang(), current_theme()
    try:
        commune = resolve_commune(xa)
        s, e, village = parse_filters(period, dates, village, commune)
        site.check_device(camera, "camera", commune)
    except AppError as err:
        nd = no_data(lang, theme)
        return nd, nd, nd, nd, None, error_alert(err, lang)
    cams = (camera,) if camera else (site.device_ids("camera", commune) or ("",))
    labels = (label,) if label in LABELS else None
    heat = hour_weekday(events.event_counts(s, e, "hour_weekday", cams, labels, village), lang=lang, theme=theme)
    by_cam = events.event_counts(s, e, "camera", cams, labels, village).sort_values("count", ascending=False).head(15)
    cam_fig = bar(by_cam, x="camera", lang=lang, labels=dict(zip(by_cam["camera"], by_cam["name"])), horizontal=True,
                  theme=theme, customdata="camera")
    by_label = events.event_counts(s, e, "label", cams, labels, village)
    label_fig = bar(by_label, x="label", lang=lang, labels={x: t(f"label.{x}", lang) for x in LABELS}, theme=theme)
    by_village = events.event_counts(s, e, "village", cams, labels, village)
    vnames = dict(village_options(commune))
    village_fig = bar(by_village, x="village_id", lang=lang, labels=vnames, theme=theme)
    latest = events.latest_events(30, s, e, cams, labels, village)
    rows = []
    for r in records(latest):
        img = html.Img(src=f"/media/snapshot/{quote(str(r['id']), safe='')}", className="event-snap", alt="") \
            if r["has_snapshot"] else None
        ended = t("sec.in_progress", lang) if r["end_time"] is None or r["end_time"] != r["end_time"] else \
            fmt_datetime(r["end_time"])
        rows.append(html.Tr([html.Td(fmt_datetime(r["time"])), html.Td(source_text(r["camera_name"])),
                             html.Td(label_text(r["label"], lang) + (f" · {source_text(r['sub_label'], limit=80)}"
                                                                     if isinstance(r["sub_label"], str) else "")),
                             html.Td(f'{fmt_number(r["top_score"] * 100, lang, 0)}%'
                                     if r["top_score"] == r["top_score"] and r["top_score"] is not None else "—"),
                             html.Td(ended), html.Td(img)]))
    head = html.Thead(html.Tr([html.Th(t(f"sec.col_{c}", lang)) for c in ("time", "camera", "object", "score", "end",
                                                                         "snapshot")]))
    table = html.Table([head, html.Tbody(rows)], className="table table-sm table-compact") if rows else \
        html.Div(t("common.no_data", lang), className="muted")
    return heat, cam_fig, label_fig, village_fig, table, None


def label_text(label, lang: str) -> str:
    """Frigate's label in words when we know it; another NVR's own label as it came (as text)."""
    return t(f"label.{label}", lang) if label in LABELS else source_text(label, limit=80)


mark_selected(P, "cameras", "camera")


@callback(Output(f"{P}-cameras", "data"), Output(f"{P}-online", "children"), Output(f"{P}-offline", "children"),
          Output(f"{P}-map-seen", "data"),
          Input("shell-tick", "n_intervals"), Input("shell-alert-done", "data"), Input("shell-commune", "data"),
          State(f"{P}-map-seen", "data"))
def update_map(_tick, _done, xa, seen):
    lang = current_lang()
    try:
        commune = resolve_commune(xa)
    except AppError:
        commune = ""    # nobody's: an empty map; the header says why
    status = events.camera_status(commune=commune) if commune != "" else events.camera_status().iloc[0:0]
    alerts_by_device = open_alerts_by_device()   # a person at night, a flood-watch detection: act from the marker
    feats = []
    for r in records(status):
        if r["lat"] is None or r["lat"] != r["lat"]:
            continue
        state = "unknown" if r["online"] is None else ("ok" if r["online"] else "offline")
        last = fmt_datetime(r["last_event_time"]) if r["last_event_time"] == r["last_event_time"] else "—"
        feats.append(feature(r["lat"], r["lon"], id=r["device"], tooltip=r["name"],
                             popup=popup_html(r["name"], [f"{t('role.' + source_text(r['role'], 'security'), lang)} · "
                                                          f"{t('state.' + state, lang)}", last])
                             + alert_popup(alerts_by_device.get(r["device"]), lang),
                             color=STATE_COLOURS[state], kind="camera"))
    m = {"type": "FeatureCollection", "features": feats}
    if status["online"].isna().all():
        summary = [html.Span(t("sec.unknown", lang), className="badge-stale")]
    else:
        summary = [html.Span(t("sec.online", lang, on=int(status["online"].fillna(False).sum()), n=len(status)),
                             className="muted me-2")]
    return only_changed([m, summary + freshness_badge(fresh("frigate"), lang), offline_cameras(status, dict(village_options()), lang)], seen)


@callback(Output(fid("camera"), "value"), Input(f"{P}-cameras", "clickData"), Input(f"{P}-cams", "clickData"),
          State(fid("camera"), "value"), prevent_initial_call=True)
def drill_down_camera(map_click, bar_click, current):
    """A camera clicked on the map or in the bar chart filters the page to it."""
    trig = dash.ctx.triggered_id
    if trig == f"{P}-cameras" and map_click:
        dev = clicked_id(map_click)
    elif trig == f"{P}-cams" and isinstance(bar_click, dict):
        points = bar_click.get("points")
        dev = points[0].get("customdata") if isinstance(points, list) and points and isinstance(points[0], dict) else None
        dev = dev if isinstance(dev, str) and len(dev) <= 200 else None
    else:
        return no_update
    return dev if dev and dev != current else no_update

"""An ninh — cameras on the map online or offline, events by camera, object and village, when they
happen (hour x weekday), and the latest events with their snapshots. Every count is a panel
(panels/security.py); the page arranges them and owns the camera map (a marker or a bar drills the page
down to a camera)."""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from auth.communes import resolve_commune
from components.alert_actions import alert_popup, open_alerts_by_device
from components.cameras import offline_cameras
from components.filters import extra_filter, fid, filter_bar, period_filter, shown_period, village_filter
from components.freshness import freshness_badge
from components.map import STATE_COLOURS, clicked_id, feature, mark_selected, page_map, popup_html
from components.page import card, fresh, only_changed, page_header, village_options
from core.errors import AppError
from core.formatting import fmt_datetime
from core.i18n import t
from core.text import source_text
from layouts.context import current_lang
from layouts.panel_view import bar_filters, filters_error, first_answer, slot
from panels.security import LABELS
from queries.base import records
from queries import events, site

dash.register_page(__name__, path="/security", order=2, title="An ninh – Bộ não số", nav="security")
P = "sec"
DEFAULT_PERIOD = "7d"
BY_CAMERA = {"type": "panel-graph", "panel": "sec.by_camera", "slot": ALL}


def layout(period: str = DEFAULT_PERIOD, start: str | None = None, end: str | None = None, village: str | None = None,
           camera: str | None = None, label: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    commune = resolve_commune(xa)
    devs = site.devices("camera", commune=commune)
    cams = list(zip(devs["id"], devs["name"]))
    filters = bar_filters(shown_period(period, start), {"start": start, "end": end}, village=village, device=camera,
                          label=label, commune=commune)
    # the camera layer, online count and offline list as update_map would send them first, with their
    # fingerprints: a first visit waits for no callback, and the first refresh sends nothing unchanged
    (cameras_now, online, offline, seen), problem = first_answer(
        lambda: only_changed(list(map_view(commune, lang)), None), (_EMPTY, None, None, None))
    return html.Div([
        page_header(t("sec.title", lang)),
        filter_bar(*period_filter(lang, period, start, end), village_filter(lang, village_options(commune), village),
                   extra_filter("camera", t("filter.camera", lang), cams, camera),
                   extra_filter("label", t("filter.label", lang), [(x, t(f"label.{x}", lang)) for x in LABELS], label)),
        filters_error(P, filters, "camera"), problem,
        dcc.Store(id=f"{P}-map-seen", data=seen), dcc.Store(id=f"{P}-map-mark"),
        html.Div([card(t("sec.map", lang), html.Div([
                           page_map(P, lang, [("cameras", t("kind.camera", lang), True, True)], commune=commune,
                                    data={"cameras": cameras_now}),
                           html.Div(offline, id=f"{P}-offline", className="mt-2")]),
                       extra=[html.Span(online, id=f"{P}-online")]),
                  slot("sec.hour_weekday", filters, id=f"{P}-heat", height="lg")], className="grid-2"),
        html.Div([slot("sec.by_camera", filters, id=f"{P}-cams", height="lg"),
                  html.Div([slot("sec.by_label", filters, id=f"{P}-labels", height="sm"),
                            slot("sec.by_village", filters, id=f"{P}-villages", height="sm")])],
                 className="grid-2"),
        slot("sec.latest", filters, id=f"{P}-latest", className="panel-scroll"),
    ])


mark_selected(P, "cameras", "camera")


_EMPTY = {"type": "FeatureCollection", "features": []}


@callback(Output(f"{P}-cameras", "data"), Output(f"{P}-online", "children"), Output(f"{P}-offline", "children"),
          Output(f"{P}-map-seen", "data"),
          Input("shell-tick", "n_intervals"), Input("shell-alert-done", "data"), Input("shell-commune", "data"),
          State(f"{P}-map-seen", "data"), prevent_initial_call=True)
def update_map(_tick, _done, xa, seen):
    """The camera layer, online count and offline list again every minute, after an alert is handled and when
    the commune changes; only what changed (the layout drew the first ones and their fingerprints)."""
    try:
        commune = resolve_commune(xa)
    except AppError:
        commune = ""    # nobody's: an empty map; the header says why
    return only_changed(list(map_view(commune, current_lang())), seen)


def map_view(commune: str | None, lang: str) -> tuple:
    """(cameras as GeoJSON, online count with the source's freshness, offline list) of the commune ("":
    nobody's, all empty). Popups are HTML in dash-leaflet: popup_html escapes every source string."""
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
    return m, summary + freshness_badge(fresh("frigate"), lang), offline_cameras(status, dict(village_options(commune or None)), lang)


@callback(Output(fid("camera"), "value"), Input(f"{P}-cameras", "clickData"), Input(BY_CAMERA, "clickData"),
          State(fid("camera"), "value"), prevent_initial_call=True)
def drill_down_camera(map_click, bar_clicks, current):
    """A camera clicked on the map or in the events-by-camera chart filters the page to it."""
    trig = dash.ctx.triggered_id
    bar_click = next((c for c in (bar_clicks if isinstance(bar_clicks, list) else []) if isinstance(c, dict)), None)
    if trig == f"{P}-cameras" and map_click:
        dev = clicked_id(map_click)
    elif isinstance(trig, dict) and trig.get("panel") == "sec.by_camera" and bar_click is not None:
        points = bar_click.get("points")
        dev = points[0].get("customdata") if isinstance(points, list) and points and isinstance(points[0], dict) else None
        dev = dev if isinstance(dev, str) and len(dev) <= 200 else None
    else:
        return no_update
    return dev if dev and dev != current else no_update

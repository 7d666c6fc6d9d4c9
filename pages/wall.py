"""The wall: /wall and /wall/<name>, for the operations room's screens that nobody touches.

No navigation, dark, the commune's name, a clock and date in Vietnamese, a line saying how fresh each
source is, and the connection watchdog (assets/30_watchdog.js). Slides rotate in the browser (assets/
40_wall.js) with their own durations, cycle through villages or devices, and follow the playlist of the
time of day (core/walls.py); each slide is drawn here from panels (layouts/panel_view.py) at wall size.
An alert of the wall's severities (and rules, when it names some; of its commune, when opened for one)
takes over every screen within a few seconds of being stored (a one-second poll of one indexed query),
plays a sound and stays until acknowledged or for the wall's hold time; then the playlist resumes where it
stopped."""
from __future__ import annotations

import math
import time

import dash
import dash_leaflet as dl
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from alerts.queries import wall_alarms
from alerts.rules import get_rules
from components.errors import error_alert
from components.map import base_layers
from core.errors import BadParam, SiteConfigError
from core.formatting import fmt_datetime, fmt_number, fmt_time
from core.i18n import source_name, t
from core.text import source_text
from core.walls import Wall, get_walls, playlist_steps, walls_version
from domain.parameters import PARAMETERS
from layouts.context import current_lang
from layouts.panel_view import slot
from queries import events, health
from queries.base import records
from queries.site import commune as commune_row, commune_rows, site_view

TITLE = "Màn hình tường – Bộ não số"
CONFIG_POLL_MS = 20_000     # an open wall asks whether its walls file changed (README "The wall")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _wall(name: str | None) -> Wall:
    try:
        walls = get_walls()
    except (OSError, SiteConfigError) as err:
        raise BadParam("wall.error_file", detail=str(err)[:200]) from err
    wall = walls.wall(name)
    if wall is None:
        raise BadParam("wall.error_unknown", value=str(name)[:40])
    return wall


def wall_config(wall: Wall) -> dict:
    """What the browser's rotation needs: each playlist's steps with their seconds, and the file's version
    (a saved change is noticed by comparing it)."""
    return {"wall": wall.name, "playlists": playlist_steps(wall, site_view()), "sound": wall.sound,
            "version": walls_version()}


def _wall_commune(xa) -> str | None:
    """The commune a wall was opened for (`?xa=`, the shell's store) when it is one of the store's; else
    None: the wall is the deployment's (its alarms of every commune, its header the default commune's)."""
    return xa if isinstance(xa, str) and xa in commune_rows() else None


def layout(name: str | None = None, xa: str | None = None, **_):
    lang = current_lang()
    try:
        wall = _wall(name)
    except BadParam as err:
        return html.Div(error_alert(err, lang), className="wall wall-missing")
    row = commune_row(_wall_commune(xa)) or {}
    default = site_view().commune
    commune_name = (row.get("name") if lang == "vi" else row.get("name_en") or row.get("name")) or (
        default.name if lang == "vi" else default.name_en)
    return html.Div([
        dcc.Store(id="wall-config", data=wall_config(wall)),
        dcc.Store(id="wall-position"), dcc.Store(id="wall-current"), dcc.Store(id="wall-alarms"),
        dcc.Interval(id="wall-tick", interval=1000),
        dcc.Interval(id="wall-alarm-poll", interval=1000),
        dcc.Interval(id="wall-config-poll", interval=CONFIG_POLL_MS),
        html.Div([
            html.Div([html.Div(commune_name, className="wall-commune"),
                      html.Div(wall.title_vi if lang == "vi" else (wall.title_en or wall.title_vi),
                               className="wall-title")]),
            html.Div(id="wall-slide-title", className="wall-slide-title"),
            html.Div([html.Div(id="wall-clock", className="wall-clock"), html.Div(id="wall-date", className="wall-date")],
                     className="wall-time"),
        ], className="wall-head"),
        html.Div(id="wall-fresh", className="wall-fresh"),
        html.Div(html.Div(id="wall-progress-bar", className="wall-progress-bar"), className="wall-progress"),
        html.Div(id="wall-slide", className="wall-slide"),
        html.Div(id="wall-alarm", className="wall-alarm", hidden=True),
        html.Audio(id="wall-sound", src=dash.get_asset_url("alarm.wav"), preload="auto", loop=True),
    ], className="wall", id="wall", **{"data-wall": wall.name})


dash.register_page("pages.wall", path="/wall", title=TITLE, layout=layout)
dash.register_page("pages.wall_named", path_template="/wall/<name>", title=TITLE, layout=layout)


# --- rotation (in the browser) and the slide (drawn here) ---------------------------------------------------

clientside_callback(
    dash.ClientsideFunction(namespace="wall", function_name="rotate"),
    Output("wall-position", "data"), Output("wall-current", "data"), Output("wall-progress-bar", "style"),
    Input("wall-tick", "n_intervals"), State("wall-config", "data"), State("wall-position", "data"),
    State("wall-current", "data"), State("wall-alarms", "data"))

clientside_callback(
    dash.ClientsideFunction(namespace="wall", function_name="clock"),
    Output("wall-clock", "children"), Output("wall-date", "children"), Input("wall-tick", "n_intervals"))


def slide_view(wall: Wall, playlist_name: str, step_index: int, lang: str, commune: str | None = None):
    """`commune`: the wall URL's (?xa=, the shell's store), for a slide that names none; its panels are drawn
    with the slide (layouts/panel_view.slot), so they are drawn for it from the start."""
    playlist = next((p for p in wall.playlists if p.name == playlist_name), None)
    if playlist is None:
        raise BadParam("wall.error_playlist", value=str(playlist_name)[:40])
    flat = next(p for p in playlist_steps(wall, site_view()) if p["name"] == playlist.name)["steps"]
    step = flat[int(step_index) % len(flat)]
    key = f"{playlist.name}:{int(step_index)}"      # the browser waits on it (assets/40_wall.js: drawn)
    slide = playlist.slides[step["slide"]]
    filters = dict(slide.filters)
    if commune and not filters.get("commune"):
        filters["commune"] = commune
    if slide.cycle is not None and step["value"] is not None:
        filters[slide.cycle.variable] = step["value"]
    title = slide.title_vi if lang == "vi" else (slide.title_en or slide.title_vi)
    title = f"{title} · {step['label']}" if step["label"] else title
    if slide.page:
        page = next((p for p in dash.page_registry.values() if p.get("path") == slide.page), None)
        if page is None:
            raise BadParam("wall.error_page", value=slide.page[:60])
        page_query = {k: v for k, v in filters.items() if k != "commune"}
        if filters.get("commune") and not page_query.get("xa"):
            page_query["xa"] = filters["commune"]          # a page takes its commune as the URL's ?xa=
        body = html.Div(page["layout"](**page_query), className="wall-page-slide", **{"data-step": key})
    else:
        body = html.Div([slot(pid, filters, n=i, size="wall") for i, pid in enumerate(slide.panels)],
                        className="wall-grid", **{"data-step": key},
                        style={"gridTemplateColumns": f"repeat({slide.columns}, minmax(0, 1fr))",
                               "gridTemplateRows": f"repeat({math.ceil(len(slide.panels) / slide.columns)}, minmax(0, 1fr))"})
    return title, body


@callback(Output("wall-slide", "children"), Output("wall-slide-title", "children"),
          Input("wall-current", "data"), State("wall-config", "data"), State("shell-commune", "data"))
def draw_slide(current, config, commune=None):
    """The slide the browser moved to, drawn from the walls file as it is now (the browser only says
    which wall, playlist and step: nothing it sends is trusted as content)."""
    lang = current_lang()
    if not isinstance(current, dict) or not isinstance(config, dict):
        return no_update, no_update
    try:
        wall = _wall(str(config.get("wall") or "")[:40] or None)
        step = current.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            raise BadParam("wall.error_playlist", value=str(step)[:20])
        title, body = slide_view(wall, str(current.get("playlist"))[:40], step, lang,
                                 commune if isinstance(commune, str) and commune else None)
    except BadParam as err:
        return error_alert(err, lang), ""
    return body, title


@callback(Output("wall-config", "data"), Input("wall-config-poll", "n_intervals"), State("wall-config", "data"),
          prevent_initial_call=True)
def refresh_config(_n, config):
    """A walls file saved in /admin/walls (or edited by hand) reaches a wall that has been open for weeks:
    its durations and steps from this poll, its slides' content at the next slide. Nothing is sent while
    the file is unchanged."""
    if not isinstance(config, dict):
        return no_update
    try:
        if config.get("version") == walls_version():
            return no_update
        wall = _wall(str(config.get("wall") or "")[:40] or None)
    except (BadParam, OSError, SiteConfigError):
        return no_update                           # a broken file keeps the playlist the wall already has
    return wall_config(wall)


@callback(Output("wall-fresh", "children"), Input("shell-tick", "n_intervals"), Input("wall-config", "data"))
def update_freshness(_tick, _config):
    """One line, every source: how fresh, in words and colour, readable from the back of the room."""
    lang = current_lang()
    items = []
    for r in records(health.sources()):
        state = r["state"]
        when = fmt_time(r["last_success_time"]) if r["last_success_time"] is not None else "—"
        # a source in order reads "Camera 14:52 ✓" (one line at 1920x1080 with 2.2 vh text); one that is
        # late, stale or down says so in words, on its colour
        items.append(html.Span([html.Strong(source_name(r["source"], lang)), f" {when} ",
                                "✓" if state == "ok" else f"· {t(f'state.{state}', lang)}"],
                               title=t(f"state.{state}", lang), className=f"wall-src wall-src-{state}"))
    if not items:
        items = [html.Span(t("common.no_data", lang), className="wall-src wall-src-never")]
    return [html.Span(t("wall.data", lang), className="wall-fresh-label"), *items]


# --- alarm takeover ------------------------------------------------------------------------------------------------

def _alarms_of(wall: Wall, commune_id) -> list[dict]:
    return wall_alarms(tuple(wall.alarm_severities), wall.alarm_hold_s, int(time.time()),
                       rules=tuple(wall.alarm_rules), commune=_wall_commune(commune_id))


@callback(Output("wall-alarms", "data"), Input("wall-alarm-poll", "n_intervals"), State("wall-config", "data"),
          State("wall-alarms", "data"), State("shell-commune", "data"))
def poll_alarms(_n, config, previous, commune_id=None):
    """Ids of the alerts that hold this wall, worst first; nothing is sent while they stay the same."""
    if not isinstance(config, dict):
        return no_update
    try:
        wall = _wall(str(config.get("wall") or "")[:40] or None)
    except BadParam:
        return no_update
    found = _alarms_of(wall, commune_id)
    ids = [int(a["id"]) for a in found]
    if isinstance(previous, dict) and previous.get("ids") == ids:
        return no_update
    return {"ids": ids, "sound": wall.sound}


def _threshold_text(alert: dict, lang: str) -> str | None:
    rule = next((r for r in get_rules().rules if r.id == alert["rule_id"]), None)
    if rule is None or alert.get("value") is None:
        return None
    unit = PARAMETERS[rule.parameter].unit if rule.parameter in PARAMETERS else ""
    value = f"{fmt_number(alert['value'], lang, 2)} {unit}".strip()
    limits = [f"< {fmt_number(lv.value, lang, 2)}" for lv in rule.below if lv.severity == alert["severity"]] + \
             [f"> {fmt_number(lv.value, lang, 2)}" for lv in rule.above if lv.severity == alert["severity"]]
    if rule.kind == "level" and alert.get("device_id"):
        device = site_view().device(alert["device_id"])
        if device and device.flood_levels:
            fl = device.flood_levels
            limits = [f"BĐ I {fmt_number(fl.alarm_1, lang, 1)} · BĐ II {fmt_number(fl.alarm_2, lang, 1)} · "
                      f"BĐ III {fmt_number(fl.alarm_3, lang, 1)} m"]
    return t("wall.value_vs", lang, value=value, limit=" / ".join(limits) + (f" {unit}" if limits and unit
                                                                           and rule.kind != "level" else "")) \
        if limits else t("wall.value", lang, value=value)


def _nearest_camera(lat: float, lon: float) -> str | None:
    cams = [d for d in site_view().devices_of("camera") if d.lat is not None and d.lon is not None]
    if not cams:
        return None
    return min(cams, key=lambda d: (d.lat - lat) ** 2 + ((d.lon - lon) * math.cos(math.radians(lat))) ** 2).id


def _alarm_map(alert: dict, lang: str):
    """(the map of where it is, its device, its village); no map for an alert of no place (a source down):
    the commune's outline alone said nothing, and left half the screen an empty box."""
    site = site_view()
    device = site.device(alert["device_id"]) if alert.get("device_id") else None
    village = site.village(alert["village_id"] or (device.village if device else None) or "")
    if village is None and (device is None or device.lat is None):
        return None, device, village
    center = (device.lat, device.lon) if device and device.lat is not None else \
        (village.center if village else site.commune.center)
    layers = list(base_layers())
    if village and village.outline:
        layers.append(dl.Polygon(positions=[list(p) for p in village.outline], color="#E69F00", weight=4,
                                 fillOpacity=0.08))
    if device and device.lat is not None:
        layers.append(dl.CircleMarker(center=[device.lat, device.lon], radius=18, color="#ffffff", weight=4,
                                      fillColor="#D55E00", fillOpacity=0.95))
    return dl.Map(layers, center=list(center), zoom=16 if device else 15, zoomControl=False, attributionControl=False,
                  dragging=False, scrollWheelZoom=False, doubleClickZoom=False, className="wall-alarm-map",
                  style={"height": "100%", "width": "100%", "background": "#1b2433"}), device, village


def alarm_view(alert: dict, others: int, lang: str):
    title = source_text(alert["title_vi"] if lang == "vi" else alert["title_en"])
    rule = next((r for r in get_rules().rules if r.id == alert["rule_id"]), None)
    advice = (rule.advice_vi if lang == "vi" else rule.advice_en) if rule else ""
    the_map, device, village = _alarm_map(alert, lang)
    where = " · ".join(x for x in (device.name if device else None, village.name if village else None) if x) or "—"
    snapshot = None
    if device is not None and device.lat is not None:
        camera = device.id if device.kind == "camera" else _nearest_camera(device.lat, device.lon)
        if camera:
            latest = events.latest_events(1, start=0, end=int(time.time()) + 60, cameras=(camera,))
            latest = latest[latest["has_snapshot"].fillna(False).astype(bool)] if not latest.empty else latest
            if not latest.empty:
                ev = records(latest)[0]
                snapshot = html.Figure([
                    html.Img(src=f"/media/snapshot/{ev['id']}", alt=source_text(ev["camera_name"])),
                    html.Figcaption(f"{source_text(ev['camera_name'])} · {fmt_datetime(ev['time'], lang)}")],
                    className="wall-alarm-snapshot")
    facts = [html.Div([html.Span(t("wall.where", lang), className="wall-fact-k"), html.Span(where)]),
             html.Div([html.Span(t("wall.since", lang), className="wall-fact-k"),
                       html.Span(fmt_datetime(alert["opened_time"], lang))])]
    threshold = _threshold_text(alert, lang)
    if threshold:
        facts.append(html.Div([html.Span(t("wall.reading", lang), className="wall-fact-k"), html.Span(threshold)]))
    if advice:
        facts.append(html.Div([html.Span(t("wall.todo", lang), className="wall-fact-k"), html.Span(advice)],
                              className="wall-advice"))
    return html.Div([
        html.Div([html.Span(t(f"severity.{alert['severity']}", lang), className=f"wall-sev wall-sev-{alert['severity']}"),
                  html.Span(title, className="wall-alarm-title"),
                  html.Span(t("wall.more_alarms", lang, n=others), className="wall-alarm-more") if others else None],
                 className="wall-alarm-head"),
        html.Div([html.Div(facts, className="wall-alarm-facts"),
                  html.Div(the_map, className="wall-alarm-mapbox") if the_map is not None else None,
                  snapshot], className="wall-alarm-body" + (" with-snapshot" if snapshot else "")
                 + (" no-map" if the_map is None else "")),
        html.Div(t("wall.ack_hint", lang, id=alert["id"]), className="wall-alarm-foot"),
        # its own class: the pills' `.sev-*` painted the whole screen red or orange, under pale labels
    ], className=f"wall-alarm-inner wall-alarm-{alert['severity']}", **{"data-alert": str(alert["id"])})


@callback(Output("wall-alarm", "children"), Output("wall-alarm", "hidden"), Input("wall-alarms", "data"),
          State("wall-config", "data"), State("shell-commune", "data"))
def draw_alarm(alarms, config, commune_id=None):
    if not isinstance(alarms, dict) or not alarms.get("ids"):
        return [], True
    lang = current_lang()
    try:
        wall = _wall(str((config or {}).get("wall") or "")[:40] or None)
    except BadParam:
        return [], True
    found = _alarms_of(wall, commune_id)
    if not found:
        return [], True
    return alarm_view(found[0], len(found) - 1, lang), False


clientside_callback(
    dash.ClientsideFunction(namespace="wall", function_name="sound"),
    Output("wall-sound", "title"), Input("wall-alarms", "data"))

"""The commune map (dash-leaflet): devices by kind, reports and village outlines as layers, markers
coloured by state, popups with the latest value, clustering, and a click that drills the page down.
Offline by default: no tiles, the commune drawn from the site file; TILE_URL or MBTILES_FILE add tiles."""
from __future__ import annotations

import dash_leaflet as dl
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, no_update

from components.filters import fid
from core.i18n import t
from core.settings import get_settings
from core.text import esc, source_text

DEVICE_KINDS = ("water_station", "air_station", "water_gauge", "rain_gauge", "camera", "wifi", "loudspeaker")
STATE_COLOURS = {"ok": "#1e8e3e", "warning": "#f29900", "alarm": "#d93025", "offline": "#8a8f98",
                 "unknown": "#5f6368", "none": "#9aa0a6"}


def feature(lat: float, lon: float, *, id: str, popup: str, tooltip: object, color: str, radius: int = 8,
            **props) -> dict:
    """A marker. `tooltip` is plain text (often a source's name) and is escaped here, because Leaflet's
    bindTooltip renders HTML; `popup` is HTML made by popup_html(), which escapes what it is given."""
    return {"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": id, "popup": popup, "tooltip": esc(tooltip, limit=200), "color": color,
                           "radius": radius, **props}}


def popup_html(title: object, lines: list[object], link: str | None = None, link_text: str = "",
               actions: list[tuple[str, int, str]] = ()) -> str:
    """Escaped HTML for a Leaflet popup, from plain text (source values welcome: missing ones read "—").
    A link must stay on this site (a path). actions: (acknowledge|resolve, alert id, label) buttons that
    assets/20_map.js hands to the alert dialog (components/alert_actions.py)."""
    body = "".join(f"<div>{esc(line, limit=500)}</div>" for line in lines)
    local = isinstance(link, str) and link.startswith("/") and not link.startswith("//")
    a = f'<div style="margin-top:4px"><a href="{esc(link)}">{esc(link_text)}</a></div>' if local else ""
    buttons = "".join(
        f'<button type="button" class="btn btn-sm btn-{"warning" if act == "acknowledge" else "success"} popup-act" '
        f'data-alert-act="{"acknowledge" if act == "acknowledge" else "resolve"}" data-alert-id="{int(alert_id)}">'
        f'{esc(label)}</button>'
        for act, alert_id, label in actions)
    return f"<b>{esc(title, limit=200)}</b>{body}{a}" + (f'<div class="popup-acts">{buttons}</div>' if buttons else "")


def clicked_id(click, key: str = "id") -> str | None:
    """A property (the id, by default) of the feature a map click reports, if it is plain text: the
    clickData comes from the browser and is taken on trust by nothing."""
    props = click.get("properties") if isinstance(click, dict) else None
    value = props.get(key) if isinstance(props, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def reading_lines(latest, lang: str, limit: int = 8) -> list[str]:
    """A device's latest readings for its popup: parameter name, value with its decimals, unit, time.
    `latest`: its rows of readings.latest, as a frame or as records (readings_by_device)."""
    from core.formatting import fmt_number, fmt_time
    from domain.parameters import PARAMETERS
    out = []
    for r in (latest[:limit] if isinstance(latest, list) else latest.head(limit).to_dict("records")):
        p = PARAMETERS.get(r["parameter"])
        name = (p.vi if lang == "vi" else p.en) if p else r["parameter"]
        out.append(f"{name}: {fmt_number(r['value'], lang, p.decimals if p else 2)} {source_text(r['unit'], '')} "
                   f"({fmt_time(r['time'].to_pydatetime())})")
    return out


def readings_by_device(latest) -> dict[str, list[dict]]:
    """readings.latest's rows grouped by device, in its order: one pass, instead of filtering the frame once
    for each marker's popup."""
    out: dict[str, list[dict]] = {}
    for r in latest.to_dict("records"):
        out.setdefault(r["device"], []).append(r)
    return out


def village_layer(villages, selected: str | None, lang: str, id) -> dl.GeoJSON:
    feats = []
    for v in villages.to_dict("records"):
        outline = v.get("outline") or []
        if len(outline) < 3:
            continue
        ring = [[p[1], p[0]] for p in outline] + [[outline[0][1], outline[0][0]]]
        feats.append({"type": "Feature", "id": v["id"], "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"id": v["id"], "kind": "village", "tooltip": esc(v["name"]),
                                     "selected": v["id"] == selected}})
    return dl.GeoJSON(data={"type": "FeatureCollection", "features": feats}, id=id,
                      style={"variable": "brain.villageStyle"}, hoverStyle={"weight": 3})


def points_layer(features: list[dict], id: str, cluster: bool = False) -> dl.GeoJSON:
    kw = {"cluster": True, "clusterToLayer": {"variable": "brain.clusterToLayer"},
          "superClusterOptions": {"radius": 50, "maxZoom": 15}} if cluster else {}
    return dl.GeoJSON(data={"type": "FeatureCollection", "features": features}, id=id,
                      pointToLayer={"variable": "brain.pointToLayer"}, zoomToBounds=False, **kw)


def base_layers() -> list:
    s = get_settings()
    if s.mbtiles_file:
        return [dl.TileLayer(url="/tiles/{z}/{x}/{y}.png", maxZoom=19, attribution="MBTiles")]
    if s.tile_url:
        return [dl.TileLayer(url=s.tile_url, maxZoom=19)]
    return []   # offline default: the commune drawn from the site file, no tiles


def commune_map(id: str, center: tuple[float, float], zoom: int, overlays: list[tuple[str, object, bool]],
                height_class: str = "map-box") -> dl.MapContainer:
    """overlays: (name, layer, checked). The layer control lets the operator switch kinds on and off."""
    children = base_layers() + [dl.LayersControl([dl.Overlay(layer, name=name, checked=checked)
                                                  for name, layer, checked in overlays], position="topright"),
                                dl.ScaleControl(position="bottomleft", imperial=False)]
    return dl.MapContainer(children, id=id, center=list(center), zoom=zoom, className=height_class,
                           style={"background": "#dfe8ef"}, attributionControl=False)


def kind_label(kind: str, lang: str) -> str:
    return t(f"kind.{kind}", lang)


def empty() -> dict:
    return {"type": "FeatureCollection", "features": []}


def page_map(prefix: str, lang: str, layers: list[tuple[str, str, bool, bool]], selected_village: str | None = None,
             height_class: str = "map-box", drill_villages: bool = True, commune: str | None = None,
             data: dict[str, dict] | None = None) -> dl.MapContainer:
    """A page's map of one commune (None: the default one), built once in its layout from the store's
    site (memoised, so no query on most renders): village outlines plus one empty GeoJSON layer per (key,
    name, checked, cluster), or holding the FeatureCollection `data` gives for its key (what the page's
    callback would send first, drawn with the layout). Callbacks then send only each layer's data, so a
    refresh moves points, not the whole map, and the operator's zoom and layer choices stay."""
    import pandas as pd

    from queries import site
    try:
        villages = site.villages(commune)[["id", "name", "outline"]]
        c = site.commune(commune)
    except Exception:  # noqa: BLE001 - Dash calls layouts bare at start-up, maybe before the first migration
        villages, c = pd.DataFrame(columns=["id", "name", "outline"]), {}
    villages = villages.assign(outline=[o if isinstance(o, list) else [] for o in villages["outline"]])
    center = (c["center_lat"], c["center_lon"]) if c else (16.4637, 107.5909)   # no commune yet: Huế
    zoom = int(c["zoom"]) if c else 13
    # on a page with a village filter, a click on a village outline filters the page to that village
    layer_id = {"type": "village-layer", "page": prefix} if drill_villages else f"{prefix}-villages-layer"
    overlays = [(t("map.villages", lang), village_layer(villages, selected_village, lang, layer_id), True)]
    for key, name, checked, cluster in layers:
        features = ((data or {}).get(key) or {}).get("features") or []
        overlays.append((name, points_layer(features, f"{prefix}-{key}", cluster=cluster), checked))
    return commune_map(f"{prefix}-leaflet", center, zoom, overlays, height_class)


@callback(Output(fid("village"), "value", allow_duplicate=True),
          Input({"type": "village-layer", "page": ALL}, "clickData"), State(fid("village"), "value"),
          prevent_initial_call=True)
def drill_down_village(_clicks, current):
    """A village clicked on the map filters the page to it; a second click on it shows the whole commune."""
    click = (ctx.triggered[0] or {}).get("value") if ctx.triggered else None
    village = clicked_id(click)
    if not village:
        return no_update
    return None if village == current else village


# The selected village is outlined in red wherever the filter changes it from.
clientside_callback(
    """function (village, layers) {
        return (layers || []).map(fc => Object.assign({}, fc, {features: (fc.features || []).map(f =>
            Object.assign({}, f, {properties: Object.assign({}, f.properties, {selected: f.id === village})}))}));
    }""",
    Output({"type": "village-layer", "page": ALL}, "data"), Input(fid("village"), "value"),
    State({"type": "village-layer", "page": ALL}, "data"), prevent_initial_call=True)



def mark_selected(prefix: str, layer_key: str, filter_name: str) -> None:
    """Outline, in the browser, the marker of the device a page is filtered to. Changing the layer's data
    for it would re-create the layer and close the popup (with its alert buttons) that the operator has
    just opened with the same click that drilled the page down. Needs a dcc.Store `{prefix}-map-mark`."""
    clientside_callback(
        f"""function (value, _data) {{
            window.brain.markSelected('{prefix}-leaflet', value);
            return window.dash_clientside.no_update;
        }}""",
        Output(f"{prefix}-map-mark", "data"), Input(fid(filter_name), "value"), Input(f"{prefix}-{layer_key}", "data"))

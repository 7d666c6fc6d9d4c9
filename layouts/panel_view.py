"""Panels on screen: a slot that a page, a wall slide or the meeting places anywhere, any number of
times, and the one small pattern-matching callback that refreshes each slot.

A slot's id is {"type": "panel", "panel": <panel id>, "slot": <n>}; its filters live beside it in
{"type": "panel-filters", ...} (fixed for a wall slide, or copied from a page's filter bar), and its size
("page" | "wall") in the slot's data attribute. A slot is drawn with the layout that places it (a page's,
a wall slide's): `panels.data_for` (cached PanelData, never finished layout) drawn by the panel's own
renderer, so a page needs no round trip to show its panels. The callback draws it again the same way
when the filters, the refresh tick or the URL's commune change; never when the slot appears.

A page's filter bar reaches its slots through one callback for every page (`apply_filters`): it turns
the bar into `Filters`, hands them to every slot on the page (a slot may pin some of them: the same
river-level panel once per gauge), and says once, above the panels, what is wrong with a bad value."""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from urllib.parse import quote, urlencode

import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, callback, ctx, dcc, html, no_update

from auth.communes import resolve_commune
from components.errors import error_alert
from components.freshness import freshness_badge
from components.kpi import covers_text, kpi_card
from components.page import GRAPH_HEIGHTS, graph, only_changed
from core.errors import BadParam
from core.i18n import t
from layouts.context import current_lang, current_theme
from panels import Filters, PanelData, data_for, get_panel, prefetch
from panels.base import Image, Tag

log = logging.getLogger(__name__)


def covers_for(data: PanelData, lang: str) -> str:
    """"Hiện tại · toàn xã", "Từ 23/11/2026 đến 29/11/2026 · Thôn 2", "Tuần này, từ Thứ Hai · toàn xã"."""
    scope = data.scope_name(lang)
    for note in data.notes:
        scope = f"{scope}, {t(note, lang)}"
    if data.extra.get("this_week"):
        return covers_text(lang, this_week=True, scope=scope)
    if data.now:
        return covers_text(lang, now=True, scope=scope)
    period = data.extra.get("period")
    if period:
        return covers_text(lang, first=period, last=period, scope=scope)
    if data.extra.get("first") and data.extra.get("last"):     # reported periods summed over the filter's window
        return covers_text(lang, first=data.extra["first"], last=data.extra["last"], scope=scope)
    return covers_text(lang, start=data.start, end=data.end, scope=scope)


EXPORT_FORMATS = (("png", "PNG"), ("svg", "SVG"), ("pdf", "PDF"), ("csv", "CSV"), ("xlsx", "XLSX"))


def export_href(panel_id: str, fmt: str, filters: dict | None) -> str:
    """/export/<panel>.<fmt>?<the slot's filters>: the file shows what the slot shows."""
    query = urlencode(Filters.from_mapping(filters).as_dict())
    return f"/export/{quote(panel_id)}.{fmt}" + (f"?{query}" if query else "")


def export_menu(panel_id: str, lang: str, filters: dict | None):
    """A small menu on a page's panel: images (drawn on the server) and the data behind it. One button
    carrying the five links (the slot's filters in each); assets/40_exports.js opens the menu of plain links
    from them (the server answers with an attachment, so the page stays where it is). A Bootstrap
    DropdownMenu here was nine components a panel, a quarter of a page's components, and its Popper
    measured the page as it mounted: 80-100 components and ~50 ms of a first visit's main thread."""
    links = {f"data-{fmt}": export_href(panel_id, fmt, filters) for fmt, _label in EXPORT_FORMATS}
    return html.Button(className="panel-export panel-export-toggle btn btn-link btn-sm bi bi-download",
                       title=t("export.menu", lang), disable_n_clicks=True,
                       **{"aria-label": t("export.menu", lang), "aria-haspopup": "menu", "aria-expanded": "false",
                          "data-images": t("export.menu_image", lang), "data-data": t("export.menu_data", lang),
                          **links})


def _cell(value):
    if isinstance(value, Image):
        return html.Img(src=value.src, alt=value.alt, className="event-snap")
    return html.Span(value.text, className=f"badge-{value.tone}") if isinstance(value, Tag) else value


def render(panel_id: str, data: PanelData, lang: str, theme: str, size: str = "page", filters: dict | None = None,
           key: dict | None = None, height: str = "md"):
    """A panel's data as components: a KPI card, a chart or a table, with its period, scope and freshness;
    on a page (not on the wall) an export menu. `key` (the slot's {"panel", "slot"}) names the chart
    {"type": "panel-graph", ...}, so a page can drill down from a click on it. `height`: a page chart's
    height (components.page.GRAPH_HEIGHTS: sm, md, lg); on the wall a chart fills its cell."""
    panel = get_panel(panel_id)
    if data.error is not None:     # the page says it once above; each panel says it briefly, under its title
        return html.Div([html.Div(panel.title(lang), className="panel-title"), error_alert(data.error, lang)],
                        className=f"panel-box panel-error panel-{panel.kind}")
    menu = export_menu(panel_id, lang, filters) if size == "page" else None
    if panel.kind == "kpi":
        fields = dict(panel.kpi(data, lang))
        label = fields.pop("label", None) or panel.title(lang)
        advice = fields.pop("advice", None)
        fields.pop("period", None)
        if advice and size == "wall":    # on the wall the band's advice is part of the card
            fields["note"] = " · ".join(x for x in (fields.get("note"), advice) if x)
        card = kpi_card(panel_id.replace(".", "-"), label, fields.pop("value"), fields.pop("unit", panel.unit), lang,
                        fresh=data.freshness | {"simulated": data.simulated}, covers=covers_for(data, lang),
                        href=panel.href if size == "page" else None, page=f"panel-{size}", **fields)
        return html.Div([menu, card], className="panel-kpi-wrap") if menu is not None else card
    # a panel over the store's own state (alerts, sources) has no source whose freshness to show
    badges = freshness_badge(data.freshness | {"simulated": data.simulated}, lang) if panel.sources else []
    header = html.Div([html.Span(panel.title(lang), className="panel-title"),
                       html.Span(covers_for(data, lang), className="panel-covers"), *badges, menu],
                      className="panel-head")
    if panel.kind == "chart":
        figure = panel.figure(data, lang, theme)
        if size == "wall":
            figure.update_layout(font={"size": 22}, margin={"l": 70, "r": 30, "t": 40, "b": 60})
        # the figure as the JSON dict plotly.js receives, made once here: Dash's serialiser and the slot's
        # fingerprint (only_changed) would each convert (deep-copy) a go.Figure again
        if hasattr(figure, "to_plotly_json"):
            figure = figure.to_plotly_json()
        body = graph({"type": "panel-graph", **key} if key else None, size="fill" if size == "wall" else height,
                     figure=figure, lang=lang, filename=panel.id, mode_bar=size != "wall", className="panel-graph")
    else:
        head, rows = panel.table(data, lang)
        if size == "wall" and panel.wall_rows:
            rows = rows[:panel.wall_rows]      # the cell hides what does not fit: cut here, and count it below
        body = html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                                    html.Tbody([html.Tr([html.Td(_cell(c)) for c in row]) for row in rows]
                                               or [html.Tr(html.Td(t("common.no_data", lang), colSpan=len(head)))])],
                                   className="table table-sm table-compact panel-table"), className="panel-table-wrap")
        more = panel.more(data, lang, len(rows)) if panel.more else None
        if more:
            body = [body, html.Div(more, className="panel-more")]
    note = panel.footnote_text(data, lang) if size == "page" else None
    foot = html.Small(note, className="muted d-block panel-foot") if note else None
    return html.Div([header, *(body if isinstance(body, list) else [body]), foot], className=f"panel-box panel-{panel.kind}")


def slot(panel_id: str, filters: dict | None = None, n: int = 0, size: str = "page", className: str = "",
         pin: dict | None = None, id: str | None = None, height: str | None = None):
    """Where a panel goes. Same panel twice on one screen: give each a different n. `pin`: filters this
    slot keeps whatever the page's filter bar says (a gauge, or None to ignore the bar's device).
    `id`: a plain id on the slot's box, for what links and tests point at. `height`: a chart's height on
    a page (sm, md, lg), so charts side by side line up."""
    get_panel(panel_id)
    key = {"panel": panel_id, "slot": n}
    pin = dict(pin or {})
    spec = {"filters": pinned(filters or {}, pin), "size": size}
    if pin:
        spec["pin"] = pin
    if height:
        spec["height"] = height
    first, seen = first_content(panel_id, spec, n)
    return html.Div([
        dcc.Store(id={"type": "panel-filters", **key}, data=spec),
        dcc.Store(id={"type": "panel-seen", **key}, data=seen),
        html.Div(first, id={"type": "panel", **key}, className="panel-body"),
    ], className=f"panel-slot panel-size-{size} {className}".strip(), **({"id": id} if id else {}))


def slots(panel_ids, filters: dict | None = None) -> list:
    """slot() for each of these panels, under the same filters, their numbers asked for together first
    (panels.prefetch: a row of KPI cards' period summaries in one query, not one or two a card). The
    prefetch only fills the cache: each slot then draws as slot() always does, so one that fails here
    (logged) or a commune this user may not see (each slot says so) changes nothing but the cost."""
    try:
        prefetch(panel_ids, slot_filters(pinned(filters or {}, {})))
    except BadParam:
        pass
    except Exception:  # noqa: BLE001 - each slot asks for its own numbers (and reports a failure) anyway
        log.exception("panels %s not prefetched", ", ".join(panel_ids))
    return [slot(panel_id, filters) for panel_id in panel_ids]


def first_content(panel_id: str, spec: dict, n: int) -> tuple:
    """A slot's first content, drawn with the layout that places it, and its fingerprint for the slot's
    `panel-seen` store: what `update_panel` would answer to its first call, without that round trip (the
    callback only refreshes: filters, the refresh tick, the URL's commune). The commune is the slot's
    own (a page passes the URL's in its filters); a refused one is said in the slot, as the callback does.
    Anything unexpected is logged with a reference and said in the slot; the next refresh tries again."""
    try:
        return tuple(only_changed([draw(panel_id, spec, n, None)], None))
    except BadParam as err:
        return error_alert(err, current_lang()), None
    except Exception:  # noqa: BLE001 - one panel's failure must not take its page down
        ref = uuid.uuid4().hex[:8]
        log.exception("panel %s not drawn in the layout %s", panel_id, ref)
        return dbc.Alert(t("error.internal", current_lang(), ref=ref), color="danger", className="panel-error"), None


def first_answer(view, fallback: tuple, *args) -> tuple[tuple, object]:
    """(what a page's live callback would answer to its first call, message): the page's own content drawn
    with its layout, by the function the callback calls, so a first visit (and a dcc.Link from another
    page) waits for no callback; the callback then only follows changes. `view` says an expected problem
    (a refused commune, a bad filter) in its own outputs, as the callback does; anything unexpected is
    logged with a reference and answered with `fallback` and a message saying the reference: the layout
    never fails for it, and the next refresh tries again. Outside a request (Dash calling a layout bare at
    start-up) nothing is asked: `fallback`."""
    from flask import has_request_context
    if not has_request_context():
        return fallback, None
    try:
        return tuple(view(*args)), None
    except Exception:  # noqa: BLE001 - one part's failure must not take its page down
        ref = uuid.uuid4().hex[:8]
        log.exception("%s not drawn in the layout %s", getattr(view, "__name__", view), ref)
        return fallback, dbc.Alert(t("error.internal", current_lang(), ref=ref), color="danger", className="mb-2")


def pinned(filters: dict, pin: dict) -> dict:
    """The filters a slot asks with: the page's, with what the slot pins put over them."""
    return Filters.from_mapping({**filters, **pin}).as_dict()


def bar_filters(period, dates, **values) -> dict:
    """A filter bar's values as a slot's filters. The page layout starts its slots with this and the
    page's callback sends it again when the bar changes: the same function, so a page that has just
    loaded asks nothing twice. dates: the bar's date store, {"start", "end"}, read only for "custom"."""
    dates = dates if isinstance(dates, dict) else {}
    start, end = dates.get("start"), dates.get("end")
    custom = period == "custom" or (bool(start) and not period)
    return Filters.from_mapping({"period": "custom" if custom else (period or "7d"),
                                 "start": start if custom else None, "end": end if custom else None,
                                 **values}).as_dict()


SLOT_SPECS = {"type": "panel-filters", "panel": ALL, "slot": ALL}
# A filter of a page's bar -> the Filters field it sets (and, for a device, the kind it must be). The
# filter ids are the shell's ({"type": "filter", "name": ...}: URL and navigation links follow them).
BAR_FIELDS: dict[str, tuple[str, str | None]] = {
    "village": ("village", None), "station": ("device", "water_station"), "camera": ("device", "camera"),
    "parameter": ("parameter", None), "label": ("label", None), "category": ("category", None),
    "stage": ("stage", None)}


def filters_message(filters: dict, device_kind: str | None = None):
    """The translated message for filters a page cannot show (a bad period or dates, an unknown village or
    device), or None."""
    try:
        Filters.from_mapping(filters).check(device_kind)
    except BadParam as err:
        return error_alert(err, current_lang())
    return None


def filters_error(prefix: str, filters: dict | None = None, device_kind: str | None = None) -> html.Div:
    """Where a page says once, above its panels, what is wrong with a filter (each panel refuses the same
    value): drawn with the layout for the link's filters, redrawn by `apply_filters` when the bar changes.
    The plain outer id is the page's ({prefix}-error), the inner one the shared callback's."""
    message = filters_message(filters, device_kind) if filters else None
    return html.Div(html.Div(message, id={"type": "filters-error", "page": prefix}), id=f"{prefix}-error")


@callback(Output({"type": "filters-error", "page": ALL}, "children"), Output(SLOT_SPECS, "data"),
          Input({"type": "filter", "name": ALL}, "value"), Input({"type": "filter-dates", "name": ALL}, "data"),
          State({"type": "filter", "name": ALL}, "id"), State(SLOT_SPECS, "data"), State("shell-commune", "data"),
          prevent_initial_call=True)
def apply_filters(values, dates, ids, specs, commune=None):
    """A page's filter bar, when it changes -> `Filters` for every panel slot on the page (what a slot pins
    stays), and one translated message for a bad value. Not called when a page opens: its layout starts
    the slots and the message from the link's filters, so a page (or a wall) that just loaded asks nothing
    twice. A page whose bar has no period (the alerts page) keeps its slots' filters as they are."""
    specs = specs if isinstance(specs, list) else []
    listed = lambda x: x if isinstance(x, list) else []     # noqa: E731 - what a forged request sends instead
    bar = {i["name"]: v for i, v in zip(listed(ids), listed(values)) if isinstance(i, dict) and isinstance(i.get("name"), str)}
    errors = len(ctx.outputs_list[0]) if ctx.outputs_list else 0
    if "period" not in bar:
        return [no_update] * errors, [no_update] * len(specs)
    fields = {BAR_FIELDS[name][0]: value for name, value in bar.items() if name in BAR_FIELDS}
    # the URL's commune (?xa=) goes with the filters, so villages and devices are checked against it;
    # whether the user may see it is checked where the panel is drawn (update_panel)
    commune = commune if isinstance(commune, str) and commune else None
    filters = bar_filters(bar["period"], (listed(dates) or [None])[0], commune=commune, **fields)
    kind = next((BAR_FIELDS[name][1] for name in bar if name in BAR_FIELDS and BAR_FIELDS[name][1]), None)
    return [filters_message(filters, kind)] * errors, [follow(spec, filters) for spec in specs]


def follow(spec, filters: dict):
    """A slot's new spec under the bar's filters, or no_update when it already asks exactly that."""
    spec = spec if isinstance(spec, dict) else {}
    pin = spec.get("pin") if isinstance(spec.get("pin"), dict) else {}
    wanted = pinned(filters, pin)
    return no_update if spec.get("filters") == wanted else {**spec, "filters": wanted}


@callback(Output({"type": "panel", "panel": MATCH, "slot": MATCH}, "children"),
          Output({"type": "panel-seen", "panel": MATCH, "slot": MATCH}, "data"),
          Input({"type": "panel-filters", "panel": MATCH, "slot": MATCH}, "data"),
          Input("shell-tick", "n_intervals"),
          Input("shell-commune", "data"),
          State({"type": "panel-filters", "panel": MATCH, "slot": MATCH}, "id"),
          State({"type": "panel-seen", "panel": MATCH, "slot": MATCH}, "data"),
          prevent_initial_call=True)
def update_panel(spec, _tick, shell_commune, slot_id, seen):
    """One panel: cached data, drawn at the slot's size; nothing is sent when nothing changed. Not called
    when a slot appears: `slot()` draws its first content (first_content)."""
    panel_id = slot_id.get("panel") if isinstance(slot_id, dict) else None
    try:
        drawn = draw(panel_id, spec, slot_id.get("slot") if isinstance(slot_id, dict) else None, shell_commune)
    except BadParam as err:    # a forged or stale slot id: say so, in the viewer's language
        return error_alert(err, current_lang()), None
    return only_changed([drawn], seen)


def slot_filters(filters, shell_commune: str | None = None) -> Filters:
    """The Filters a slot's panel is asked with: its spec's, with the slot's own commune (a page's or a wall
    slide's), else the URL's (?xa=, via the shell); both come from the browser, so the commune is checked
    against the user here, on the server (BadParam when refused)."""
    filters = Filters.from_mapping(filters)
    return replace(filters, commune=resolve_commune(filters.commune or shell_commune))


def draw(panel_id, spec, slot_no, shell_commune):
    """A slot's content for its spec: cached data drawn at the slot's size. Raises BadParam for a panel,
    filter or commune it cannot show."""
    spec = spec if isinstance(spec, dict) else {}
    size = spec.get("size") if spec.get("size") in ("page", "wall") else "page"
    lang = current_lang()
    theme = "dark" if size == "wall" else current_theme()
    filters = slot_filters(spec.get("filters"), shell_commune)
    data = data_for(panel_id, filters)
    key = {"panel": panel_id, "slot": slot_no}
    height = spec.get("height") if spec.get("height") in GRAPH_HEIGHTS else "md"
    shown = {**(spec.get("filters") if isinstance(spec.get("filters"), dict) else {}), "commune": filters.commune}
    return render(panel_id, data, lang, theme, size, shown, key, height)   # exports name the commune

"""Panels on screen: a slot that a page, a wall slide or the meeting places anywhere, any number of
times, and the one small pattern-matching callback that fills each slot.

A slot's id is {"type": "panel", "panel": <panel id>, "slot": <n>}; its filters live beside it in
{"type": "panel-filters", ...} (fixed for a wall slide, or copied from a page's filter bar), and its size
("page" | "wall") in the slot's data attribute. The callback asks `panels.data_for` (cached PanelData,
never finished layout) and draws it with the panel's own renderer."""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlencode

import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, dcc, html

from auth.communes import resolve_commune
from components.errors import error_alert
from components.freshness import freshness_badge
from components.kpi import covers_text, kpi_card
from components.page import graph, only_changed
from core.errors import BadParam
from core.i18n import t
from layouts.context import current_lang, current_theme
from panels import Filters, PanelData, data_for, get_panel


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
    return covers_text(lang, start=data.start, end=data.end, scope=scope)


EXPORT_FORMATS = (("png", "PNG"), ("svg", "SVG"), ("pdf", "PDF"), ("csv", "CSV"), ("xlsx", "XLSX"))


def export_href(panel_id: str, fmt: str, filters: dict | None) -> str:
    """/export/<panel>.<fmt>?<the slot's filters>: the file shows what the slot shows."""
    query = urlencode(Filters.from_mapping(filters).as_dict())
    return f"/export/{quote(panel_id)}.{fmt}" + (f"?{query}" if query else "")


def export_menu(panel_id: str, lang: str, filters: dict | None):
    """A small dropdown on a page's panel: images (drawn on the server) and the data behind it. Plain
    links (the server answers with an attachment), so the page stays where it is."""
    items = [dbc.DropdownMenuItem(t("export.menu_image", lang), header=True)]
    for fmt, label in EXPORT_FORMATS:
        if fmt == "csv":
            items.append(dbc.DropdownMenuItem(t("export.menu_data", lang), header=True))
        items.append(dbc.DropdownMenuItem(label, href=export_href(panel_id, fmt, filters), external_link=True,
                                          className=f"panel-export-{fmt}"))
    return dbc.DropdownMenu(items, label=html.I(className="bi bi-download", title=t("export.menu", lang)),
                            size="sm", color="link", align_end=True, className="panel-export",
                            toggle_class_name="panel-export-toggle")


def render(panel_id: str, data: PanelData, lang: str, theme: str, size: str = "page", filters: dict | None = None):
    """A panel's data as components: a KPI card, a chart or a table, with its period, scope and freshness;
    on a page (not on the wall) an export menu."""
    panel = get_panel(panel_id)
    if data.error is not None:
        return error_alert(data.error, lang)
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
        body = graph(size="fill" if size == "wall" else "md", figure=figure, lang=lang, filename=panel.id, mode_bar=size != "wall",
                     className="panel-graph")
    else:
        head, rows = panel.table(data, lang)
        body = html.Div(html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                                    html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]
                                               or [html.Tr(html.Td(t("common.no_data", lang), colSpan=len(head)))])],
                                   className="table table-sm table-compact panel-table"), className="panel-table-wrap")
    return html.Div([header, body], className=f"panel-box panel-{panel.kind}")


def slot(panel_id: str, filters: dict | None = None, n: int = 0, size: str = "page", className: str = ""):
    """Where a panel goes. Same panel twice on one screen: give each a different n."""
    get_panel(panel_id)
    key = {"panel": panel_id, "slot": n}
    return html.Div([
        dcc.Store(id={"type": "panel-filters", **key}, data={"filters": filters or {}, "size": size}),
        dcc.Store(id={"type": "panel-seen", **key}),
        html.Div(id={"type": "panel", **key}, className="panel-body"),
    ], className=f"panel-slot panel-size-{size} {className}".strip())


@callback(Output({"type": "panel", "panel": MATCH, "slot": MATCH}, "children"),
          Output({"type": "panel-seen", "panel": MATCH, "slot": MATCH}, "data"),
          Input({"type": "panel-filters", "panel": MATCH, "slot": MATCH}, "data"),
          Input("shell-tick", "n_intervals"),
          Input("shell-commune", "data"),
          State({"type": "panel-filters", "panel": MATCH, "slot": MATCH}, "id"),
          State({"type": "panel-seen", "panel": MATCH, "slot": MATCH}, "data"))
def update_panel(spec, _tick, shell_commune, slot_id, seen):
    """One panel: cached data, drawn at the slot's size; nothing is sent when nothing changed."""
    spec = spec if isinstance(spec, dict) else {}
    size = spec.get("size") if spec.get("size") in ("page", "wall") else "page"
    lang = current_lang()
    theme = "dark" if size == "wall" else current_theme()
    panel_id = slot_id.get("panel") if isinstance(slot_id, dict) else None
    try:
        filters = Filters.from_mapping(spec.get("filters"))
        # the slot's own commune (a wall slide's), else the URL's (?xa=, via the shell); both come from the
        # browser, so the commune is checked against the user here, on the server
        filters = replace(filters, commune=resolve_commune(filters.commune or shell_commune))
        data = data_for(panel_id, filters)
    except BadParam as err:    # a forged or stale slot id: say so, in the viewer's language
        return error_alert(err, lang), None
    shown = {**(spec.get("filters") if isinstance(spec.get("filters"), dict) else {}), "commune": filters.commune}
    return only_changed([render(panel_id, data, lang, theme, size, shown)], seen)   # exports name the commune

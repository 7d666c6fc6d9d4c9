"""Panels: each number defined once, for pages, the wall, the weekly report and exports (see base.py).

`data_for(panel_id, filters)` is the one way to get a panel's data: cached for a minute per filter set
and dropped whenever ingest stores new data (the "pages" tag), so every viewer, every wall and every
export of the same minute share one answer."""
from __future__ import annotations

import time
from dataclasses import replace

from panels.base import REGISTRY, Filters, Panel, PanelData, restrict, with_error
from core.errors import BadParam
from queries import site
from queries.cache import memoize
from queries.indicators import period_summary_many     # by name: `panels.indicators` is the panels module

__all__ = ["REGISTRY", "Filters", "Panel", "PanelData", "data_for", "data_for_many", "get_panel", "prefetch"]


def get_panel(panel_id: str) -> Panel:
    try:
        return REGISTRY[panel_id]
    except KeyError:
        raise BadParam("error.unknown_panel", value=str(panel_id)[:60]) from None


@memoize("pages", expire=60)
def _cached(panel_id: str, filters: Filters, minute: int) -> PanelData:
    data = REGISTRY[panel_id].data(filters)
    data.commune = filters.commune
    return data


def data_for(panel_id: str, filters: Filters | None = None) -> PanelData:
    """The panel's data for these filters. The commune is resolved first (None: the default commune), so
    the cache keeps one answer per commune whichever way it was named. Who may see which commune is
    checked by the caller that knows the user (layouts/panel_view.py, the export route)."""
    panel = get_panel(panel_id)
    filters = restrict(filters or Filters(), panel.uses)
    try:
        filters = replace(filters, commune=filters.commune_id())
        return _cached(panel_id, filters, int(time.time()) // 60)
    except BadParam as err:
        return with_error(panel_id, err)


def data_for_many(panel_id: str, filters: Filters | None, communes) -> dict:
    """data_for(panel_id, filters with each commune) for every commune in `communes`, {commune: PanelData},
    read from the very cache entries data_for uses; those missing are computed together by the panel's
    data_many (set-based queries: one per figure for every commune, where a commune at a time was N round
    trips each) and kept under each commune's own key. A panel without data_many is asked commune by
    commune."""
    panel = get_panel(panel_id)
    filters = restrict(filters or Filters(), panel.uses)
    out, resolved = {}, {}
    for asked, commune in site.check_communes(communes).items():
        if isinstance(commune, BadParam):
            out[asked] = with_error(panel_id, commune)
        else:
            resolved[asked] = commune
    ids = tuple(dict.fromkeys(resolved.values()))
    minute = int(time.time()) // 60

    def compute(calls: list[tuple]) -> list[PanelData]:
        missing = tuple(call[1].commune for call in calls)
        got = (panel.data_many(filters, missing) if panel.data_many is not None
               else {c: panel.data(replace(filters, commune=c)) for c in missing})
        for c in missing:
            got[c].commune = c
        return [got[c] for c in missing]
    try:
        values = dict(zip(ids, _cached.many([(panel_id, replace(filters, commune=c), minute) for c in ids], compute)))
    except BadParam as err:
        values = {c: with_error(panel_id, err) for c in ids}
    out.update({asked: values[c] for asked, c in resolved.items()})
    return {asked: out[asked] for asked in communes}


def prefetch(panel_ids, filters: Filters | None = None) -> None:
    """Ask together what the panels among these will each ask of the query layer with these filters (their
    period summaries: Panel.summaries), so a page drawing them next (data_for, one panel at a time, as ever)
    finds every answer kept: one query for a page's KPI cards instead of one or two a card. Each panel's
    own data() still asks for its numbers, so what it shows never depends on having been prefetched.
    Filters a panel cannot show are left to its data() to refuse."""
    calls = []
    for panel_id in panel_ids:
        panel = get_panel(panel_id)
        if panel.summaries is None:
            continue
        asked = restrict(filters or Filters(), panel.uses)
        try:
            calls += panel.summaries(replace(asked, commune=asked.commune_id()))
        except BadParam:
            continue
    if calls:
        period_summary_many(list(dict.fromkeys(calls)))


# Last: the pillar modules register their panels, and some (through panels.week) use data_for above.
from panels import city, digital, environment, feedback, indicators, operations, security, services  # noqa: E402,F401

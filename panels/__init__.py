"""Panels: each number defined once, for pages, the wall, the weekly report and exports (see base.py).

`data_for(panel_id, filters)` is the one way to get a panel's data: cached for a minute per filter set
and dropped whenever ingest stores new data (the "pages" tag), so every viewer, every wall and every
export of the same minute share one answer."""
from __future__ import annotations

import time

from panels.base import REGISTRY, Filters, Panel, PanelData, restrict, with_error
from core.errors import BadParam
from queries.cache import memoize

__all__ = ["REGISTRY", "Filters", "Panel", "PanelData", "data_for", "get_panel"]


def get_panel(panel_id: str) -> Panel:
    try:
        return REGISTRY[panel_id]
    except KeyError:
        raise BadParam("error.unknown_panel", value=str(panel_id)[:60]) from None


@memoize("pages", expire=60)
def _cached(panel_id: str, filters: Filters, minute: int) -> PanelData:
    return REGISTRY[panel_id].data(filters)


def data_for(panel_id: str, filters: Filters | None = None) -> PanelData:
    panel = get_panel(panel_id)
    filters = restrict(filters or Filters(), panel.uses)
    try:
        return _cached(panel_id, filters, int(time.time()) // 60)
    except BadParam as err:
        return with_error(panel_id, err)


# Last: the pillar modules register their panels, and some (through panels.week) use data_for above.
from panels import digital, environment, feedback, indicators, operations, security, services  # noqa: E402,F401

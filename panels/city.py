"""Panels a commune is compared by on the city page (and any page may show) that no pillar page defines:
the flood level now and the sources down. The city page's other columns are the pillar pages' own panels
(fb.on_time, fb.reports_overdue, svc.index766_estimate, env.aqi_now): one definition of each number."""
from __future__ import annotations

from core.errors import BadParam
from core.i18n import t
from panels.base import Filters, Panel, PanelData, make_data, register, with_error
from queries import health, kpis
from queries.base import records


def flood_now_data(filters: Filters) -> PanelData:
    """The highest flood alarm (0: below level I, 1-3: Báo động I-III) reached now at the commune's
    gauges, with each gauge's level; None when no gauge has a level now."""
    try:
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("env.flood_now", err)
    gauges = records(kpis.gauges_now(commune=commune))
    known = [g for g in gauges if g["level"] is not None]
    alarm = max((int(g["alarm"] or 0) for g in known), default=None) if known else None
    rows = [{"device": g["device"], "name": g["name"], "level": g["level"], "alarm": g["alarm"]} for g in gauges]
    return make_data("env.flood_now", ("sensorthings",), value=alarm, extra={"gauges": rows}, now=True,
                     scope=f"commune:{commune}")


register(Panel("env.flood_now", "Mức báo động lũ cao nhất", "Highest flood alarm", "environment", "kpi",
               ("sensorthings",), flood_now_data,
               kpi=lambda d, lang: {"value": d.value, "decimals": 0, "direction": "down", "unit": ""},
               href="/environment"))


def sources_down_data(filters: Filters) -> PanelData:
    """How many of the sources serving the commune are down now (its own and the city-wide ones)."""
    try:
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("ops.sources_down", err)
    frame = health.sources(commune=commune)
    down = sorted(frame[frame["state"] == "down"]["source"]) if not frame.empty else []
    return make_data("ops.sources_down", (), value=None if frame.empty else len(down),
                     extra={"down": down, "of": len(frame)}, now=True, scope=f"commune:{commune}")


register(Panel("ops.sources_down", "Nguồn dữ liệu mất kết nối", "Sources down", "operations", "kpi", (),
               sources_down_data,
               kpi=lambda d, lang: {"value": d.value, "decimals": 0, "direction": "down",
                                    "unit": t("unit.sources_of", lang, n=d.extra.get("of", 0))},
               href="/data"))

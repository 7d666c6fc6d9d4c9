"""Panels a commune is compared by on the city page (and any page may show) that no pillar page defines:
the flood level now and the sources down. The city page's other columns are the pillar pages' own panels
(fb.on_time, fb.reports_overdue, svc.index766_estimate, env.aqi_now): one definition of each number."""
from __future__ import annotations

from core.i18n import t
from panels.base import Filters, Panel, data_maker, each_commune, one_commune, register
from queries import health, kpis
from queries.base import records


def flood_now_many(filters: Filters, communes: tuple) -> dict:
    """The highest flood alarm (0: below level I, 1-3: Báo động I-III) reached now at each commune's
    gauges, with each gauge's level; None when no gauge has a level now. Every gauge of the communes is
    read in one query (kpis.gauges_now_by_commune, the rule of kpis.gauges_now)."""
    ok, out = each_commune("env.flood_now", filters, communes)
    if not ok:
        return out
    by_commune = kpis.gauges_now_by_commune(tuple(dict.fromkeys(c for c, _ in ok.values())))
    made = data_maker("env.flood_now", ("sensorthings",))
    for asked, (commune, _) in ok.items():
        gauges = records(by_commune[commune])
        known = [g for g in gauges if g["level"] is not None]
        alarm = max((int(g["alarm"] or 0) for g in known), default=None) if known else None
        rows = [{"device": g["device"], "name": g["name"], "level": g["level"], "alarm": g["alarm"]} for g in gauges]
        out[asked] = made(value=alarm, extra={"gauges": rows}, now=True, scope=f"commune:{commune}")
    return out


register(Panel("env.flood_now", "Mức báo động lũ cao nhất", "Highest flood alarm", "environment", "kpi",
               ("sensorthings",), one_commune(flood_now_many),
               kpi=lambda d, lang: {"value": d.value, "decimals": 0, "direction": "down", "unit": ""},
               href="/environment", data_many=flood_now_many))


def sources_down_many(filters: Filters, communes: tuple) -> dict:
    """How many of the sources serving each commune are down now (its own and the city-wide ones): every
    commune's sources in one query (health.states_by_commune, the rows and states of health.sources)."""
    ok, out = each_commune("ops.sources_down", filters, communes)
    if not ok:
        return out
    by_commune = health.states_by_commune(tuple(dict.fromkeys(c for c, _ in ok.values())))
    made = data_maker("ops.sources_down", ())
    for asked, (commune, _) in ok.items():
        states = by_commune[commune]
        down = sorted(source for source, state in states.items() if state == "down")
        out[asked] = made(value=len(down) if states else None, extra={"down": down, "of": len(states)},
                          now=True, scope=f"commune:{commune}")
    return out


register(Panel("ops.sources_down", "Nguồn dữ liệu mất kết nối", "Sources down", "operations", "kpi", (),
               one_commune(sources_down_many), data_many=sources_down_many,
               kpi=lambda d, lang: {"value": d.value, "decimals": 0, "direction": "down",
                                    "unit": t("unit.sources_of", lang, n=d.extra.get("of", 0))},
               href="/data"))

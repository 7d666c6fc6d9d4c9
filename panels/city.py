"""Panels a commune is compared by on the city page (and any page may show): reports answered on time,
the Decision 766 estimate, the flood level now and the sources down. Each asks the same queries as the
commune's own pages, for the commune in Filters."""
from __future__ import annotations

from core.errors import BadParam
from core.i18n import t
from domain import index766
from panels.base import Filters, Panel, PanelData, make_data, register, with_error
from queries import health, indicators, kpis, reports
from queries.base import records

RATE_CODES = ("online_dossier_rate", "dossier_on_time_rate", "online_payment_rate", "dossier_digitised_rate",
              "online_service_rate", "dossier_complaint_rate", "report_satisfaction_rate")


def reports_on_time_data(filters: Filters) -> PanelData:
    """Of the reports filed in the period and resolved, the share resolved by their deadline."""
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("fb.reports_on_time", err)
    stats = reports.report_stats(start, end, commune=commune)
    return make_data("fb.reports_on_time", ("open311",), value=stats["on_time_rate"],
                     extra={"resolved": stats["resolved"]}, start=start, end=end, scope=f"commune:{commune}")


register(Panel("fb.reports_on_time", "Phản ánh xử lý đúng hạn", "Reports resolved on time", "government", "kpi",
               ("open311",), reports_on_time_data, unit="%",
               kpi=lambda d, lang: {"value": d.value, "unit": "%", "decimals": 1, "direction": "up"},
               href="/feedback"))


def index_766_data(filters: Filters) -> PanelData:
    """Our estimate of the Decision 766 score over the period, from the same monthly figures the services
    page shows (Σ numerator / Σ denominator) and the reports answered on time; `possible` says how many
    of the 100 points the data cover."""
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("gov.index_766_estimate", err)
    scope = indicators.commune_scope(commune)
    values = {c: indicators.period_summary(c, start, end, scope)["value"] for c in RATE_CODES}
    values["report_on_time_rate"] = reports.report_stats(start, end, commune=commune)["on_time_rate"]
    sc = index766.score(values)
    return make_data("gov.index_766_estimate", ("indicators", "open311"), value=sc["total"],
                     extra={"possible": sc["possible"]}, start=start, end=end, scope=f"commune:{commune}")


register(Panel("gov.index_766_estimate", "Chỉ số 766 (ước tính)", "Decision 766 index (estimate)", "government",
               "kpi", ("indicators", "open311"), index_766_data,
               kpi=lambda d, lang: {"value": d.value, "decimals": 1, "direction": "up",
                                    "unit": t("svc.766_estimate_unit", lang, possible=round(d.extra.get("possible") or 0))},
               href="/services"))


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

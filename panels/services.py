"""Public-service panels over the filters' period (administrative dossiers, online services, e-documents):
each rate summed over the period's reported months against the period before, dossiers by week, the rates
by month, and the Decision 766 groups estimated from the same numbers."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from components.figures.bars import indicator_trend
from components.figures.base import figure, no_data, style_layout
from core.errors import BadParam
from core.formatting import fmt_date, fmt_number, fmt_period
from core.i18n import t
from core.timeutil import LOCAL_TZ
from domain import index766
from domain.catalogue import CATALOGUE
from panels.base import Filters, Panel, PanelData, data_maker, each_commune, make_data, one_commune, register, with_error
from queries import indicators, reports
from queries.windows import previous_window

SOURCES = ("indicators",)
PERIOD_CODES = ("dossier_on_time_rate", "online_dossier_rate", "online_payment_rate", "dossier_digitised_rate",
                "edoc_signed_rate", "online_service_rate", "dossier_avg_days", "index_766_score")
RATE_CODES = ("online_dossier_rate", "dossier_on_time_rate", "online_payment_rate", "dossier_digitised_rate")
UNITS = {"%": ("%", "%"), "days": ("ngày", "days"), "points": ("điểm", "points")}


def catalogue_name(code: str, lang: str) -> str:
    return CATALOGUE[code].vi if lang == "vi" else CATALOGUE[code].en


# --- each indicator over the period ----------------------------------------------------------------------

def _period_calls(code: str):
    def calls(filters: Filters) -> list[tuple]:
        """The indicators.period_summary calls of the card: the period, then the one before it (raises
        BadParam for filters it cannot show)."""
        start, end = filters.window()
        scope = indicators.commune_scope(filters.commune_id())
        return [(code, start, end, scope), (code, *previous_window(start, end), scope)]
    return calls


def _period_data(panel_id: str, summaries):
    def data(filters: Filters) -> PanelData:
        try:
            calls = summaries(filters)
        except BadParam as err:
            return with_error(panel_id, err)
        now, before = (indicators.period_summary(*call) for call in calls)
        _, start, end, _ = calls[0]
        return make_data(panel_id, SOURCES, value=now["value"], start=start, end=end,
                         extra={"previous": before["value"], "first": now["first"], "last": now["last"]})
    return data


def _period_kpi(code: str):
    d = CATALOGUE[code]

    def kpi(data: PanelData, lang: str) -> dict:
        unit = UNITS.get(d.unit, ("", ""))[0 if lang == "vi" else 1]
        return {"value": data.value, "unit": unit, "decimals": 1, "previous": data.extra.get("previous"),
                "previous_label": t("kpi.vs_previous", lang), "direction": d.direction, "target": d.target}
    return kpi


for _code in PERIOD_CODES:
    _d = CATALOGUE[_code]
    _vi, _en = (("Điểm 766 (tỉnh công bố)", "766 score (published by the province)") if _code == "index_766_score"
                else (_d.vi, _d.en))
    _calls = _period_calls(_code)
    register(Panel(f"svc.{_code}", _vi, _en, "government", "kpi", SOURCES, _period_data(f"svc.{_code}", _calls),
                   unit=UNITS.get(_d.unit, ("", ""))[1] if _d.unit != "%" else "%", kpi=_period_kpi(_code),
                   href="/services", summaries=_calls))


# --- Decision 766 estimated from the data -------------------------------------------------------------------

ESTIMATE_CODES = RATE_CODES + ("online_service_rate", "dossier_complaint_rate", "report_satisfaction_rate")


def index766_many(panel_id: str):
    def many(filters: Filters, communes: tuple) -> dict:
        """The estimate uses the very numbers of the period cards: the same period, the same rule; the
        report on-time rate (5.2) comes from Open311. Every commune's indicators in one query and their
        report counts in another (the city page), each commune scored on its own."""
        try:
            start, end = filters.window()
        except BadParam as err:
            return {asked: with_error(panel_id, err) for asked in communes}
        ok, out = each_commune(panel_id, filters, communes)
        if not ok:
            return out
        ids = tuple(dict.fromkeys(c for c, _ in ok.values()))
        scopes = {c: indicators.commune_scope(c) for c in ids}
        summaries = indicators.period_summaries(ESTIMATE_CODES + ("index_766_score",), start, end,
                                                tuple(dict.fromkeys(scopes.values())))
        stats = reports.report_stats_by_commune(start, end, ids)
        made = data_maker(panel_id, SOURCES + ("open311",))
        for asked, (c, _) in ok.items():
            values = {code: summaries[(scopes[c], code)]["value"] for code in ESTIMATE_CODES}
            values["report_on_time_rate"] = stats[c]["on_time_rate"]
            score = index766.score(values)
            out[asked] = made(value=score["total"], start=start, end=end,
                              extra={"score": score, "published": summaries[(scopes[c], "index_766_score")]})
        return out
    return many


_index766 = index766_many("svc.index766_estimate")
register(Panel("svc.index766_estimate", "Điểm 766 (ước tính từ số liệu xã)", "766 score (estimated from the commune's data)",
               "government", "kpi", SOURCES + ("open311",), one_commune(_index766),
               kpi=lambda d, lang: {"value": d.value, "direction": "up", "unit": t(
                   "svc.766_estimate_unit", lang, possible=fmt_number(d.extra["score"]["possible"], lang, 0))},
               href="/services", data_many=_index766))


def _pct(x, lang: str) -> str:
    return "N/A" if x is None or x != x else fmt_number(x, lang, 1) + "%"


def index766_table(data: PanelData, lang: str) -> tuple[list[str], list[list[str]]]:
    """Our estimate per group and sub-indicator (rate / threshold -> points), and the total."""
    sc = data.extra["score"]
    head = [t(f"svc.766_col_{k}", lang) for k in ("group", "max", "score", "subs")]
    rows = []
    for g in sc["groups"]:
        subs = [f"{x['code']}: {_pct(x['rate'], lang)} / {fmt_number(x['threshold'], lang, 0)}% → "
                + ("N/A" if x["score"] is None else f"{fmt_number(x['score'], lang, 1)}/{fmt_number(x['points'], lang, 1)}")
                for x in g["subs"]]
        rows.append([f"{g['code']} – {g['vi'] if lang == 'vi' else g['en']}", fmt_number(g["weight"], lang, 0),
                     "N/A" if g["score"] is None else fmt_number(g["score"], lang, 1), "; ".join(subs) or "N/A"])
    total = "N/A" if sc["total"] is None else f"{fmt_number(sc['total'], lang, 1)} / {fmt_number(sc['possible'], lang, 0)}"
    rows.append(["Σ", "100", total, ""])
    return head, rows


def index766_note(data: PanelData, lang: str) -> str:
    """Why the estimate differs from the province's published score, and how the groups are weighted."""
    sc, published = data.extra["score"], data.extra["published"]
    notes = []
    if published["value"] is not None and sc["total"] is not None:
        notes.append(t("svc.766_difference", lang, published=fmt_number(published["value"], lang, 1),
                       month=fmt_period(published["last"], lang), estimate=fmt_number(sc["total"], lang, 1),
                       possible=fmt_number(sc["possible"], lang, 0),
                       uncovered=fmt_number(index766.uncovered_points(sc), lang, 0),
                       start=fmt_date(data.start), end=fmt_date(data.end - timedelta(seconds=1))))
    notes.append(t("svc.766_weights", lang))
    return " ".join(notes)


_index766_table = index766_many("svc.index766")
register(Panel("svc.index766", "Bộ chỉ số 766 (ước tính từ số liệu)", "Decision 766 index (estimated from the data)",
               "government", "table", SOURCES + ("open311",), one_commune(_index766_table), table=index766_table,
               data_many=_index766_table,
               footnote=index766_note, href="/services",
               rows=lambda d: pd.DataFrame([{"group": g["code"], "weight": g["weight"], "score": g["score"]}
                                            for g in d.extra["score"]["groups"]])))


# --- charts -----------------------------------------------------------------------------------------------

def dossiers_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("svc.dossiers", err)
    weekly = indicators.indicator_series(("dossiers_received", "dossier_on_time_rate"), indicators.commune_scope(commune), start=start, end=end,
                                         period_kind="week")
    received = weekly[weekly["indicator"] == "dossiers_received"].set_index("period_start")["value"]
    on_time = weekly[weekly["indicator"] == "dossier_on_time_rate"].set_index("period_start")
    frame = pd.DataFrame({"received": received,
                          "on_time": on_time["numerator"].reindex(received.index),
                          "late": (on_time["denominator"] - on_time["numerator"]).reindex(received.index)})
    return make_data("svc.dossiers", SOURCES, frame=frame.rename_axis("week_start").reset_index(), start=start, end=end)


def dossiers_figure(data: PanelData, lang: str, theme: str) -> go.Figure:
    frame = data.frame
    if frame is None or frame.empty:
        return no_data(lang, theme)
    x = frame["week_start"].dt.tz_convert(LOCAL_TZ)
    layout = style_layout(lang, theme=theme, unit=t("svc.received", lang))
    layout["barmode"] = "stack"
    layout["xaxis"]["tickformat"] = "%d/%m"
    return figure([{"type": "bar", "x": x, "y": frame["on_time"].to_numpy(), "name": t("svc.on_time", lang),
                    "marker": {"color": "#1e8e3e"}},
                   {"type": "bar", "x": x, "y": frame["late"].to_numpy(), "name": t("svc.late", lang),
                    "marker": {"color": "#d93025"}}], layout)


register(Panel("svc.dossiers", "Hồ sơ thủ tục hành chính theo tuần", "Administrative dossiers by week", "government",
               "chart", SOURCES, dossiers_data, figure=dossiers_figure, href="/services"))


def rates_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("svc.rates", err)
    return make_data("svc.rates", SOURCES, frame=indicators.indicator_series(RATE_CODES, indicators.commune_scope(commune), start=start, end=end,
                                                                             period_kind="month"),
                     start=start, end=end)


register(Panel("svc.rates", "Tỷ lệ trực tuyến, đúng hạn, thanh toán trực tuyến", "Online, on-time and online-payment rates",
               "government", "chart", SOURCES, rates_data, unit="%",
               figure=lambda d, lang, theme: indicator_trend(d.frame, lang=lang, unit="%", theme=theme,
                                                             names={c: catalogue_name(c, lang) for c in RATE_CODES}),
               href="/services"))

"""A KPI card: value and unit, the trend against last week coloured by which way is better, the target,
how fresh it is, and "Không có dữ liệu" when there is nothing behind it (never a 0). `covers` says which
period and scope the number is about, so two cards that differ say why."""
from __future__ import annotations

from dash import dcc, html

from components.freshness import freshness_badge, stale_stamp
from core.formatting import fmt_number, is_missing
from core.i18n import t


def trend_class(delta: float | None, direction: str) -> str:
    if delta is None or delta == 0 or direction == "none":
        return "trend-flat"
    return "trend-good" if (delta > 0) == (direction == "up") else "trend-bad"


def kpi_card(key: str, label: str, value: float | None, unit: str, lang: str, *, decimals: int = 1,
             previous: float | None = None, previous_label: str | None = None, direction: str = "up",
             target: float | None = None, fresh: dict | None = None, note: str | None = None,
             page: str = "overview", href: str | None = None, accent: str | None = None,
             covers: str | None = None) -> html.Div:
    """accent: a colour that carries meaning (the AQI band), shown as the card's left edge. On a stale card
    (its source down or late past its limit) the value is struck through, and what is said of it (the
    trend, the target met or not, the band) is greyed: green "met" under "source down" read as all well."""
    stale = bool(fresh) and fresh.get("state") in ("stale", "down", "never")

    def verdict(colour_class: str) -> str:
        return "trend-stale" if stale else colour_class

    if is_missing(value):
        body = [html.Div(t("common.no_data", lang), className="kpi-nodata")]
    else:
        body = [html.Div([fmt_number(value, lang, decimals), html.Span(unit, className="kpi-unit") if unit else None],
                         className="kpi-value")]
    meta = []
    if not is_missing(value) and not is_missing(previous):
        delta = float(value) - float(previous)
        arrow = "▲" if delta > 0 else ("▼" if delta < 0 else "■")
        meta.append(html.Span(f"{arrow} {fmt_number(abs(delta), lang, decimals)} "
                              f"{previous_label or t('kpi.vs_last_week', lang)}",
                              className=verdict(trend_class(delta, direction))))
    if not is_missing(target):
        met = (not is_missing(value)) and ((value >= target) if direction != "down" else (value <= target))
        meta.append(html.Span(t("kpi.target", lang, value=fmt_number(target, lang, decimals)) + " · "
                              + (t("common.met", lang) if met else t("common.not_met", lang)),
                              className=verdict("trend-good" if met else "trend-bad")))
    if note:
        meta.append(html.Span(note))
    if fresh:
        meta.extend(freshness_badge(fresh, lang))
    inner = [stale_stamp(fresh, lang), html.Div(label, className="kpi-label"), *body,
             html.Div(covers, className="kpi-covers") if covers else None, html.Div(meta, className="kpi-meta")]
    state = (fresh or {}).get("state")
    card = html.Div(inner, className="kpi" + (" stale" if stale else "") + (" late" if state == "late" else ""),
                    id={"type": "kpi", "page": page, "key": key},
                    style={"borderLeft": f"0.5rem solid {accent}"} if accent and not stale else None)
    return dcc.Link(card, href=href, style={"textDecoration": "none", "color": "inherit"}) if href else card


def covers_text(lang: str, *, scope: str | None = None, first: str | None = None, last: str | None = None,
                start=None, end=None, now: bool = False, this_week: bool = False) -> str:
    """"Tháng 10/2026 · toàn xã", "01/2026–10/2026 · toàn xã", "01/01/2026–30/11/2026 · …", "Hiện tại · …".
    first/last are indicator periods ("2026-10"); start/end datetimes (end exclusive)."""
    from datetime import timedelta

    from core.formatting import fmt_date, fmt_period
    scope = scope or t("cover.commune", lang)
    if now:
        return t("cover.now", lang, scope=scope)
    if this_week:
        return t("cover.this_week", lang, scope=scope)
    if first and last:
        if first == last:
            return t("cover.month", lang, period=fmt_period(first, lang), scope=scope)
        return t("cover.months", lang, first=fmt_period(first, lang), last=fmt_period(last, lang), scope=scope)
    if start is not None and end is not None:
        return t("cover.range", lang, start=fmt_date(start), end=fmt_date(end - timedelta(seconds=1)), scope=scope)
    return scope

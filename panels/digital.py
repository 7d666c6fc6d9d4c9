"""Digital economy and society panels: public Wi-Fi (users over time, each hotspot now), the adoption and
digital-products indicators over a year, smartphones by village, and how often the ponds were in band."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from components.figures.bars import bar, indicator_trend
from components.figures.timeseries import timeseries
from core.errors import BadParam
from core.formatting import fmt_datetime, fmt_number
from core.i18n import t
from domain.catalogue import CATALOGUE
from domain.parameters import PARAMETERS
from panels.base import Filters, Panel, PanelData, Tag, make_data, register, with_error
from queries import indicators, kpis, readings, site
from queries.base import records

STA = ("sensorthings",)
FEEDS = ("indicators",)
ADOPTION = ("it_adoption_rate", "cashless_rate", "smartphone_rate")
PRODUCTS = ("traceable_products", "ecommerce_products", "hightech_income_per_ha")
POND_SHARE_PARAMS = ("do", "ph", "salinity", "water_temp")


def catalogue_name(code: str, lang: str) -> str:
    return CATALOGUE[code].vi if lang == "vi" else CATALOGUE[code].en


def _hotspots(filters: Filters, panel_id: str):
    try:
        start, end = filters.window()
        village = filters.checked_village()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error(panel_id, err)
    spots = records(site.devices("wifi", village=village, commune=commune))
    return start, end, village, commune, spots


# --- Wi-Fi users over the period -----------------------------------------------------------------------

def wifi_clients_data(filters: Filters) -> PanelData:
    got = _hotspots(filters, "soc.wifi_clients")
    if isinstance(got, PanelData):
        return got
    start, end, village, commune, spots = got
    frame = readings.series(tuple(d["id"] for d in spots), "wifi_clients", start, end, max_points=400)
    return make_data("soc.wifi_clients", STA, frame=frame, extra={"names": {d["id"]: d["name"] for d in spots}},
                     start=start, end=end, scope=f"village:{village}" if village else f"commune:{commune}")


register(Panel("soc.wifi_clients", "Người dùng Wi-Fi công cộng", "Public Wi-Fi users", "society", "chart", STA,
               wifi_clients_data,
               figure=lambda d, lang, theme: timeseries(d.frame, lang=lang, unit=t("common.count", lang),
                                                        names=d.extra.get("names"), theme=theme, show_range=False),
               href="/digital", uses=("village",)))


# --- each hotspot now ------------------------------------------------------------------------------------

def wifi_hotspots_data(filters: Filters) -> PanelData:
    """Each hotspot (of the village) with its newest reading: online when it reported within the hour."""
    got = _hotspots(filters, "soc.wifi_hotspots")
    if isinstance(got, PanelData):
        return got
    _, _, village, commune, spots = got
    latest = readings.latest(kind="wifi", parameter="wifi_clients", device_ids=tuple(d["id"] for d in spots) or ("",))
    newest = {r["device"]: r for r in latest.to_dict("records")} if not latest.empty else {}
    hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    rows = [{"device": d["id"], "name": d["name"], "time": newest.get(d["id"], {}).get("time"),
             "users": newest.get(d["id"], {}).get("value"),
             "online": d["id"] in newest and newest[d["id"]]["time"] > hour_ago} for d in spots]
    return make_data("soc.wifi_hotspots", STA, frame=pd.DataFrame(rows, columns=["device", "name", "time", "users",
                                                                                   "online"]),
                     now=True, scope=f"village:{village}" if village else f"commune:{commune}")


def wifi_hotspots_table(data: PanelData, lang: str) -> tuple[list[str], list[list]]:
    head = [t("col.hotspot", lang), t("col.state", lang), t("col.users_now", lang)]
    rows = []
    for r in data.frame.to_dict("records"):
        state = Tag(t("common.online", lang), "ok") if r["online"] else Tag(t("common.offline", lang), "down")
        if r["online"]:
            now = t("dig.users_now", lang, n=fmt_number(r["users"], lang, 0))
        else:
            now = fmt_datetime(r["time"]) if r["time"] is not None and r["time"] == r["time"] else t("common.no_data", lang)
        rows.append([r["name"], state, now])
    return head, rows


register(Panel("soc.wifi_hotspots", "Điểm Wi-Fi", "Wi-Fi hotspots", "society", "table", STA, wifi_hotspots_data,
               table=wifi_hotspots_table, href="/digital", uses=("village",)))


# --- reported indicators over a year --------------------------------------------------------------------

def _trend_data(panel_id: str, codes: tuple[str, ...]):
    def data(filters: Filters) -> PanelData:
        """A year of monthly values up to the filters' end: these are reported monthly, so a week alone
        would show one point or none."""
        try:
            start, end = filters.window()
            commune = filters.commune_id()
        except BadParam as err:
            return with_error(panel_id, err)
        start = start - timedelta(days=365)
        scope = indicators.commune_scope(commune)
        return make_data(panel_id, FEEDS, frame=indicators.indicator_series(codes, scope, start=start, end=end),
                         extra={"codes": codes}, start=start, end=end, scope=scope)
    return data


def _trend_figure(unit: str):
    def figure(data: PanelData, lang: str, theme: str):
        names = {c: catalogue_name(c, lang) for c in data.extra.get("codes", ())}
        return indicator_trend(data.frame, lang=lang, names=names, unit=unit, theme=theme)
    return figure


register(Panel("eco.adoption_trend", "Ứng dụng CNTT, thanh toán không tiền mặt, điện thoại thông minh",
               "IT use, cashless payments, smartphones", "economy", "chart", FEEDS,
               _trend_data("eco.adoption_trend", ADOPTION), unit="%", figure=_trend_figure("%"), href="/digital"))
register(Panel("eco.products_trend", "Sản phẩm số và thu nhập nông nghiệp công nghệ cao",
               "Digital products and high-tech farm income", "economy", "chart", FEEDS,
               _trend_data("eco.products_trend", PRODUCTS), figure=_trend_figure(""), href="/digital"))


# --- smartphones by village --------------------------------------------------------------------------------

def smartphones_villages_data(filters: Filters) -> PanelData:
    try:
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("soc.smartphones_villages", err)
    villages = list(site.villages(commune)["id"])
    newest = indicators.newest_by_scope("smartphone_rate", tuple(f"village:{v}" for v in villages))
    rows = [{"village": v, "value": newest[f"village:{v}"][0], "period": newest[f"village:{v}"][1]}
            for v in villages if f"village:{v}" in newest]
    frame = pd.DataFrame(rows, columns=["village", "value", "period"]).dropna(subset=["value"])
    period = frame["period"].max() if not frame.empty else None
    return make_data("soc.smartphones_villages", FEEDS, frame=frame, extra={"period": period} if period else {},
                     scope=f"commune:{commune}")


def smartphones_villages_figure(data: PanelData, lang: str, theme: str):
    fig = bar(data.frame, x="village", y="value", lang=lang, labels=site.village_names(),
              unit="%", theme=theme)
    if data.frame is not None and not data.frame.empty:
        fig.update_traces(texttemplate="%{y:,.1f}%")
    return fig


register(Panel("soc.smartphones_villages", "Điện thoại thông minh theo thôn", "Smartphones by village", "society",
               "chart", FEEDS, smartphones_villages_data, unit="%", figure=smartphones_villages_figure,
               href="/digital"))


# --- pond hours in band, per parameter ------------------------------------------------------------------

def pond_in_band_data(filters: Filters) -> PanelData:
    try:
        start, end = filters.window()
        commune = filters.commune_id()
    except BadParam as err:
        return with_error("eco.pond_in_band", err)
    rows = [{"parameter": p, "value": kpis.pond_share(p, start, end, commune)} for p in POND_SHARE_PARAMS]
    return make_data("eco.pond_in_band", STA, frame=pd.DataFrame(rows).dropna(), start=start, end=end,
                     scope=f"commune:{commune}")


def pond_in_band_figure(data: PanelData, lang: str, theme: str):
    fig = bar(data.frame, x="parameter", y="value", lang=lang, unit="%", theme=theme,
              labels={p: (PARAMETERS[p].vi if lang == "vi" else PARAMETERS[p].en) for p in PARAMETERS})
    if data.frame is not None and not data.frame.empty:
        fig.update_traces(texttemplate="%{y:,.1f}%")
        fig.update_yaxes(range=[0, 105])
    return fig


register(Panel("eco.pond_in_band", "Tỷ lệ giờ nước ao đạt ngưỡng (QCVN)", "Share of pond hours in band (QCVN)",
               "economy", "chart", STA, pond_in_band_data, unit="%", figure=pond_in_band_figure,
               href="/environment"))

"""Reported indicators as KPI panels (digital government, economy, society): the newest period with
the one before, the catalogue's target and which way is better."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.i18n import t
from domain.catalogue import CATALOGUE
from panels.base import Filters, Panel, PanelData, make_data, register
from queries import events, indicators, readings, site

SOURCES = ("indicators",)


def _indicator_data(panel_id: str, code: str):
    def data(filters: Filters) -> PanelData:
        commune = filters.commune_id()
        row = dict(indicators.latest_by_indicator(indicators.commune_scope(commune)).get(code) or {})
        value = row.get("value")
        return make_data(panel_id, SOURCES, value=None if value is None or value != value else float(value),
                         extra={"previous": row.get("previous_value"), "target": row.get("target"),
                                "direction": row.get("direction") or "up", "period": row.get("period"),
                                "previous_period": row.get("previous_period")}, scope=f"commune:{commune}")
    return data


def _indicator_kpi(unit: str, decimals: int = 1):
    def kpi(data: PanelData, lang: str) -> dict:
        previous = data.extra.get("previous")
        return {"value": data.value, "unit": unit if unit != "unit.million_vnd_ha" else t(unit, lang),
                "decimals": decimals, "previous": None if previous != previous else previous,
                "previous_label": t("kpi.vs_previous", lang), "direction": data.extra.get("direction", "up"),
                "target": data.extra.get("target"),
                "period": data.extra.get("period")}
    return kpi


INDICATOR_PANELS = (
    ("gov.dossier_on_time", "dossier_on_time_rate", "Hồ sơ đúng hạn", "Dossiers on time", "government", "%", 1,
     "/services"),
    ("gov.online_dossiers", "online_dossier_rate", "Hồ sơ nộp trực tuyến", "Dossiers filed online", "government",
     "%", 1, "/services"),
    ("eco.cashless", "cashless_rate", "Thanh toán không tiền mặt", "Cashless payments", "economy", "%", 1, "/digital"),
    ("eco.hightech_income", "hightech_income_per_ha", "Thu nhập mô hình công nghệ cao", "High-tech farm income",
     "economy", "unit.million_vnd_ha", 0, "/digital"),
    ("soc.smartphones", "smartphone_rate", "Dùng điện thoại thông minh", "Smartphone users", "society", "%", 1,
     "/digital"),
    ("eco.it_adoption", "it_adoption_rate", "DN, HTX, hộ ứng dụng CNTT", "Units using IT", "economy", "%", 1,
     "/digital"),
    ("eco.traceable_products", "traceable_products", "Sản phẩm truy xuất nguồn gốc", "Traceable products", "economy",
     "", 0, "/digital"),
    ("eco.ecommerce_products", "ecommerce_products", "Sản phẩm trên sàn TMĐT", "Products sold online", "economy", "",
     0, "/digital"),
)
for panel_id, code, vi, en, pillar, unit, decimals, href in INDICATOR_PANELS:
    register(Panel(panel_id, vi, en, pillar, "kpi", SOURCES, _indicator_data(panel_id, code), unit=unit,
                   kpi=_indicator_kpi(unit, decimals), href=href))


def wifi_data(filters: Filters) -> PanelData:
    """Hotspots that reported within the last hour, of those the site file lists."""
    now = datetime.now(timezone.utc)
    commune = filters.commune_id()
    hotspots = site.device_ids("wifi", commune)
    wifi = readings.latest(kind="wifi", parameter="wifi_clients", device_ids=hotspots) if hotspots else None
    online = None if wifi is None or wifi.empty else int((wifi["time"] > now - timedelta(hours=1)).sum())
    return make_data("soc.wifi_online", ("sensorthings",), value=online, extra={"of": len(hotspots)}, now=True,
                     notes=["cover.hotspots"], scope=f"commune:{commune}")


register(Panel("soc.wifi_online", "Điểm Wi-Fi hoạt động", "Wi-Fi hotspots online", "society", "kpi",
               ("sensorthings",), wifi_data,
               kpi=lambda d, lang: {"value": d.value, "unit": t("unit.hotspots", lang, n=d.extra.get("of", 0)),
                                    "decimals": 0, "direction": "up",
                                    "target": CATALOGUE["wifi_hotspots_online"].target}, href="/digital"))


def cameras_data(filters: Filters) -> PanelData:
    commune = filters.commune_id()
    cams = events.camera_status(commune=commune)
    rate = None if cams.empty or cams["online"].isna().all() else 100.0 * cams["online"].fillna(False).mean()
    return make_data("soc.cameras_online", ("frigate",), value=rate, now=True, scope=f"commune:{commune}")


register(Panel("soc.cameras_online", "Camera hoạt động", "Cameras online", "security", "kpi", ("frigate",),
               cameras_data, unit="%", kpi=lambda d, lang: {"value": d.value, "unit": "%", "decimals": 1},
               href="/security"))

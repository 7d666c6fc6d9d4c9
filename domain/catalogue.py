"""The indicator catalogue (DOMAIN.md §4): code, names, unit, pillar, direction, target, origin.
Seed figures of 100 % are targets; other seed figures are simulator levels, not targets (✗ otherwise)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    vi: str
    en: str
    unit: str            # "%" (0-100) | "count" | "days" | "points" | "index" | "level" | "million VND/ha/year"
    pillar: str          # government | economy | society
    direction: str       # up | down | none
    origin: str          # feed | open311 | frigate | derived | sta
    target: float | None = None
    link_766: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


_G, _E, _S = "government", "economy", "society"
CATALOGUE: dict[str, IndicatorDef] = {d.code: d for d in (
    IndicatorDef("edoc_signed_rate", "Văn bản điện tử có ký số", "E-documents digitally signed", "%", _G, "up", "feed", 100),
    IndicatorDef("online_service_rate", "Dịch vụ công trực tuyến", "Services offered online", "%", _G, "up", "feed", 100, "3.1"),
    IndicatorDef("online_dossier_rate", "Hồ sơ nộp trực tuyến", "Dossiers filed online", "%", _G, "up", "feed", None, "3.3"),
    IndicatorDef("dossiers_received", "Hồ sơ TTHC tiếp nhận", "Dossiers received", "count", _G, "none", "feed"),
    IndicatorDef("dossier_on_time_rate", "Hồ sơ đúng hạn", "Dossiers on time", "%", _G, "up", "feed", None, "2.1"),
    IndicatorDef("dossier_avg_days", "Thời gian giải quyết TB", "Average handling time", "days", _G, "down", "feed", None, "2.2"),
    IndicatorDef("online_payment_rate", "Thanh toán trực tuyến", "Fees paid online", "%", _G, "up", "feed", None, "3.6"),
    IndicatorDef("dossier_digitised_rate", "Hồ sơ được số hóa", "Dossiers digitised", "%", _G, "up", "feed", None, "4.2"),
    IndicatorDef("dossier_complaint_rate", "Hồ sơ bị phản ánh, kiến nghị", "Dossiers complained about", "%", _G, "down",
                 "feed", None, "5.4"),
    IndicatorDef("index_766_score", "Điểm Bộ chỉ số 766", "Decision 766 score", "points", _G, "up", "feed"),
    IndicatorDef("reports_received", "Phản ánh tiếp nhận", "Reports received", "count", _G, "none", "open311"),
    IndicatorDef("reports_resolved", "Phản ánh đã xử lý", "Reports resolved", "count", _G, "up", "open311"),
    IndicatorDef("reports_overdue", "Phản ánh quá hạn", "Reports overdue", "count", _G, "down", "open311"),
    IndicatorDef("report_on_time_rate", "Phản ánh đúng hạn", "Reports on time", "%", _G, "up", "open311", None, "5.2"),
    IndicatorDef("report_avg_days", "Số ngày xử lý TB", "Average days to resolve", "days", _G, "down", "open311"),
    IndicatorDef("report_satisfaction_rate", "Người dân hài lòng", "Reporters satisfied", "%", _G, "up", "feed", None, "5.3"),
    IndicatorDef("it_adoption_rate", "DN, HTX, hộ ứng dụng CNTT", "Units using IT", "%", _E, "up", "feed"),
    IndicatorDef("cashless_rate", "Thanh toán không tiền mặt", "Units paying cashless", "%", _E, "up", "feed"),
    IndicatorDef("traceable_products", "Sản phẩm truy xuất nguồn gốc", "Traceable products", "count", _E, "up", "feed"),
    IndicatorDef("ecommerce_products", "Sản phẩm trên sàn TMĐT", "Products sold online", "count", _E, "up", "feed"),
    IndicatorDef("hightech_income_per_ha", "Thu nhập mô hình công nghệ cao", "High-tech farm income",
                 "million VND/ha/year", _E, "up", "feed"),
    IndicatorDef("pond_safe_rate", "Giờ nước ao an toàn", "Pond hours all safe", "%", _E, "up", "derived"),
    IndicatorDef("pond_do_ok_rate", "DO đạt ngưỡng", "DO in band", "%", _E, "up", "derived"),
    IndicatorDef("pond_ph_ok_rate", "pH đạt ngưỡng", "pH in band", "%", _E, "up", "derived"),
    IndicatorDef("pond_salinity_ok_rate", "Độ mặn đạt ngưỡng", "Salinity in band", "%", _E, "up", "derived"),
    IndicatorDef("pond_temp_ok_rate", "Nhiệt độ nước đạt ngưỡng", "Water temp. in band", "%", _E, "up", "derived"),
    IndicatorDef("smartphone_rate", "Dùng điện thoại thông minh", "Smartphone users", "%", _S, "up", "feed"),
    IndicatorDef("wifi_hotspots_online", "Điểm Wi-Fi hoạt động", "Wi-Fi hotspots online", "count", _S, "up", "feed", 9),
    IndicatorDef("cameras_online_rate", "Camera hoạt động", "Cameras online", "%", _S, "up", "frigate"),
    IndicatorDef("camera_events", "Sự kiện camera", "Camera events", "count", _S, "none", "frigate"),
    IndicatorDef("aqi_daily", "VN_AQI ngày", "Daily VN_AQI", "index", _S, "down", "derived"),
    IndicatorDef("aqi_ok_days_rate", "Ngày AQI ≤ 100", "Days AQI ≤ 100", "%", _S, "up", "derived"),
    IndicatorDef("flood_alarm_level", "Cấp báo động lũ", "Flood alarm level 0–3", "level", _S, "down", "sta"),
)}

PILLARS = ("government", "economy", "society")
UNIT_LABELS = {"%": ("%", "%"), "count": ("", ""), "days": ("ngày", "days"), "points": ("điểm", "points"),
               "index": ("", ""), "level": ("cấp", "level"),
               "million VND/ha/year": ("triệu đồng/ha/năm", "million VND/ha/year")}

"""VN_AQI by Decision 1459/QĐ-TCMT (12/11/2019): sub-indices by linear interpolation on the breakpoint
table, NowCast for particles, hourly and daily AQI, bands with colour and advice (DOMAIN.md §3.1).
Project conventions (⚠ in DOMAIN.md): above the table's top the index is capped at 500; ties round half up."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

I = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS: dict[str, tuple[float | None, ...]] = {   # µg/m³, CO too
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 120, 170, 210, 400, None, None),
    "co": (0, 10000, 30000, 45000, 60000, 90000, 120000, 150000),
    "so2": (0, 125, 350, 550, 800, 1600, 2100, 2630),
    "no2": (0, 100, 200, 700, 1200, 2350, 3100, 3850),
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm25": (0, 25, 50, 80, 150, 250, 350, 500),
}
POLLUTANTS = ("pm25", "pm10", "o3", "co", "so2", "no2")


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    vi: str
    en: str
    colour: str
    text_colour: str
    advice_vi: str
    advice_en: str


BANDS = (
    Band(0, 50, "Tốt", "Good", "#00E400", "#000000",
         "Không ảnh hưởng đến sức khỏe.", "No health effects."),
    Band(51, 100, "Trung bình", "Moderate", "#FFFF00", "#000000",
         "Người nhạy cảm nên theo dõi các triệu chứng như ho hoặc khó thở.",
         "Sensitive people should watch for symptoms such as coughing or shortness of breath."),
    Band(101, 150, "Kém", "Poor", "#FF7E00", "#000000",
         "Người nhạy cảm bị ảnh hưởng sức khỏe; nên giảm hoạt động mạnh ngoài trời.",
         "Sensitive people are affected; reduce strenuous outdoor activity."),
    Band(151, 200, "Xấu", "Bad", "#FF0000", "#FFFFFF",
         "Mọi người bị ảnh hưởng sức khỏe; người nhạy cảm nên ở trong nhà.",
         "Everyone may be affected; sensitive people should stay indoors."),
    Band(201, 300, "Rất xấu", "Very bad", "#8F3F97", "#FFFFFF",
         "Cảnh báo sức khỏe: chuyển các hoạt động vào trong nhà.", "Health warning: move activities indoors."),
    Band(301, 500, "Nguy hại", "Hazardous", "#7E0023", "#FFFFFF",
         "Khẩn cấp: ở trong nhà, đóng cửa; đeo khẩu trang khi ra ngoài.",
         "Emergency: stay indoors with windows closed; wear a mask outside."),
)
SENSITIVE_VI = "Người nhạy cảm: người già, trẻ em, người mắc bệnh hô hấp hoặc tim mạch."
SENSITIVE_EN = "Sensitive groups: the elderly, children, people with respiratory or heart disease."


def round_half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def sub_index_raw(column: str, c: float | None) -> float | None:
    """Unrounded index of concentration c on a breakpoint column; None for no data."""
    if c is None or (isinstance(c, float) and math.isnan(c)) or c < 0:
        return None
    bps = BREAKPOINTS[column]
    top = max(i for i, bp in enumerate(bps) if bp is not None)
    if c >= bps[top]:   # past the table: capped at 500 (a project convention, DOMAIN.md ⚠)
        return float(I[top])
    for i in range(top):
        lo, hi = bps[i], bps[i + 1]
        if lo <= c < hi:
            return (I[i + 1] - I[i]) / (hi - lo) * (c - lo) + I[i]
    return None


def sub_index(column: str, c: float | None) -> int | None:
    raw = sub_index_raw(column, c)
    return None if raw is None else min(500, round_half_up(raw))


def nowcast(hourly: Sequence[float | None]) -> float | None:
    """hourly[0] is the newest hour. Missing hours weigh 0; fewer than 2 of the 3 newest -> no data."""
    c = list(hourly[:12]) + [None] * (12 - len(hourly[:12]))
    valid = [(i, float(v)) for i, v in enumerate(c) if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if sum(1 for i, _ in valid if i < 3) < 2:
        return None
    values = [v for _, v in valid]
    cmax, cmin = max(values), min(values)
    w = 1.0 if cmax == 0 else max(cmin / cmax, 0.5)
    num = sum(w ** i * v for i, v in valid)
    den = sum(w ** i for i, _ in valid)
    return num / den


@dataclass(frozen=True)
class AqiResult:
    value: int | None
    dominant: str | None
    sub: dict[str, int | None]

    @property
    def band(self) -> Band | None:
        return band(self.value)


def band(value: int | None) -> Band | None:
    if value is None:
        return None
    return next((b for b in BANDS if b.low <= value <= b.high), BANDS[-1])


def _overall(sub: dict[str, int | None]) -> AqiResult:
    if sub.get("pm25") is None and sub.get("pm10") is None:   # PM10 or PM2.5 is required
        return AqiResult(None, None, sub)
    known = {k: v for k, v in sub.items() if v is not None}
    dominant = max(known, key=lambda k: known[k])
    return AqiResult(known[dominant], dominant, sub)


def hourly_aqi(pm25_hours: Sequence[float | None] = (), pm10_hours: Sequence[float | None] = (),
               o3: float | None = None, co: float | None = None, so2: float | None = None,
               no2: float | None = None) -> AqiResult:
    """PM from the NowCast of the last 12 hourly means (newest first); gases from the current 1-h mean."""
    sub = {"pm25": sub_index("pm25", nowcast(pm25_hours)) if pm25_hours else None,
           "pm10": sub_index("pm10", nowcast(pm10_hours)) if pm10_hours else None,
           "o3": sub_index("o3_1h", o3), "co": sub_index("co", co), "so2": sub_index("so2", so2),
           "no2": sub_index("no2", no2)}
    return _overall(sub)


def _known(values: Iterable[float | None]) -> list:
    """The values that are numbers: None and NaN left out (`x == x` is false for NaN alone; a year's daily
    index tests 52,000 hourly means, and this is a third of the cost of the isinstance/isnan test)."""
    return [x for x in values if x is not None and x == x]


def _mean(values: Iterable[float | None]) -> float | None:
    v = _known(values)
    return sum(v) / len(v) if v else None


def _max(values: Iterable[float | None]) -> float | None:
    v = _known(values)
    return max(v) if v else None


def o3_8h_max(hourly: Sequence[float | None]) -> float | None:
    """Largest 8-hour running mean of a day's hourly O3 (windows with at least 6 hours)."""
    best = None
    for i in range(0, max(len(hourly) - 7, 0)):
        window = [x for x in hourly[i:i + 8] if x is not None]
        if len(window) >= 6:
            m = sum(window) / len(window)
            best = m if best is None or m > best else best
    return best


def daily_aqi(pm25: Sequence[float | None] = (), pm10: Sequence[float | None] = (), o3: Sequence[float | None] = (),
              co: Sequence[float | None] = (), so2: Sequence[float | None] = (), no2: Sequence[float | None] = (),
              o3_8h: float | None = None) -> AqiResult:
    """Each argument is the day's hourly means. PM: 24-h mean; SO2, NO2, CO: max 1-h; O3: larger of the
    1-h and 8-h indices (the 8-h table ends at 400 µg/m³: above it the 1-h index alone)."""
    o3_8 = o3_8h if o3_8h is not None else (o3_8h_max(o3) if o3 else None)
    o3_1 = _max(o3)
    if o3_8 is not None and o3_8 > 400:
        o3_sub = sub_index("o3_1h", o3_1)
    else:
        candidates = [x for x in (sub_index("o3_1h", o3_1), sub_index("o3_8h", o3_8)) if x is not None]
        o3_sub = max(candidates) if candidates else None
    sub = {"pm25": sub_index("pm25", _mean(pm25)), "pm10": sub_index("pm10", _mean(pm10)), "o3": o3_sub,
           "co": sub_index("co", _max(co)), "so2": sub_index("so2", _max(so2)), "no2": sub_index("no2", _max(no2))}
    return _overall(sub)

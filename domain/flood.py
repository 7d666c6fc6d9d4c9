"""Flood alarm levels (Decision 05/2020/QĐ-TTg: Báo động I, II, III) per gauge, and rain intensity."""
from __future__ import annotations

from dataclasses import dataclass

from core.formatting import fmt_number

ALARM_COLOURS = {0: "#1e8e3e", 1: "#f9ab00", 2: "#e8710a", 3: "#d93025"}
ROMAN = {1: "I", 2: "II", 3: "III"}


@dataclass(frozen=True)
class Levels:
    alarm_1: float
    alarm_2: float
    alarm_3: float

    def as_tuple(self) -> tuple[float, float, float]:
        return self.alarm_1, self.alarm_2, self.alarm_3


def alarm_level(level_m: float | None, levels: Levels) -> int | None:
    if level_m is None:
        return None
    return sum(level_m >= a for a in levels.as_tuple())


def relative_text(level_m: float, levels: Levels, lang: str = "vi") -> str:
    """'+0,35 m so với BĐ II' — relative to the nearest alarm at or below, or to BĐ I when under it."""
    n = alarm_level(level_m, levels) or 1
    ref = levels.as_tuple()[n - 1]
    diff = level_m - ref
    sign = "+" if diff >= 0 else "−"
    if lang == "vi":
        return f"{sign}{fmt_number(abs(diff), 'vi', 2)} m so với BĐ {ROMAN[n]}"
    return f"{sign}{fmt_number(abs(diff), 'en', 2)} m vs alarm {ROMAN[n]}"


def trend_m_per_h(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope in m/h over (epoch, level) points; None with fewer than two."""
    if len(points) < 2:
        return None
    n = len(points)
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    if den == 0:
        return None
    return sum((t - mt) * (v - mv) for t, v in points) / den * 3600


RAIN_24H = ((100.0, "very_heavy"), (50.0, "heavy"), (15.0, "moderate"))   # > 100, 51-100, 16-50 mm/24 h
RAIN_12H = ((50.0, "very_heavy"), (25.0, "heavy"), (7.0, "moderate"))
RAIN_NAMES = {"very_heavy": ("Mưa rất to", "Very heavy rain"), "heavy": ("Mưa to", "Heavy rain"),
              "moderate": ("Mưa vừa", "Moderate rain"), "light": ("Mưa nhỏ / không mưa", "Light or no rain")}


def rain_intensity(total_mm: float | None, hours: int = 24) -> str | None:
    if total_mm is None:
        return None
    for threshold, name in (RAIN_24H if hours >= 24 else RAIN_12H):
        if total_mm > threshold:
            return name
    return "light"

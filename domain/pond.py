"""Pond water against QCVN 02-19:2014/BNNPTNT (brackish shrimp farms) and the Quảng Thọ portal's
warning tiers (DOMAIN.md §3.2). The portal's table has gaps and overlaps, so tiers are data: the worst
tier is tested first, and a value between "safe" and tier 1 counts as tier 1."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# QCVN 02-19:2014 ranges (≈): the "in range" test for the daily share-of-time indicators.
QCVN = {"water_temp": (18.0, 33.0), "ph": (7.0, 9.0), "salinity": (5.0, 35.0), "do": (3.5, None)}
SOURCE_QCVN = "QCVN 02-19:2014/BNNPTNT"
SOURCE_PORTAL = "Cổng thông tin xã Quảng Thọ – ngưỡng cảnh báo nuôi cá"


@dataclass(frozen=True)
class Rule:
    """Value is in this tier when below `below` or above `above` (either may be None)."""
    below: float | None = None
    above: float | None = None

    def hit(self, v: float) -> bool:
        return (self.below is not None and v < self.below) or (self.above is not None and v > self.above)


@dataclass(frozen=True)
class Tiers:
    safe: tuple[float | None, float | None]      # inclusive safe range
    tier3: Rule | None
    tier2: Rule | None
    tier1: Rule | None
    text_vi: str


TIERS: dict[str, Tiers] = {
    "ph": Tiers((6.5, 8.5), Rule(5.0, 9.5), Rule(5.5, 9.5), Rule(6.0, 9.0), "An toàn 6,5–8,5"),
    "do": Tiers((4.0, None), None, Rule(2.0), Rule(3.0), "An toàn > 4 mg/L"),
    "nh3": Tiers((None, 0.03), Rule(above=2.0), Rule(above=1.0), Rule(above=0.05), "An toàn < 0,03 mg/L"),
    "h2s": Tiers((None, 0.01), Rule(above=0.1), Rule(above=0.03), Rule(above=0.01), "An toàn < 0,01 mg/L"),
    "nitrite": Tiers((None, 0.5), Rule(above=3.0), Rule(above=1.0), Rule(above=0.5), "An toàn < 0,5 mg/L"),
    "water_temp": Tiers((20.0, 33.0), Rule(below=15.0), Rule(below=15.0), Rule(20.0, 33.0), "An toàn 20–33 °C"),
    "flow_speed": Tiers((0.2, 0.3), Rule(above=2.0), Rule(0.1, 1.0), Rule(0.2, 0.5), "An toàn 0,2–0,3 m/s"),
    "transparency": Tiers((40.0, None), Rule(below=20.0), Rule(below=25.0), Rule(below=35.0), "An toàn > 40 cm"),
}


def tier(parameter: str, value: float | None) -> int | None:
    """0 safe, 1-3 warning tiers, None when there is no rule or no value."""
    rules = TIERS.get(parameter)
    if rules is None or value is None or pd.isna(value):
        return None
    for level, rule in ((3, rules.tier3), (2, rules.tier2), (1, rules.tier1)):
        if rule is not None and rule.hit(value):
            return level
    lo, hi = rules.safe
    if (lo is None or value >= lo) and (hi is None or value <= hi):
        return 0
    return 1


def in_range(parameter: str, value: float | None) -> bool | None:
    band = QCVN.get(parameter)
    if band is None or value is None or pd.isna(value):
        return None
    lo, hi = band
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def share_in_range(values: pd.Series, parameter: str) -> float | None:
    """Share (0-100) of readings within QCVN; None when there are none (no data, never 0 %)."""
    v = values.dropna()
    if v.empty or parameter not in QCVN:
        return None
    lo, hi = QCVN[parameter]
    ok = pd.Series(True, index=v.index)
    if lo is not None:
        ok &= v >= lo
    if hi is not None:
        ok &= v <= hi
    return float(100.0 * ok.mean())


def bands(parameter: str) -> list[tuple[float | None, float | None, str]]:
    """(low, high, kind) bands to draw: the safe range and QCVN limits, for the chart."""
    out = []
    if parameter in TIERS:
        lo, hi = TIERS[parameter].safe
        out.append((lo, hi, "safe"))
    if parameter in QCVN:
        lo, hi = QCVN[parameter]
        out.append((lo, hi, "qcvn"))
    return out

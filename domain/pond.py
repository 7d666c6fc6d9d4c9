"""Pond water against QCVN 02-19:2014/BNNPTNT (brackish shrimp farms) and the Quảng Thọ portal's
warning tiers (DOMAIN.md §3.2). The portal's table has gaps and overlaps, so tiers are data
(pond_tiers.yaml, with the printed text beside each reading of it): "<x" and ">x" are strict, "a–b"
includes both ends, the worst tier is tested first, and a value between "safe" and tier 1 is tier 1."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

# QCVN 02-19:2014 ranges (≈): the "in range" test for the daily share-of-time indicators.
QCVN = {"water_temp": (18.0, 33.0), "ph": (7.0, 9.0), "salinity": (5.0, 35.0), "do": (3.5, None)}
SOURCE_QCVN = "QCVN 02-19:2014/BNNPTNT"


TIERS_FILE = Path(__file__).with_name("pond_tiers.yaml")


class Condition(BaseModel):
    """One printed condition: "<x" (lt), ">x" (gt) or "a–b" (between, both ends included)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    lt: float | None = None
    gt: float | None = None
    between: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Condition":
        if sum(x is not None for x in (self.lt, self.gt, self.between)) != 1:
            raise ValueError("a condition is exactly one of lt, gt, between")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"between {self.between}: low end above high end")
        return self

    def hit(self, v: float) -> bool:
        if self.lt is not None:
            return v < self.lt
        if self.gt is not None:
            return v > self.gt
        lo, hi = self.between
        return lo <= v <= hi


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    text: str                 # the cell as printed by the source
    when: tuple[Condition, ...]

    def hit(self, v: float) -> bool:
        return any(c.hit(v) for c in self.when)


class Tiers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    safe: Tier
    tier1: Tier | None = None
    tier2: Tier | None = None
    tier3: Tier | None = None

    def safe_bounds(self) -> tuple[float | None, float | None]:
        """The safe range as (low, high) for charts; None where it is open."""
        c = self.safe.when[0]
        return c.between if c.between is not None else (c.gt, c.lt)


class TierFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    source_en: str
    parameters: dict[str, Tiers]


@lru_cache(maxsize=4)
def load_tiers(path: Path | str = TIERS_FILE) -> TierFile:
    from core.site import load_yaml_model
    return load_yaml_model(path, TierFile)


def tier(parameter: str, value: float | None, tiers: TierFile | None = None) -> int | None:
    """0 safe, 1-3 warning tiers, None when there is no rule or no value. Worst tier first; a value that
    is neither safe nor in a tier is tier 1 (DOMAIN.md §3.2)."""
    rules = (tiers or load_tiers()).parameters.get(parameter)
    if rules is None or value is None or pd.isna(value):
        return None
    v = float(value)
    for level, rule in ((3, rules.tier3), (2, rules.tier2), (1, rules.tier1)):
        if rule is not None and rule.hit(v):
            return level
    return 0 if rules.safe.hit(v) else 1


def _hits(tier_rule: Tier, v: np.ndarray) -> np.ndarray:
    """Tier.hit over an array (NaN hits nothing)."""
    hit = np.zeros(v.shape, dtype=bool)
    for c in tier_rule.when:
        if c.lt is not None:
            hit |= v < c.lt
        elif c.gt is not None:
            hit |= v > c.gt
        else:
            hit |= (v >= c.between[0]) & (v <= c.between[1])
    return hit


def tier_array(parameter: str, values, tiers: TierFile | None = None) -> np.ndarray:
    """`tier(parameter, v) or 0` for many values at once (int8): the same rules, worst tier first, with 0
    where `tier` says None (no rule, no value). The map judges every pond station's newest values this way,
    one array per parameter instead of a call per value."""
    v = np.asarray(values, dtype=np.float64)
    out = np.zeros(v.shape, dtype=np.int8)
    rules = (tiers or load_tiers()).parameters.get(parameter)
    if rules is None:
        return out
    open_ = ~np.isnan(v)           # not yet placed in a tier
    for level, rule in ((3, rules.tier3), (2, rules.tier2), (1, rules.tier1)):
        if rule is not None:
            hit = open_ & _hits(rule, v)
            out[hit] = level
            open_ &= ~hit
    out[open_ & ~_hits(rules.safe, v)] = 1
    return out


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
    tiers = load_tiers().parameters
    if parameter in tiers:
        lo, hi = tiers[parameter].safe_bounds()
        out.append((lo, hi, "safe"))
    if parameter in QCVN:
        lo, hi = QCVN[parameter]
        out.append((lo, hi, "qcvn"))
    return out

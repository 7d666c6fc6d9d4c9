"""Data-quality cross-checks the product runs on its own store, so that a figure that cannot be true is
found before a province officer finds it: a commune figure outside the range of its villages, a composite
that disagrees with its components, a counter that goes backwards, a series flat for too long, a device
whose readings stopped while its source answers. Each check returns findings, never fixes data.

A finding is one row: check, severity (warning | info), subject (indicator code or device id), scope,
period (indicator period or None), time (UTC, when it applies) and `values`, a dict of the numbers the
screen text needs (core/strings/numbers.py `xcheck.<check>`)."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import case, func, select

from domain import index766
from domain.catalogue import CATALOGUE
from queries import site
from queries.base import frame
from queries.cache import memoize
from store.engine import get_engine
from store.models import Device, HourlyRollup, IndicatorValue, LatestReading, Series, SourceHealth

FINDING_COLUMNS = ["check", "severity", "subject", "scope", "period", "time", "values"]
CHECKS = ("commune_outside_villages", "rate_vs_parts", "composite_766", "counter_backwards", "flat_series",
          "device_stopped")

# Tolerances, each with why:
RANGE_TOLERANCE = 0.05      # percentage points: village and commune shares are rounded to 0.1
RATE_TOLERANCE = 0.15       # percentage points: a rate printed with one decimal is within 0.05 of num/den
COMPOSITE_766_TOLERANCE = 3.0   # points: the province splits the unpublished points its own way
# Counts that only grow (products registered so far); a fall means a reset or a wrong figure.
CUMULATIVE = ("traceable_products", "ecommerce_products")
FLAT_HOURS = 6              # identical readings for this many hours: a stuck sensor...
HISTORY_HOURS = 24          # ...if in the day before it usually moved within an hour
# Parameters for which a constant value for hours is normal (no rain, nobody on the Wi-Fi at night).
FLAT_IS_NORMAL = ("rainfall", "wifi_clients", "flow_speed")
STOPPED_AFTER_S = 2 * 3600  # as the map marks a device offline (queries/kpis.py OFFLINE_AFTER_S)


def _finding(check, subject, *, scope=None, period=None, time_=None, severity="warning", **values) -> dict:
    return {"check": check, "severity": severity, "subject": subject, "scope": scope, "period": period,
            "time": time_, "values": values}


def _indicator_values(period_kind: str = "month") -> pd.DataFrame:
    v = IndicatorValue
    return frame(select(v.indicator, v.scope, v.period, v.period_start_t, v.value, v.numerator, v.denominator)
                 .where(v.period_kind == period_kind).order_by(v.indicator, v.scope, v.period_start_t),
                 ["indicator", "scope", "period", "period_start_t", "value", "numerator", "denominator"])


def commune_outside_villages(values: pd.DataFrame, commune_of: dict[str, str] | None = None) -> list[dict]:
    """A commune's share is a weighted mean of its villages' shares: it cannot lie outside their range
    (tested wherever at least two of its villages reported the same indicator and period).
    commune_of: village id -> commune id (the store's); None with one commune in `values`: all its villages."""
    out = []
    df = values.dropna(subset=["value"])
    villages = df[df["scope"].str.startswith("village:")]
    communes = df[df["scope"].str.startswith("commune:")]
    if villages.empty or communes.empty:
        return out
    if commune_of is None:
        only = communes["scope"].unique()
        scope_of = {s: only[0] for s in villages["scope"]} if len(only) == 1 else {}
    else:
        scope_of = {f"village:{v}": f"commune:{c}" for v, c in commune_of.items()}
    villages = villages.assign(commune=villages["scope"].map(scope_of))
    rng = villages.groupby(["commune", "indicator", "period"])["value"].agg(["min", "max", "count"])
    # a dict, not rng.loc per commune row: a year of months made hundreds of MultiIndex lookups (~90 ms of
    # the data page's first layout)
    ranges = {key: (lo, hi, count) for key, lo, hi, count in rng.itertuples(name=None)}
    for r in communes.itertuples(index=False):
        if CATALOGUE.get(r.indicator) is None or not CATALOGUE[r.indicator].is_rate:
            continue   # a count is a sum of its villages, not a mean: the range test does not apply
        lo, hi, count = ranges.get((r.scope, r.indicator, r.period), (None, None, 0))
        if count < 2:
            continue
        lo, hi = float(lo), float(hi)
        if r.value < lo - RANGE_TOLERANCE or r.value > hi + RANGE_TOLERANCE:
            out.append(_finding("commune_outside_villages", r.indicator, scope=r.scope, period=r.period,
                                value=float(r.value), low=lo, high=hi, villages=int(count)))
    return out


def rate_vs_parts(values: pd.DataFrame) -> list[dict]:
    """A rate reported with its numerator and denominator must equal 100 × numerator / denominator."""
    out = []
    df = values.dropna(subset=["value", "numerator", "denominator"])
    df = df[df["denominator"] > 0]
    for r in df.itertuples(index=False):
        if CATALOGUE.get(r.indicator) is None or not CATALOGUE[r.indicator].is_rate:
            continue
        parts = 100.0 * float(r.numerator) / float(r.denominator)
        if abs(float(r.value) - parts) > RATE_TOLERANCE:
            out.append(_finding("rate_vs_parts", r.indicator, scope=r.scope, period=r.period, value=float(r.value),
                                computed=parts, numerator=float(r.numerator), denominator=float(r.denominator)))
    return out


def composite_766(values: pd.DataFrame) -> list[dict]:
    """The published 766 score against our estimate from the same month's components: it cannot be below
    the estimate (minus the tolerance) nor above the estimate plus every point the feeds do not cover."""
    out = []
    df = values[values["scope"].str.startswith("commune:")]
    published = df[(df["indicator"] == "index_766_score")].dropna(subset=["value"])
    # each commune's months grouped in one pass, not a frame filtered per published month (pandas cost each
    # a millisecond or two: most of the data page's first layout)
    months: dict[tuple, list] = {}
    for c in df.itertuples(index=False):
        months.setdefault((c.period, c.scope), []).append(c)
    for r in published.itertuples(index=False):
        comps = {}
        for c in months[(r.period, r.scope)]:
            if c.numerator == c.numerator and c.denominator == c.denominator and c.denominator:
                comps[c.indicator] = 100.0 * float(c.numerator) / float(c.denominator)
            elif c.value == c.value and c.value is not None:
                comps[c.indicator] = float(c.value)
        sc = index766.score(comps)
        if sc["total"] is None:
            continue
        low = sc["total"] - COMPOSITE_766_TOLERANCE
        high = sc["total"] + index766.uncovered_points(sc) + COMPOSITE_766_TOLERANCE
        if not low <= float(r.value) <= high:
            out.append(_finding("composite_766", "index_766_score", scope=r.scope, period=r.period,
                                value=float(r.value), estimate=sc["total"], possible=sc["possible"],
                                low=max(0.0, low), high=min(100.0, high)))
    return out


def counter_backwards(values: pd.DataFrame) -> list[dict]:
    out = []
    df = values[values["indicator"].isin(CUMULATIVE)].dropna(subset=["value"])
    for (code, scope), part in df.groupby(["indicator", "scope"], sort=True):
        prev = None
        for r in part.sort_values("period_start_t").itertuples(index=False):
            if prev is not None and float(r.value) < float(prev.value):
                out.append(_finding("counter_backwards", code, scope=scope, period=r.period, value=float(r.value),
                                    before=float(prev.value), previous_period=prev.period))
            prev = r
    return out


def flat_series(now: int) -> list[dict]:
    """Series whose readings were one and the same value for the last FLAT_HOURS hours although the same
    series usually moves within an hour (in at least half of the hours of the day before). The second
    condition keeps a coarse source (CO sent in mg/m³ with one decimal, ammonia at the probe's floor)
    from reading as a stuck sensor: only a change of behaviour is a finding."""
    since = now - now % 3600 - FLAT_HOURS * 3600
    before = since - HISTORY_HOURS * 3600
    h = HourlyRollup
    recent = h.t >= since
    stmt = (select(Series.device_id, Device.name, Series.parameter,
                   func.sum(case((recent, 1), else_=0)), func.min(case((recent, h.min))), func.max(case((recent, h.max))),
                   func.sum(case((~recent, 1), else_=0)), func.sum(case(((~recent) & (h.max > h.min), 1), else_=0)),
                   func.max(h.t))
            .join(Series, Series.id == h.series_id).join(Device, Device.id == Series.device_id)
            .where(h.t >= before, h.t <= now).group_by(Series.device_id, Device.name, Series.parameter))
    with get_engine().connect() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for dev, name, param, hours, lo, hi, history, moving, last in rows:
        if param in FLAT_IS_NORMAL or not hours or hours < FLAT_HOURS or lo is None or lo != hi:
            continue
        if not history or history < HISTORY_HOURS // 2 or (moving or 0) < history / 2:
            continue
        out.append(_finding("flat_series", dev, time_=datetime.fromtimestamp(last, timezone.utc), name=name,
                            parameter=param, value=float(lo), hours=int(hours)))
    return out


def device_stopped(now: int) -> list[dict]:
    """Devices whose newest reading is older than STOPPED_AFTER_S while their source answered the last poll:
    the device (or its link) is down, not the source."""
    # each series' newest reading from the table the writer keeps (no max over every partition on PostgreSQL)
    stmt = (select(Device.id, Device.name, Device.source, func.max(LatestReading.t))
            .join(Series, Series.device_id == Device.id)
            .outerjoin(LatestReading, LatestReading.series_id == Series.id)
            .group_by(Device.id, Device.name, Device.source))
    with get_engine().connect() as conn:
        last_by_device = conn.execute(stmt).all()
        sources = {s: (ok, down) for s, ok, down in conn.execute(
            select(SourceHealth.source, SourceHealth.last_success_t, SourceHealth.down_since_t)).all()}
    out = []
    for dev, name, source, last in last_by_device:
        ok, down = sources.get(source, (None, None))
        source_up = ok is not None and down is None and now - ok < STOPPED_AFTER_S
        if last is not None and source_up and now - last >= STOPPED_AFTER_S:
            out.append(_finding("device_stopped", dev, time_=datetime.fromtimestamp(last, timezone.utc),
                                name=name, source=source, hours=(now - last) / 3600))
    return out


@memoize("crosschecks", expire=300)
def findings(now: int | None = None) -> pd.DataFrame:
    """Every finding of every check, worst first then newest; an empty frame when all agree."""
    now = int(now or time.time())
    values = _indicator_values()
    known = site.villages()
    rows = (commune_outside_villages(values, dict(zip(known["id"], known["commune_id"]))) + rate_vs_parts(values)
            + composite_766(values) + counter_backwards(values) + flat_series(now) + device_stopped(now))
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    if df.empty:
        return df
    df["rank"] = df["check"].map({c: i for i, c in enumerate(CHECKS)})
    return df.sort_values(["rank", "period"], ascending=[True, False], na_position="last") \
        .drop(columns="rank").reset_index(drop=True)


def findings_for(commune: str, now: int | None = None) -> pd.DataFrame:
    """findings() of one commune only: an indicator's by its scope (`commune:<id>`, or a village of it), a
    device's by the device's commune. A finding that names neither (a province-wide scope) is nobody's
    commune and is left out: a commune's user sees its own commune's data only."""
    df = findings(now)
    if df.empty:
        return df
    devices = site.devices()
    device_commune = dict(zip(devices["id"], devices["commune_id"]))
    known = site.villages()
    village_commune = dict(zip(known["id"], known["commune_id"]))

    def commune_of(subject, scope) -> str | None:
        scope = scope if isinstance(scope, str) else ""
        if scope.startswith("commune:"):
            return scope.removeprefix("commune:")
        if scope.startswith("village:"):
            return village_commune.get(scope.removeprefix("village:"))
        return device_commune.get(subject)

    mask = [commune_of(subject, scope) == commune for subject, scope in zip(df["subject"], df["scope"])]
    return df[mask].reset_index(drop=True)

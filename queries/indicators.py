"""Indicator values: series, latest against the previous period and the target, and rates summed from
numerators and denominators (never an average of percentages)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from queries.base import frame
from queries.cache import memoize
from queries.windows import epoch
from store.engine import get_engine
from store.models import Indicator, IndicatorValue

CATALOGUE_COLUMNS = ["code", "name_vi", "name_en", "unit", "pillar", "direction", "target", "origin", "link_766"]
def commune_scope(commune: str | None = None) -> str:
    """The scope indicator values of a commune are kept under (None: the default commune)."""
    from queries.site import default_commune
    return f"commune:{commune or default_commune()}"


SERIES_COLUMNS = ["indicator", "scope", "period", "period_kind", "period_start", "value", "numerator", "denominator",
                  "simulated", "generated_time"]


@memoize("indicators", expire=600)
def catalogue() -> pd.DataFrame:
    return frame(select(*[Indicator.__table__.c[c] for c in CATALOGUE_COLUMNS]).order_by(Indicator.code),
                 CATALOGUE_COLUMNS)


def _series_stmt(codes: tuple[str, ...], scopes: tuple[str, ...], start, end, period_kind: str | None):
    v = IndicatorValue
    stmt = select(v.indicator, v.scope, v.period, v.period_kind, v.period_start_t, v.value, v.numerator,
                  v.denominator, v.simulated, v.generated_t).where(v.indicator.in_(codes), v.scope.in_(scopes))
    if period_kind:
        stmt = stmt.where(v.period_kind == period_kind)
    if start is not None:
        stmt = stmt.where(v.period_start_t >= epoch(start))
    if end is not None:
        stmt = stmt.where(v.period_start_t < epoch(end))
    return stmt.order_by(v.scope, v.indicator, v.period_start_t)


@memoize("indicators", expire=300)
def indicator_series(codes: tuple[str, ...], scope: str | None = None, start=None, end=None,
                     period_kind: str | None = "month") -> pd.DataFrame:
    return frame(_series_stmt(codes, (scope or commune_scope(),), start, end, period_kind), SERIES_COLUMNS,
                 ("period_start", "generated_time"))


@memoize("indicators", expire=300)
def latest_values(codes: tuple[str, ...] | None = None, scope: str | None = None,
                  period_kind: str = "month") -> pd.DataFrame:
    """The newest reported period of each indicator with the one before it. A null value stays null."""
    v, c = IndicatorValue, Indicator
    scope = scope or commune_scope()
    stmt = (select(v.indicator, v.period, v.period_start_t, v.value, v.simulated, v.generated_t, c.target,
                   c.direction, c.unit, c.pillar)
            .join(c, c.code == v.indicator).where(v.scope == scope, v.period_kind == period_kind)
            .order_by(v.indicator, v.period_start_t.desc()))
    if codes:
        stmt = stmt.where(v.indicator.in_(codes))
    df = frame(stmt, ["indicator", "period", "period_start", "value", "simulated", "generated_time", "target",
                      "direction", "unit", "pillar"], ("period_start", "generated_time"))
    out = []
    for code, part in df.groupby("indicator", sort=True):
        row = part.iloc[0].to_dict()
        prev = part.iloc[1] if len(part) > 1 else None
        row["previous_period"] = prev["period"] if prev is not None else None
        row["previous_value"] = prev["value"] if prev is not None else None
        out.append(row)
    cols = ["indicator", "period", "period_start", "value", "previous_period", "previous_value", "target",
            "direction", "unit", "pillar", "simulated", "generated_time"]
    return pd.DataFrame(out, columns=cols)


@memoize("indicators", expire=300, local=True)
def latest_by_indicator(scope: str | None = None) -> dict[str, dict]:
    """latest_values(scope=...)'s monthly rows by indicator, kept in each process's memory: a page's KPI
    panels each want one indicator's row (five on the overview), read from this instead of a query and a
    frame each; the overview's "what changed" reads the same latest_values answer."""
    rows = latest_values(scope=scope or commune_scope()).to_dict("records")
    # a number missing in one indicator's row is None (its own frame's object column) whatever the others hold
    return {r["indicator"]: {k: None if isinstance(v, float) and v != v else v for k, v in r.items()} for r in rows}


@memoize("indicators", expire=300)
def newest_by_scope(code: str, scopes: tuple[str, ...], period_kind: str = "month") -> dict[str, tuple]:
    """{scope: (value, period)} of one indicator's newest reported period in each scope that reported it, in
    one query: what latest_values((code,), scope) gives as its first row, for every village of a commune at
    once (a chart of villages asked one scope at a time: a round trip and a frame each). A null value
    stays NaN, as in latest_values' frame."""
    v = IndicatorValue
    stmt = (select(v.scope, v.value, v.period).join(Indicator, Indicator.code == v.indicator)
            .where(v.indicator == code, v.scope.in_(scopes), v.period_kind == period_kind)
            .order_by(v.scope, v.period_start_t.desc()))
    out: dict[str, tuple] = {}
    with get_engine().connect() as conn:
        for scope, value, period in conn.execute(stmt):
            if scope not in out:
                out[scope] = (float("nan") if value is None else value, period)
    return out


@memoize("indicators", expire=300)
def rate(code: str, scope: str | None = None, start=None, end=None, period_kind: str = "month") -> float | None:
    """Σ numerator / Σ denominator over the periods in range; None when nothing was reported."""
    df = indicator_series((code,), scope, start, end, period_kind)
    df = df.dropna(subset=["numerator", "denominator"])
    den = df["denominator"].sum()
    return None if df.empty or den == 0 else float(100.0 * df["numerator"].sum() / den)


@memoize("indicators", expire=300)
def period_summary(code: str, start, end, scope: str | None = None, period_kind: str = "month") -> dict:
    """One number for a card that follows the selected period, with what it covers: a rate reported with
    numerator and denominator is Σ numerator / Σ denominator over the period's months ("sum"); anything
    else is its newest reported month in the period ("latest"). {value, how, first, last} with the
    periods ("2026-01") it covers; value None when nothing was reported."""
    return summary_of(indicator_series((code,), scope, start, end, period_kind))


@memoize("indicators", expire=300)
def period_summaries(codes: tuple[str, ...], start, end, scopes: tuple[str, ...],
                     period_kind: str = "month") -> dict[tuple[str, str], dict]:
    """period_summary of every (scope, code) pair in one query (the city page asks for seven indicators of
    every commune: one round trip, not 7 × N), each by the same rule (summary_of)."""
    df = frame(_series_stmt(codes, scopes, start, end, period_kind), SERIES_COLUMNS, ("period_start", "generated_time"))
    parts = {key: part.reset_index(drop=True) for key, part in df.groupby(["scope", "indicator"], sort=False)}
    empty = df.iloc[0:0]
    return {(scope, code): summary_of(parts.get((scope, code), empty)) for scope in scopes for code in codes}


def summary_of(df: pd.DataFrame) -> dict:
    """The period summary (see period_summary) of one indicator's series in one scope, in time order."""
    if df.empty:
        return {"value": None, "how": None, "first": None, "last": None}
    parts = df.dropna(subset=["numerator", "denominator"])
    if not parts.empty and len(parts) == len(df):
        den = parts["denominator"].sum()
        value = None if den == 0 else float(100.0 * parts["numerator"].sum() / den)
        return {"value": value, "how": "sum", "first": str(df["period"].iloc[0]), "last": str(df["period"].iloc[-1])}
    reported = df.dropna(subset=["value"])
    if reported.empty:
        return {"value": None, "how": "latest", "first": None, "last": str(df["period"].iloc[-1])}
    row = reported.iloc[-1]
    return {"value": float(row["value"]), "how": "latest", "first": str(row["period"]), "last": str(row["period"])}

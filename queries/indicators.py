"""Indicator values: series, latest against the previous period and the target, and rates summed from
numerators and denominators (never an average of percentages)."""
from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import and_, or_, select, true

from queries.base import frame, frame_of
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
    with get_engine().connect() as conn:
        rows = conn.execute(stmt).fetchall()
    # rows come by indicator, newest first: each indicator's first row and the one after it when it is the
    # same indicator's, picked from the plain rows before any frame is made (a frame of every month, then a
    # groupby with two .iloc an indicator: 20 ms -> 14 ms for a year of one commune). Text columns follow
    # the NULL rule (object, None), as frame_of makes them
    newest, previous = [], []
    for i, row in enumerate(rows):
        if i and rows[i - 1][0] == row[0]:
            continue
        prev = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][0] == row[0] else None
        newest.append(row)
        previous.append((None, None) if prev is None else (prev[1], prev[3]))
    df = frame_of(newest, ["indicator", "period", "period_start", "value", "simulated", "generated_time", "target",
                           "direction", "unit", "pillar"], ("period_start", "generated_time"))
    df.insert(4, "previous_period", pd.Series([p for p, _ in previous], dtype=object))
    df.insert(5, "previous_value", [v for _, v in previous])
    cols = ["indicator", "period", "period_start", "value", "previous_period", "previous_value", "target",
            "direction", "unit", "pillar", "simulated", "generated_time"]
    return df[cols]


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
    return _summaries([(code, start, end, scope)], period_kind)[0]


def period_summary_many(calls: list[tuple]) -> list[dict]:
    """period_summary(*call) for each call (code, start, end, scope): four arguments, as the cards pass
    them (a key holds the arguments as given), read from and kept under the very
    keys period_summary uses (one round trip for all), those missing answered by one query: a page's KPI
    cards ask for theirs together (panels.prefetch) and each card's own call then finds its answer kept,
    where sixteen cards were sixteen queries."""
    return period_summary.many(calls, _summaries)


@memoize("indicators", expire=300)
def period_summaries(codes: tuple[str, ...], start, end, scopes: tuple[str, ...],
                     period_kind: str = "month") -> dict[tuple[str, str], dict]:
    """period_summary of every (scope, code) pair in one query (the city page asks for seven indicators of
    every commune: one round trip, not 7 × N), kept as one value, each by the same rule."""
    pairs = [(scope, code) for scope in scopes for code in codes]
    return dict(zip(pairs, _summaries([(code, start, end, scope) for scope, code in pairs], period_kind)))


def _summaries(calls: list[tuple], period_kind: str = "month") -> list[dict]:
    """The period summary of each (code, start, end, scope) (start or end None: open), in one query over
    every code, scope and window asked: the one place the rule is applied (summary_of), whichever way
    a summary was asked, so a card, the city page and the 766 estimate never differ."""
    v = IndicatorValue
    bound = lambda t: None if t is None else epoch(t)      # noqa: E731
    calls = [(code, bound(start), bound(end), scope or commune_scope()) for code, start, end, scope in calls]
    within = [and_(true(), *([v.period_start_t >= lo] if lo is not None else []),
                   *([v.period_start_t < hi] if hi is not None else []))
              for lo, hi in dict.fromkeys((lo, hi) for _, lo, hi, _ in calls)]
    stmt = (select(v.scope, v.indicator, v.period_start_t, v.period, v.value, v.numerator, v.denominator)
            .where(v.indicator.in_(sorted({c[0] for c in calls})), v.scope.in_(sorted({c[3] for c in calls})),
                   v.period_kind == period_kind, or_(*within))
            .order_by(v.scope, v.indicator, v.period_start_t))
    series: dict[tuple[str, str], list[tuple]] = {}
    with get_engine().connect() as conn:
        for scope, code, start_t, period, value, numerator, denominator in conn.execute(stmt):
            series.setdefault((scope, code), []).append((start_t, period, value, numerator, denominator))
    return [summary_of([r[1:] for r in series.get((scope, code), ())
                        if (lo is None or r[0] >= lo) and (hi is None or r[0] < hi)])
            for code, lo, hi, scope in calls]


def summary_of(rows: list[tuple]) -> dict:
    """The period summary (see period_summary) of one indicator's months in one scope, in time order, as
    (period, value, numerator, denominator) with None where nothing was reported. Plain rows, not a frame:
    a page asks for sixteen summaries and pandas cost each a few milliseconds. The sums are exactly
    rounded (math.fsum), whatever order the months come in."""
    if not rows:
        return {"value": None, "how": None, "first": None, "last": None}
    if all(r[2] is not None and r[3] is not None for r in rows):
        den = math.fsum(r[3] for r in rows)
        value = None if den == 0 else float(100.0 * math.fsum(r[2] for r in rows) / den)
        return {"value": value, "how": "sum", "first": str(rows[0][0]), "last": str(rows[-1][0])}
    reported = [r for r in rows if r[1] is not None]
    if not reported:
        return {"value": None, "how": "latest", "first": None, "last": str(rows[-1][0])}
    period, value = reported[-1][0], reported[-1][1]
    return {"value": float(value), "how": "latest", "first": str(period), "last": str(period)}

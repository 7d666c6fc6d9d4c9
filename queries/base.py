"""Small helpers every query module shares: run a statement into a frame, epoch columns to UTC times,
and the one rule for missing values at the boundary of this layer.

The NULL rule: pandas 3 reads SQL NULL as NaN (text) or NaT (times), and `x is not None`, `x or ""`,
`x[:160]` or `x.astimezone()` then go wrong on them. Frames that leave `queries/` therefore carry
missing text as `None` (object columns), missing numbers as NaN (what figures need), missing times as NaT;
`records(df)` hands rows to components with every missing value as `None`, so a component can test
`is None` and call string or datetime methods on anything else."""
from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from store.engine import get_engine


def none_for_missing_text(df: pd.DataFrame, text_done: bool = False) -> pd.DataFrame:
    """Text and mixed columns as object with None for missing (in place; returns df). With text_done the
    object columns are already so (frame_of builds them that way): only a NaN among them is replaced."""
    for col in df.columns:
        series = df[col]
        if ptypes.is_numeric_dtype(series) or ptypes.is_datetime64_any_dtype(series) or ptypes.is_bool_dtype(series):
            continue
        if text_done and series.dtype == object:
            values = series.to_numpy()
            missing = pd.isna(values)
            if not missing.any() or all(v is None for v in values[missing]):
                continue
        df[col] = series.astype(object).where(series.notna(), None)
    return df


def frame(stmt, columns: list[str], time_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    with get_engine().connect() as conn:
        # plain tuples: pandas probes each SQLAlchemy Row for namedtuple fields, which costs an
        # exception per row inside SQLAlchemy (1.5 s for 260k rows); one fetchall, not a fetch per row
        rows = conn.execute(stmt).fetchall()
    return frame_of(rows, columns, time_columns)


def frame_of(rows, columns: list[str], time_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows (tuples) into a frame, column by column, following the NULL rule as it is built: text (and
    JSON) columns become object columns holding None where SQL had NULL, instead of pandas inferring
    its `str` dtype and each column being converted back (that round trip was most of a small query's
    cost: 60 % of `device_states`)."""
    if not rows:
        # empty object columns hold no missing value to replace: the NULL rule has nothing to do (it cost an
        # empty answer 5x what a 20-row one costs, and pages ask many: indicators not reported yet)
        return pd.DataFrame({c: pd.Series([], dtype="datetime64[s, UTC]" if c in time_columns else object)
                             for c in columns})
    data = {}
    for name, col in zip(columns, zip(*rows)):
        if name in time_columns:
            if all(type(v) is int for v in col):   # epoch integers from a numpy array: a fifth of a Series' cost
                data[name] = pd.Series(pd.to_datetime(np.array(col, dtype="int64"), unit="s", utc=True))
            else:                                    # NULLs (NaT) or fractional seconds
                data[name] = pd.to_datetime(pd.Series(col, dtype="float64"), unit="s", utc=True)
            continue
        first = next((v for v in col if v is not None), None)
        if first is None or isinstance(first, (str, bytes, dict, list)):
            data[name] = pd.Series(col, dtype=object)
            continue
        values = np.array(col)      # numbers (and booleans) without pandas' inference; None or mixed: pandas
        data[name] = values if values.dtype.kind in "biuf" else pd.Series(col)
    return none_for_missing_text(pd.DataFrame(data), text_done=True)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with every missing value (NaN, NaT, pd.NA) as None: only the cells pandas marks
    missing are touched (a cell-by-cell test was most of the map's state call on a 570-device site)."""
    out = df.to_dict("records")
    for col in df.columns:
        missing = df[col].isna().to_numpy()
        if missing.any():
            for i in missing.nonzero()[0].tolist():
                out[i][col] = None
    return out


def to_time(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, unit="s", utc=True)

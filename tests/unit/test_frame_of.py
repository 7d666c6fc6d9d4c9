"""queries.base.frame_of: rows to a frame by the NULL rule (missing text None, missing times NaT), the
empty answer included (it has its own short path)."""
import pandas as pd

from queries.base import frame_of, records


def test_an_empty_answer_has_the_columns_and_their_kinds():
    df = frame_of([], ["id", "t", "value"], ("t",))
    assert df.empty and list(df.columns) == ["id", "t", "value"]
    assert df["id"].dtype == object and df["value"].dtype == object
    assert isinstance(df["t"].dtype, pd.DatetimeTZDtype) and str(df["t"].dt.tz) == "UTC"
    assert records(df) == []


def test_rows_follow_the_null_rule():
    df = frame_of([("a", 1_700_000_000, 1.5, None), (None, None, None, "x")], ["id", "t", "value", "note"], ("t",))
    assert list(df["id"]) == ["a", None] and list(df["note"]) == [None, "x"]
    assert df["t"].iloc[0] == pd.Timestamp(1_700_000_000, unit="s", tz="UTC") and pd.isna(df["t"].iloc[1])
    assert records(df)[1] == {"id": None, "t": None, "value": None, "note": "x"}

"""The weekly meeting's decisions, as the weekly report reads them.

Placeholder written by the exports branch to the interface agreed with the meeting branch
(`decisions_for_week(week_monday) -> frame[who, what, due, state]`): it reads a `meeting_decisions`
table when the store has one (columns week_monday, who, what, due, state) and answers an empty frame
otherwise. The meeting branch owns the table and replaces this module when the two are merged."""
from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import MetaData, Table, inspect, select

from queries.base import none_for_missing_text
from store.engine import get_engine

COLUMNS = ["who", "what", "due", "state"]


def decisions_for_week(week_monday: date) -> pd.DataFrame:
    """Decisions taken at the meeting of the week starting `week_monday` (local Monday), in the order
    they were recorded; `due` as a date (None where not set)."""
    engine = get_engine()
    if not inspect(engine).has_table("meeting_decisions"):
        return pd.DataFrame(columns=COLUMNS)
    table = Table("meeting_decisions", MetaData(), autoload_with=engine)
    if not {"week_monday", *COLUMNS} <= set(table.c.keys()):
        return pd.DataFrame(columns=COLUMNS)
    stmt = select(*(table.c[c] for c in COLUMNS)).where(table.c.week_monday == week_monday)
    if "id" in table.c:
        stmt = stmt.order_by(table.c.id)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["due"] = [d if isinstance(d, date) else (date.fromisoformat(d[:10]) if isinstance(d, str) and d else None)
                    for d in frame["due"]]
    return none_for_missing_text(frame)

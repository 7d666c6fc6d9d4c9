"""`manage.py dump KIND`: what the store holds, as CSV or JSON lines, for checks and hand-offs."""
from __future__ import annotations

import csv
import json
import sys

from sqlalchemy import select

from core.text import csv_cell
from core.timeutil import iso_local, parse_time
from store.engine import get_engine
from store.models import (Alert, CameraEvent, DailyRollup, Device, HourlyRollup, IndicatorValue, Reading, Reject, Report,
                          ReportUpdate, Series, SourceHealth)

# kind -> (table, time column, extra join for readings)
KINDS = {"readings": (Reading, "t"), "hourly": (HourlyRollup, "t"), "daily": (DailyRollup, "t"),
         "events": (CameraEvent, "start_t"), "reports": (Report, "requested_t"), "report_updates": (ReportUpdate, "t"),
         "indicators": (IndicatorValue, "period_start_t"), "devices": (Device, None), "rejects": (Reject, "received_t"),
         "health": (SourceHealth, None), "alerts": (Alert, "opened_t")}


def dump(kind: str, since: str | None = None, until: str | None = None, fmt: str = "csv", out=sys.stdout) -> int:
    table, tcol = KINDS[kind]
    t = table.__table__
    cols = list(t.c)
    stmt = select(*cols)
    if kind in ("readings", "hourly", "daily"):
        stmt = select(Series.device_id, Series.parameter, Series.unit, *cols).join(Series, Series.id == t.c.series_id)
    if tcol is not None:
        if since:
            stmt = stmt.where(t.c[tcol] >= int(parse_time(since, naive_tz=_local()).timestamp()))
        if until:
            stmt = stmt.where(t.c[tcol] < int(parse_time(until, naive_tz=_local()).timestamp()))
        stmt = stmt.order_by(t.c[tcol])
    n = 0
    with get_engine().connect() as conn:
        result = conn.execution_options(stream_results=True).execute(stmt)
        names = list(result.keys())
        writer = csv.writer(out) if fmt == "csv" else None
        if writer:
            writer.writerow([csv_cell(n) for n in names])
        for row in result:
            values = [iso_local(v) if (k == tcol or k.endswith("_t") or k == "t") and isinstance(v, int) else v
                      for k, v in zip(names, row)]
            if writer:
                writer.writerow([csv_cell(v) for v in values])   # a note "=cmd|..." must not run in Excel
            else:
                out.write(json.dumps(dict(zip(names, values)), ensure_ascii=False, default=str) + "\n")
            n += 1
    return n


def _local():
    from core.timeutil import LOCAL_TZ
    return LOCAL_TZ

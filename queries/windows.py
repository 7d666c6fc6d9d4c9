"""Periods as the leaders say them ("7 ngày", "tháng này"...) turned into UTC [start, end) windows on
local (Asia/Ho_Chi_Minh) days. Bad input raises BadParam with a key the page translates."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from core.errors import BadParam
from core.timeutil import LOCAL_TZ, UTC, local_midnight, now_utc

PERIODS = ("today", "24h", "7d", "30d", "90d", "year", "custom")
MAX_YEARS = 10


def _parse_day(value: str) -> date:
    text = str(value).strip()[:20]
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadParam("error.bad_date", value=text)


def window(period: str | None = "7d", start: str | None = None, end: str | None = None,
           now: datetime | None = None) -> tuple[datetime, datetime]:
    # whole minutes: a rolling window stays the same for a minute, so every viewer's question is the
    # same question and the memoised answer serves them all until ingest brings something new
    now = (now or now_utc()).astimezone(UTC).replace(second=0, microsecond=0)
    period = (period or "7d").strip().lower()
    if start or end:
        period = "custom"
    today = now.astimezone(LOCAL_TZ).date()
    if period == "today":
        return local_midnight(today), now
    if period == "24h":
        return now - timedelta(hours=24), now
    if period in ("7d", "30d", "90d"):
        return now - timedelta(days=int(period[:-1])), now
    if period == "year":
        return local_midnight(date(today.year, 1, 1)), now
    if period == "custom":
        if not start:
            raise BadParam("error.bad_date", value=start or "")
        d0 = _parse_day(start)
        d1 = _parse_day(end) if end else today
        if d1 < d0:
            raise BadParam("error.period_reversed")
        if (d1 - d0).days > MAX_YEARS * 366:
            raise BadParam("error.period_too_long", years=MAX_YEARS)
        return local_midnight(d0), min(local_midnight(d1 + timedelta(days=1)), now + timedelta(days=1))
    raise BadParam("error.bad_period", value=period[:20])


def previous_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start - (end - start), start


def week_bounds(d: date) -> tuple[datetime, datetime]:
    monday = d - timedelta(days=d.weekday())
    return local_midnight(monday), local_midnight(monday + timedelta(days=7))


def epoch(value: datetime | int | float) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)

"""Deadlines for citizens' reports in working days, skipping weekends and Vietnamese public holidays
(Tết included, from the `holidays` package). The commune's own deadline is not published (DOMAIN.md §3.5):
it comes per category from the site file, 15 working days by default."""
from __future__ import annotations

from datetime import date, datetime, time as dtime, timedelta
from functools import lru_cache

import holidays

from core.timeutil import LOCAL_TZ, from_epoch

DEFAULT_WORKING_DAYS = 15
DUE_HOUR = 17   # the end of the commune's working day


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=[year]).keys())


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _vn_holidays(d.year)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself does not count)."""
    d = start
    left = n
    while left > 0:
        d += timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """Working days after a up to and including b (0 when b <= a)."""
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += is_working_day(d)
    return n


@lru_cache(maxsize=1)
def _service_days() -> dict[str, int]:
    try:
        from core.site import get_site
        return {s.code: s.deadline_working_days for s in get_site().services}
    except Exception:  # noqa: BLE001 - a missing site file falls back to the default
        return {}


def deadline_for(service_code: str | None, requested_t: int, working_days: int | None = None) -> int:
    """Due time (UTC epoch): 17:00 local on the n-th working day after the report arrived."""
    n = working_days or _service_days().get(service_code or "", DEFAULT_WORKING_DAYS)
    local = from_epoch(requested_t).astimezone(LOCAL_TZ).date()
    due = add_working_days(local, n)
    return int(datetime.combine(due, dtime(DUE_HOUR), tzinfo=LOCAL_TZ).timestamp())

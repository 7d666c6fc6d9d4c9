"""Deadlines for citizens' reports. Feedback deadlines count working days (766 ind. 5.2): weekends and
Vietnamese public holidays are skipped (Tết included) and the Government's make-up Saturdays are worked,
both as the `holidays` package publishes them (e.g. Sat 22/08/2026 worked for Mon 31/08/2026 off). The
law counts some deadlines in calendar days (complaints, denunciations: DOMAIN.md §3.5), so a category
may say so in the site file. The commune's own deadline is not published: it comes per category from
the site file, 15 working days by default, and the site file may correct the year's schedule (a late
Government decision, a provincial day off) without a code change."""
from __future__ import annotations

from datetime import date, datetime, time as dtime, timedelta
from functools import lru_cache

import holidays

from core.timeutil import LOCAL_TZ, from_epoch

DEFAULT_WORKING_DAYS = 15
DUE_HOUR = 17   # the end of the commune's working day


@lru_cache(maxsize=1)
def _calendar_override():
    """The site file's corrections to the national schedule (core.site.WorkCalendar), or None."""
    try:
        from core.site import get_site
        return get_site().calendar
    except Exception:  # noqa: BLE001 - no site file: the national schedule alone
        return None


@lru_cache(maxsize=64)
def _vn_calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=[year])


def is_working_day(d: date, calendar=None) -> bool:
    """calendar: a WorkCalendar (site file) whose listed days win over the national schedule."""
    cal = calendar if calendar is not None else _calendar_override()
    if cal is not None:
        if d in cal.working_days:
            return True
        if d in cal.days_off:
            return False
    return _vn_calendar(d.year).is_working_day(d)


def add_working_days(start: date, n: int, calendar=None) -> date:
    """The n-th working day after `start` (start itself does not count); n = 0 is `start` itself."""
    if n < 0:
        raise ValueError(f"working days must not be negative: {n}")
    d, left = start, n
    while left > 0:
        d += timedelta(days=1)
        if is_working_day(d, calendar):
            left -= 1
    return d


def working_days_between(a: date, b: date, calendar=None) -> int:
    """Working days after a up to and including b (0 when b <= a)."""
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += is_working_day(d, calendar)
    return n


@lru_cache(maxsize=1)
def _service_rules() -> dict[str, tuple[int, str]]:
    """service code -> (days, "working" | "calendar") from the site file."""
    try:
        from core.site import get_site
        return {s.code: s.deadline() for s in get_site().services}
    except Exception:  # noqa: BLE001 - a missing site file falls back to the default
        return {}


def deadline_for(service_code: str | None, requested_t: int, working_days: int | None = None,
                 calendar_days: int | None = None) -> int:
    """Due time (UTC epoch): 17:00 local on the n-th working (or calendar) day after the report arrived.
    An explicit 0 means "the same day", not the default."""
    if working_days is not None:
        n, kind = working_days, "working"
    elif calendar_days is not None:
        n, kind = calendar_days, "calendar"
    else:
        n, kind = _service_rules().get(service_code or "", (DEFAULT_WORKING_DAYS, "working"))
    local = from_epoch(requested_t).astimezone(LOCAL_TZ).date()
    due = add_working_days(local, n) if kind == "working" else local + timedelta(days=n)
    return int(datetime.combine(due, dtime(DUE_HOUR), tzinfo=LOCAL_TZ).timestamp())

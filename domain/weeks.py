"""Weeks as the weekly meeting counts them: ISO weeks, Monday to Sunday, on the commune's calendar
(Asia/Ho_Chi_Minh). A week is named "2026-W47" (ISO 8601, as an <input type="week"> sends it) and held
as its Monday; ISO years differ from calendar years around the new year (29/12/2025 is in 2026-W01,
01/01/2027 in 2026-W53), which is why nothing here does its own week arithmetic on calendar years."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from core.errors import BadParam
from core.timeutil import LOCAL_TZ, local_midnight, now_utc

WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_today(now: datetime | None = None) -> date:
    return (now or now_utc()).astimezone(LOCAL_TZ).date()


def last_full_week(now: datetime | None = None) -> date:
    """The Monday of the last week that has ended (Monday–Sunday, local): on any day of this week,
    including Sunday evening, that is last week."""
    return monday_of(local_today(now)) - timedelta(days=7)


def week_label(monday: date) -> str:
    """"2026-W47" for the week holding `monday` (its ISO year, not the calendar year)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_title(label: str) -> str:
    """"2026-W47" as people write it on a meeting's heading: "47/2026"."""
    year, _, week = label.partition("-W")
    return f"{week}/{year}"


def parse_week(text: str | None, now: datetime | None = None) -> date:
    """The Monday of "2026-W47" (or "2026W47"); None or "" -> the last full week. A week that does
    not exist (W54, W53 of a 52-week year), a year out of range or a week that has not begun yet is
    a BadParam naming the `week` parameter, so the page falls back to its default with a message."""
    if text is None or str(text).strip() == "":
        return last_full_week(now)
    match = WEEK_RE.match(str(text)[:20])
    if not match:
        raise BadParam("meeting.error_week", value=str(text)[:20], param="week")
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadParam("meeting.error_week", value=str(text)[:20], param="week")
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadParam("meeting.error_week", value=str(text)[:20], param="week") from None
    if monday > monday_of(local_today(now)):
        raise BadParam("meeting.error_future_week", value=week_label(monday), param="week")
    return monday


def week_window(monday: date) -> tuple[datetime, datetime]:
    """[local Monday 00:00, next local Monday 00:00) as UTC datetimes."""
    return local_midnight(monday), local_midnight(monday + timedelta(days=7))


def week_days(monday: date) -> tuple[date, date]:
    """First and last day (Monday, Sunday) — what a custom filter and the page header name."""
    return monday, monday + timedelta(days=6)


def weeks_before(monday: date, n: int) -> list[date]:
    """The n Mondays before `monday`, nearest first."""
    return [monday - timedelta(days=7 * i) for i in range(1, n + 1)]


def is_complete(monday: date, now: datetime | None = None) -> bool:
    """Has the week ended (local)? The current week is shown too, marked as not over yet."""
    return monday + timedelta(days=7) <= local_today(now)

"""One place that knows the commune lives at UTC+7 and the store keeps UTC epoch seconds."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = timezone.utc


def fixed_offset_s(tz: ZoneInfo, year: int | None = None) -> int:
    """The zone's UTC offset in seconds, which must be one offset all year: arithmetic on epoch seconds
    (a local day's start in SQL rollups, an hour of the local day in alert rules) uses it as a constant.
    Asia/Ho_Chi_Minh has had UTC+7 without daylight saving since 1975, older than any data stored here;
    a zone with daylight saving is refused here rather than bucketed wrongly half the year."""
    year = year or datetime.now(UTC).year
    january, july = (datetime(year, month, 1, tzinfo=tz).utcoffset() for month in (1, 7))
    if january != july or january is None:
        raise ValueError(f"{tz} changes its UTC offset within {year}: local days need a per-day offset")
    return int(january.total_seconds())


LOCAL_OFFSET_S = fixed_offset_s(LOCAL_TZ)   # 25200 (UTC+7), from the zone, not spelled out
HOUR = 3600
DAY = 86400

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def parse_time(value: object, *, naive_tz=UTC) -> datetime:
    """Parse what real servers send: ISO 8601 with Z, +07:00, +0700 or no offset, or epoch seconds
    (int, float or numeric string). Returns an aware UTC datetime; raises ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"not a time: {value!r}")
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError) as err:   # beyond what the platform's time functions hold
            raise ValueError(f"not a time: {value!r}") from err
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=naive_tz)).astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a time: {type(value).__name__}")
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return parse_time(float(text))
    m = _ISO.match(text)
    if not m:
        raise ValueError(f"not an ISO 8601 time: {text[:40]!r}")
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro)
    if off is None:
        tz = naive_tz
    elif off in ("Z", "z"):
        tz = UTC
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 14 or minutes > 59:
            raise ValueError(f"bad offset {off!r}")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return dt.replace(tzinfo=tz).astimezone(UTC)


def to_epoch(value: object) -> int:
    return int(parse_time(value).timestamp())


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def to_local(value: datetime | float | int) -> datetime:
    if not isinstance(value, datetime):
        value = from_epoch(value)
    return value.astimezone(LOCAL_TZ)


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso_local(value: datetime | float | int) -> str:
    """ISO 8601 with +07:00, as sent to servers that speak local time."""
    return to_local(value).isoformat(timespec="seconds")


def hour_bucket(t: int) -> int:
    return t - t % HOUR


def day_bucket(t: int) -> int:
    """Start (UTC epoch) of the local calendar day that holds t: days are Vietnamese days."""
    return t - (t + LOCAL_OFFSET_S) % DAY


def local_midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ).astimezone(UTC)

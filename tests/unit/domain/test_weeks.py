"""Meeting weeks: ISO weeks, Monday to Sunday on the commune's calendar (Asia/Ho_Chi_Minh), across the
new year, with the last full week as the default."""
from datetime import date, datetime, timezone

import pytest

from core.errors import BadParam
from domain.weeks import is_complete, last_full_week, parse_week, week_days, week_label, week_window, weeks_before


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("monday, label", [
    (date(2025, 12, 29), "2026-W01"),     # ISO 2026 begins in December 2025
    (date(2026, 12, 28), "2026-W53"),     # 2026 has 53 ISO weeks: this one ends on 03/01/2027
    (date(2027, 1, 4), "2027-W01"),
    (date(2026, 11, 16), "2026-W47"),
    (date(2021, 1, 4), "2021-W01"),       # 01/01/2021 (a Friday) belongs to 2020-W53
])
def test_labels_use_the_iso_year_not_the_calendar_year(monday, label):
    assert week_label(monday) == label
    assert parse_week(label, now=utc(2027, 6, 1)) == monday


def test_week_53_exists_only_in_long_years():
    assert parse_week("2020-W53", now=utc(2027, 1, 1)) == date(2020, 12, 28)
    with pytest.raises(BadParam) as err:
        parse_week("2025-W53", now=utc(2027, 1, 1))      # 2025 has 52 weeks
    assert err.value.values["param"] == "week"


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "26-W10", "W47", "2026-47", "<script>", "1999-W10", "2026-W4x"])
def test_bad_weeks_are_refused_with_the_parameter_named(text):
    with pytest.raises(BadParam) as err:
        parse_week(text, now=utc(2026, 11, 30))
    assert err.value.key == "meeting.error_week" and err.value.values["param"] == "week"


def test_a_week_that_has_not_begun_is_refused_but_the_current_one_is_allowed():
    now = utc(2026, 11, 30, 3)                             # Monday 30/11/2026, 10:00 local
    assert parse_week("2026-W49", now=now) == date(2026, 11, 30)
    with pytest.raises(BadParam) as err:
        parse_week("2026-W50", now=now)
    assert err.value.key == "meeting.error_future_week"


@pytest.mark.parametrize("now, monday", [
    (utc(2026, 11, 30, 3), date(2026, 11, 23)),           # Monday morning: last week is the last full one
    (utc(2026, 11, 29, 16, 59), date(2026, 11, 16)),      # Sunday 23:59 local: this week is not over yet
    (utc(2026, 11, 29, 17, 0), date(2026, 11, 23)),       # Monday 00:00 local (still Sunday in UTC)
    (utc(2026, 1, 1, 5), date(2025, 12, 22)),             # New Year's Day: the last full week is in 2025
    (utc(2026, 1, 4, 17, 30), date(2025, 12, 29)),        # Monday 05/01 local: 2026-W01 began in December
])
def test_the_default_is_the_last_full_week_in_local_time(now, monday):
    assert last_full_week(now) == monday
    assert parse_week(None, now=now) == monday and parse_week("", now=now) == monday
    assert is_complete(monday, now)


def test_week_window_is_local_monday_midnight_to_next_monday():
    start, end = week_window(date(2025, 12, 29))
    assert start == utc(2025, 12, 28, 17) and end == utc(2026, 1, 4, 17)
    assert week_days(date(2025, 12, 29)) == (date(2025, 12, 29), date(2026, 1, 4))
    assert weeks_before(date(2026, 1, 5), 2) == [date(2025, 12, 29), date(2025, 12, 22)]


def test_the_current_week_is_not_complete():
    assert not is_complete(date(2026, 11, 30), utc(2026, 12, 6, 16, 59))
    assert is_complete(date(2026, 11, 30), utc(2026, 12, 6, 17, 0))


def test_week_title_is_how_a_heading_says_it():
    from domain.weeks import week_title
    assert week_title("2026-W01") == "01/2026" and week_title(week_label(date(2026, 12, 28))) == "53/2026"

"""Time parsing, formats and the site file: the conventions every other layer relies on."""
from datetime import datetime, timezone

import pytest

from core.errors import SiteConfigError
from core.formatting import fmt_date, fmt_datetime, fmt_number, fmt_percent
from core.i18n import TABLE, t
from core.site import load_site
from core.timeutil import day_bucket, parse_time, to_epoch


@pytest.mark.parametrize("raw,expected", [
    ("2025-06-11T17:00:00Z", "2025-06-11T17:00:00+00:00"),
    ("2025-06-12T00:00:00+07:00", "2025-06-11T17:00:00+00:00"),
    ("2025-06-12T00:00:00+0700", "2025-06-11T17:00:00+00:00"),
    ("2025-06-12T00:00:00.123456789+07:00", "2025-06-11T17:00:00.123456+00:00"),
    (1749661200, "2025-06-11T17:00:00+00:00"),
    (1749661200.5, "2025-06-11T17:00:00.500000+00:00"),
    ("1749661200", "2025-06-11T17:00:00+00:00"),
])
def test_parse_time_accepts_what_servers_send(raw, expected):
    assert parse_time(raw).isoformat() == expected


@pytest.mark.parametrize("raw", [None, True, "yesterday", "2025-13-01T00:00:00Z", "2025-06-12T00:00:00+25:00",
                                 float("nan"), {"t": 1}, ""])
def test_parse_time_rejects_garbage(raw):
    with pytest.raises(ValueError):
        parse_time(raw)


def test_day_bucket_is_the_local_day():
    # 23:30 local on 11/06 is 16:30Z; 00:30 local on 12/06 is 17:30Z of 11/06
    assert day_bucket(to_epoch("2025-06-11T23:30:00+07:00")) == to_epoch("2025-06-11T00:00:00+07:00")
    assert day_bucket(to_epoch("2025-06-12T00:30:00+07:00")) == to_epoch("2025-06-12T00:00:00+07:00")


def test_vietnamese_formats():
    assert fmt_number(1234567.8, "vi") == "1.234.567,8"
    assert fmt_number(1234567.8, "en") == "1,234,567.8"
    assert fmt_percent(97.5, "vi") == "97,5%"
    assert fmt_number(None, "vi") == "Không có dữ liệu"
    assert fmt_number(float("nan"), "en") == "No data"
    when = datetime(2025, 6, 12, 7, 30, tzinfo=timezone.utc)
    assert fmt_datetime(when) == "12/06/2025 14:30"
    assert fmt_date(when) == "12/06/2025"


def test_every_key_has_both_languages():
    for key, (vi, en) in TABLE.items():
        assert vi.strip() and en.strip(), key
    assert t("common.no_data", "en") == "No data"
    assert t("common.stale_since", "vi", time="14:30") == "Dữ liệu cũ, cập nhật lúc 14:30"
    assert t("no.such.key", "vi") == "no.such.key"


def test_site_file_counts_match_the_seeds(site):
    assert len(site.villages) == 8
    assert len(site.devices_of("camera")) == 31
    assert len(site.devices_of("wifi")) == 9
    assert len(site.devices_of("water_station")) == 4 and len(site.devices_of("air_station")) == 1


def test_site_file_errors_name_the_entry(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("commune: {id: x, name: X, name_en: X, center: [1, 2]}\nvillages: []\n"
                   "devices:\n  - {id: cam_01, kind: camera, name: C, village: nowhere}\n", encoding="utf-8")
    with pytest.raises(SiteConfigError) as err:
        load_site(bad)
    assert "cam_01" in err.value.values["detail"] and "nowhere" in err.value.values["detail"]
    bad.write_text("devices: [oops", encoding="utf-8")
    with pytest.raises(SiteConfigError):
        load_site(bad)


@pytest.mark.parametrize("raw,vi,en", [("2026-10", "10/2026", "10/2026"), ("2026-Q3", "Quý 3/2026", "Q3 2026"),
                                       ("2026-W05", "Tuần 05/2026", "Week 05 2026"),
                                       ("2026-10-05", "05/10/2026", "05/10/2026"), ("2026", "2026", "2026"),
                                       ("kỳ lạ", "kỳ lạ", "kỳ lạ"), (None, "", "")])
def test_reporting_periods_as_people_write_them(raw, vi, en):
    from core.formatting import fmt_period
    assert fmt_period(raw, "vi") == vi and fmt_period(raw, "en") == en

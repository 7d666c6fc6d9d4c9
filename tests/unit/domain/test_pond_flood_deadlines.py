from datetime import date, datetime

import pandas as pd
import pytest

from core.timeutil import LOCAL_TZ, to_epoch
from domain import flood, index766, pond
from domain.deadlines import add_working_days, deadline_for, is_working_day, working_days_between


@pytest.mark.parametrize("param,value,tier", [
    ("do", 5.0, 0), ("do", 3.6, 1), ("do", 2.9, 1), ("do", 1.9, 2),
    ("ph", 7.5, 0), ("ph", 8.7, 1), ("ph", 9.2, 1), ("ph", 5.2, 2), ("ph", 4.8, 3), ("ph", 9.7, 3),
    ("nh3", 0.02, 0), ("nh3", 0.04, 1), ("nh3", 0.06, 1), ("nh3", 1.5, 2), ("nh3", 2.5, 3),
    ("transparency", 45, 0), ("transparency", 38, 1), ("transparency", 22, 2), ("transparency", 15, 3),
])
def test_portal_tiers_worst_first_and_gaps_count_as_tier_1(param, value, tier):
    assert pond.tier(param, value) == tier


def test_qcvn_share_in_range_is_none_without_data():
    assert pond.share_in_range(pd.Series([4.0, 3.0, 5.0, None]), "do") == pytest.approx(200 / 3)
    assert pond.share_in_range(pd.Series([], dtype=float), "do") is None
    assert pond.in_range("salinity", 4.9) is False and pond.in_range("salinity", 5.0) is True


def test_flood_alarm_levels_and_text():
    lv = flood.Levels(1.5, 3.0, 4.5)
    assert [flood.alarm_level(x, lv) for x in (1.49, 1.5, 3.2, 4.5, None)] == [0, 1, 2, 3, None]
    assert flood.relative_text(3.35, lv, "vi") == "+0,35 m so với BĐ II"
    assert flood.relative_text(1.2, lv, "en") == "−0.3 m vs alarm I"
    assert flood.trend_m_per_h([(0, 1.0), (3600, 1.5)]) == pytest.approx(0.5)
    assert flood.rain_intensity(120) == "very_heavy" and flood.rain_intensity(60) == "heavy"
    assert flood.rain_intensity(30, hours=12) == "heavy" and flood.rain_intensity(None) is None


def test_working_days_skip_weekends_and_tet_2026():
    assert not is_working_day(date(2026, 2, 17))        # Tết
    assert not is_working_day(date(2026, 2, 14))        # Saturday
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)   # Friday before Tết -> Monday after
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 27)) == 5


def test_deadline_is_17h_local_on_the_nth_working_day():
    t = to_epoch("2026-02-13T10:00:00+07:00")
    due = datetime.fromtimestamp(deadline_for(None, t, working_days=5), LOCAL_TZ)
    assert (due.date(), due.hour) == (date(2026, 2, 27), 17)
    # the site file's per-category deadline: an_ninh_trat_tu is 5 working days
    assert deadline_for("an_ninh_trat_tu", t) == deadline_for(None, t, working_days=5)


def test_766_groups_full_at_threshold_and_na_without_data():
    sc = index766.score({"dossier_on_time_rate": 100, "online_service_rate": 100, "online_dossier_rate": 25,
                         "online_payment_rate": None, "dossier_digitised_rate": 80})
    g = {x["code"]: x for x in sc["groups"]}
    assert g["TDGQ"]["score"] == 20 and g["MDSH"]["score"] == 22
    assert g["CLGQ"]["score"] == pytest.approx(12 * (1 + 0.5) / 2)
    assert g["TTTT"]["score"] is None and g["CKMB"]["score"] is None
    assert sc["possible"] == 20 + 12 + 22 and sc["total"] == pytest.approx(20 + 9 + 22)
    assert index766.score({})["total"] is None

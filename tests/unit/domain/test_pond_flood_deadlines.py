from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.timeutil import LOCAL_TZ, to_epoch
from domain import flood, index766, pond
from domain.deadlines import add_working_days, deadline_for, is_working_day, working_days_between


# Every boundary of the portal's table (DOMAIN.md §3.2) read to the letter: "<x"/">x" strict, "a–b" closed,
# worst tier first, between safe and tier 1 -> tier 1.
@pytest.mark.parametrize("param,value,tier", [
    # pH: safe 6.5–8.5 | 1: <6 or >9 | 2: <5.5 or >9.5 | 3: <5 or >9.5
    ("ph", 6.5, 0), ("ph", 8.5, 0), ("ph", 6.49, 1), ("ph", 8.51, 1), ("ph", 6.0, 1), ("ph", 5.99, 1),
    ("ph", 9.0, 1), ("ph", 9.01, 1), ("ph", 5.5, 1), ("ph", 5.49, 2), ("ph", 5.0, 2), ("ph", 4.99, 3),
    ("ph", 9.5, 1), ("ph", 9.51, 3),
    # DO: safe >4 | 1: <3 | 2 and 3: <2 (the worst wins)
    ("do", 4.01, 0), ("do", 4.0, 1), ("do", 3.0, 1), ("do", 2.99, 1), ("do", 2.0, 1), ("do", 1.99, 3), ("do", 0.0, 3),
    # NH3: safe <0.03 | 1: >0.05 | 2: >1 | 3: >2(–3)
    ("nh3", 0.029, 0), ("nh3", 0.03, 1), ("nh3", 0.05, 1), ("nh3", 0.051, 1), ("nh3", 1.0, 1), ("nh3", 1.01, 2),
    ("nh3", 2.0, 2), ("nh3", 2.01, 3),
    # H2S: safe <0.01 | 1: 0.01–0.03 | 2: 0.03–0.1 | 3: >0.1
    ("h2s", 0.009, 0), ("h2s", 0.01, 1), ("h2s", 0.02, 1), ("h2s", 0.03, 2), ("h2s", 0.1, 2), ("h2s", 0.11, 3),
    # nitrite: safe <0.5 | 1: 0.5–1 | 2: 1–3 | 3: >3
    ("nitrite", 0.49, 0), ("nitrite", 0.5, 1), ("nitrite", 1.0, 2), ("nitrite", 3.0, 2), ("nitrite", 3.01, 3),
    # water temperature: safe 20–33 | 1: <20 or >33 | 2: <15 | 3: 10–15 (as printed)
    ("water_temp", 20.0, 0), ("water_temp", 33.0, 0), ("water_temp", 19.9, 1), ("water_temp", 33.1, 1),
    ("water_temp", 15.0, 3), ("water_temp", 10.0, 3), ("water_temp", 14.9, 3), ("water_temp", 9.9, 2),
    # flow: safe 0.2–0.3 | 1: >0.5 or <0.2 | 2: >1 or <0.1 | 3: >2
    ("flow_speed", 0.2, 0), ("flow_speed", 0.3, 0), ("flow_speed", 0.4, 1), ("flow_speed", 0.19, 1),
    ("flow_speed", 0.1, 1), ("flow_speed", 0.09, 2), ("flow_speed", 1.0, 1), ("flow_speed", 1.01, 2),
    ("flow_speed", 2.0, 2), ("flow_speed", 2.01, 3),
    # transparency: safe >40 | 1: 30–35 | 2: 20–25 | 3: <20
    ("transparency", 40.1, 0), ("transparency", 40, 1), ("transparency", 38, 1), ("transparency", 35, 1),
    ("transparency", 30, 1), ("transparency", 27, 1), ("transparency", 25, 2), ("transparency", 20, 2),
    ("transparency", 19.9, 3),
])
def test_portal_tiers_to_the_letter(param, value, tier):
    assert pond.tier(param, value) == tier


def test_tiers_are_configuration_with_the_printed_text():
    tiers = pond.load_tiers()
    assert set(tiers.parameters) == {"ph", "do", "nh3", "h2s", "nitrite", "water_temp", "flow_speed", "transparency"}
    assert tiers.parameters["h2s"].tier1.text == "0,01–0,03 mg/L"
    assert pond.tier("salinity", 10) is None and pond.tier("do", None) is None


def test_a_tier_file_that_reads_a_cell_two_ways_is_refused(tmp_path):
    from core.errors import SiteConfigError
    bad = tmp_path / "tiers.yaml"
    bad.write_text("source: x\nsource_en: x\nparameters:\n  do:\n    safe: {text: '>4', when: [{gt: 4, lt: 9}]}\n",
                   encoding="utf-8")
    with pytest.raises(SiteConfigError):
        pond.load_tiers(bad)


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


def test_make_up_saturdays_are_working_days():
    assert is_working_day(date(2026, 8, 22)) and is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2026, 8, 31)) and not is_working_day(date(2025, 5, 2))   # the days they buy
    assert not is_working_day(date(2026, 8, 29))                                            # an ordinary Saturday
    # 15 working days from Fri 21/08/2026: Sat 22/08 counts, 31/08, 1/9 and 2/9 do not
    assert add_working_days(date(2026, 8, 21), 15) == date(2026, 9, 15)


@pytest.mark.parametrize("start,n,due", [
    (date(2025, 4, 29), 1, date(2025, 5, 5)),    # 30/4, 1/5, 2/5 (bought by Sat 26/4) then the weekend
    (date(2025, 4, 25), 1, date(2025, 4, 26)),   # the make-up Saturday itself
    (date(2025, 8, 29), 1, date(2025, 9, 3)),    # weekend, 1/9 and 2/9
    (date(2026, 4, 29), 1, date(2026, 5, 4)),    # 30/4, 1/5 then the weekend
    (date(2025, 1, 24), 1, date(2025, 2, 3)),    # Tết 2025: 27/1–1/2
])
def test_working_days_around_the_holidays(start, n, due):
    assert add_working_days(start, n) == due


def test_site_calendar_overrides_the_national_schedule():
    from core.site import WorkCalendar
    cal = WorkCalendar(days_off=[date(2026, 9, 3)], working_days=[date(2026, 8, 29)])
    assert not is_working_day(date(2026, 9, 3), cal) and is_working_day(date(2026, 8, 29), cal)
    assert add_working_days(date(2026, 8, 27), 2, cal) == date(2026, 8, 29)
    with pytest.raises(ValueError):
        WorkCalendar(days_off=[date(2026, 9, 3)], working_days=[date(2026, 9, 3)])


def test_zero_days_is_today_not_the_default_and_negative_is_refused():
    t = to_epoch("2026-08-21T10:00:00+07:00")
    due = datetime.fromtimestamp(deadline_for("giao_thong", t, working_days=0), LOCAL_TZ)
    assert (due.date(), due.hour) == (date(2026, 8, 21), 17)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 8, 21), -1)


def test_calendar_day_deadlines_count_every_day():
    t = to_epoch("2026-08-21T10:00:00+07:00")
    due = datetime.fromtimestamp(deadline_for(None, t, calendar_days=30), LOCAL_TZ)
    assert due.date() == date(2026, 9, 20)   # a Sunday, holidays included
    from core.site import Service
    assert Service(code="x", name="x", name_en="x", deadline_calendar_days=30).deadline() == (30, "calendar")
    assert Service(code="x", name="x", name_en="x").deadline() == (15, "working")


def test_deadline_is_17h_local_on_the_nth_working_day():
    t = to_epoch("2026-02-13T10:00:00+07:00")
    due = datetime.fromtimestamp(deadline_for(None, t, working_days=5), LOCAL_TZ)
    assert (due.date(), due.hour) == (date(2026, 2, 27), 17)
    # the site file's per-category deadline: an_ninh_trat_tu is 5 working days
    assert deadline_for("an_ninh_trat_tu", t) == deadline_for(None, t, working_days=5)


def test_766_weights_follow_domain():
    full = {"dossier_on_time_rate": 100, "online_service_rate": 100, "online_dossier_rate": 50,
            "online_payment_rate": 100, "dossier_digitised_rate": 80, "report_on_time_rate": 100,
            "report_satisfaction_rate": 100, "dossier_complaint_rate": 0}
    sc = index766.score(full)
    g = {x["code"]: x for x in sc["groups"]}
    assert sc["total"] == pytest.approx(82) and sc["possible"] == pytest.approx(82)   # all but CKMB (18)
    assert g["CKMB"]["score"] is None and index766.uncovered_points(sc) == pytest.approx(18)
    subs = {s["code"]: s for s in g["MDHL"]["subs"]}
    assert subs["5.4"]["points"] == 6 and subs["5.2"]["points"] == 6 and subs["5.3"]["points"] == 6
    assert index766.sub_points(index766.GROUPS[1]) == {"2.1": 20}


def test_766_sub_indicator_5_4_is_about_dossiers():
    # 100 % − (overdue 5 % + complaints 10 %) = 85 % of the 90 % threshold: 6 × 85 / 90
    sc = index766.score({"dossier_on_time_rate": 95, "dossier_complaint_rate": 10})
    mdhl = {x["code"]: x for x in sc["groups"]}["MDHL"]
    s54 = next(s for s in mdhl["subs"] if s["code"] == "5.4")
    assert s54["rate"] == pytest.approx(85) and s54["score"] == pytest.approx(6 * 85 / 90)
    assert mdhl["possible"] == 6 and mdhl["score"] == pytest.approx(6 * 85 / 90)
    # satisfaction of scene reports does not make 5.4
    only_reports = index766.score({"report_satisfaction_rate": 100})
    s54 = next(s for s in only_reports["groups"][5]["subs"] if s["code"] == "5.4")
    assert s54["achievement"] is None
    assert index766.dossier_satisfaction(92, 0) == 92 and index766.dossier_satisfaction(92, None) is None
    # full marks at 90 %
    assert next(s for s in index766.score({"dossier_on_time_rate": 95, "dossier_complaint_rate": 4})
                ["groups"][5]["subs"] if s["code"] == "5.4")["score"] == 6


def test_766_groups_full_at_threshold_and_na_without_data():
    sc = index766.score({"dossier_on_time_rate": 100, "online_service_rate": 100, "online_dossier_rate": 25,
                         "online_payment_rate": None, "dossier_digitised_rate": 80})
    g = {x["code"]: x for x in sc["groups"]}
    assert g["TDGQ"]["score"] == 20 and g["MDSH"]["score"] == 22
    assert g["CLGQ"]["score"] == pytest.approx(12 * (1 + 0.5) / 2)
    assert g["TTTT"]["score"] is None and g["CKMB"]["score"] is None
    assert sc["possible"] == 20 + 12 + 22 and sc["total"] == pytest.approx(20 + 9 + 22)
    assert index766.score({})["total"] is None


def _edges(parameter: str) -> list[float]:
    """Every number the parameter's printed conditions name, and just either side of it."""
    rules = pond.load_tiers().parameters[parameter]
    cuts = []
    for tier_rule in (rules.safe, rules.tier1, rules.tier2, rules.tier3):
        for c in (tier_rule.when if tier_rule else ()):
            cuts += [x for x in (c.lt, c.gt, *(c.between or ())) if x is not None]
    return [x + d for x in cuts for d in (-1e-9, 0.0, 1e-9)]


@pytest.mark.parametrize("parameter", [*pond.load_tiers().parameters, "pm25"])
def test_tier_array_is_tier_for_every_value(parameter):
    values = (_edges(parameter) if parameter in pond.load_tiers().parameters else [1.0]) + [
        float("nan"), float("inf"), -float("inf"), 0.0, -1.0, 1e6]
    expected = [pond.tier(parameter, v) or 0 for v in values]
    assert pond.tier_array(parameter, values).tolist() == expected
    assert pond.tier_array(parameter, []).tolist() == []


@given(st.sampled_from(sorted(pond.load_tiers().parameters)), st.lists(st.floats(allow_nan=True), max_size=20))
def test_tier_array_agrees_with_tier_on_any_floats(parameter, values):
    assert pond.tier_array(parameter, values).tolist() == [pond.tier(parameter, v) or 0 for v in values]

"""VN_AQI against Decision 1459's breakpoint table and DOMAIN.md's worked examples."""
import pytest

from domain.aqi import BANDS, BREAKPOINTS, I, band, daily_aqi, hourly_aqi, nowcast, round_half_up, sub_index, sub_index_raw


@pytest.mark.parametrize("column", list(BREAKPOINTS))
def test_every_breakpoint_edge_maps_to_its_index(column):
    for i, bp in enumerate(BREAKPOINTS[column]):
        if bp is None:
            continue
        assert sub_index(column, bp) == I[i], (column, bp)


@pytest.mark.parametrize("column", list(BREAKPOINTS))
def test_just_below_an_edge_stays_in_the_lower_segment(column):
    bps = [b for b in BREAKPOINTS[column] if b is not None]
    for i in range(1, len(bps)):
        assert sub_index_raw(column, bps[i] - 1e-6) < I[i]


def test_worked_examples_from_domain():
    assert sub_index("pm25", 20.3) == 41
    assert sub_index("o3_1h", 136.1) == 43
    assert sub_index_raw("no2", 118.7) == pytest.approx(59.35)
    assert sub_index("no2", 118.7) == 59
    assert sub_index("o3_8h", 89.3) == 45
    assert sub_index("o3_1h", 114.6) == 36
    assert sub_index("no2", 130.8) == 65
    assert sub_index_raw("pm25", 55.7) == pytest.approx(109.5)
    assert sub_index("pm25", 55.7) == 110   # half up, where Python's round would give 110 too but 108.5 -> 108


def test_ties_round_half_up_not_half_even():
    assert round_half_up(108.5) == 109 and round(108.5) == 108
    assert round_half_up(59.49) == 59


def test_above_the_table_is_capped_and_missing_is_none():
    assert sub_index("pm25", 900) == 500
    assert sub_index("pm25", None) is None
    assert sub_index("pm25", float("nan")) is None


def test_nowcast_weights_and_missing_hours():
    flat = nowcast([20.0] * 12)
    assert flat == pytest.approx(20.0)
    # a rising series weighs the newest hours more than a plain mean would
    rising = [40.0, 30.0, 20.0, 10.0]
    assert nowcast(rising) > sum(rising) / 4
    assert nowcast([None, None, 30.0, 30.0]) is None            # fewer than 2 of the 3 newest
    assert nowcast([30.0, None, 30.0] + [None] * 9) == pytest.approx(30.0)


def test_hourly_and_daily_overall_take_the_worst_pollutant_and_need_pm():
    h = hourly_aqi([20.3] * 12, [], o3=136.1, no2=118.7)
    assert h.value == 59 and h.dominant == "no2"
    assert hourly_aqi([], [], o3=300.0).value is None           # PM10 or PM2.5 is required
    d = daily_aqi(pm25=[55.7] * 24, no2=[130.8] + [50.0] * 23, o3=[114.6] + [80.0] * 23, o3_8h=89.3)
    assert d.value == 110 and d.dominant == "pm25"
    assert d.sub["o3"] == 45 and d.sub["no2"] == 65


def test_bands_cover_0_to_500_with_their_colours():
    assert band(50).vi == "Tốt" and band(51).vi == "Trung bình" and band(101).colour == "#FF7E00"
    assert band(151).en == "Bad" and band(201).colour == "#8F3F97" and band(500).vi == "Nguy hại"
    assert band(None) is None
    assert [b.low for b in BANDS] == [0, 51, 101, 151, 201, 301]

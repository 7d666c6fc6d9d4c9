"""The query layer on both engines: resolution tiers within the point budget, local days, honest
empty frames, bad windows refused, counts, rates summed from numerators, cache invalidated by ingest."""
from datetime import datetime, timezone

import pandas as pd
import pytest

from core.errors import BadParam
from core.timeutil import to_epoch
from ingest.records import DatastreamInfo, IndicatorRecord, Observation
from ingest.site_sync import sync_site
from ingest.writer import Writer
from queries import indicators, readings, site
from queries.cache import invalidate
from queries.windows import previous_window, window

T0 = to_epoch("2025-01-01T00:00:00+07:00")


@pytest.fixture
def store(store_url, use_store, engine_for, site):
    use_store(store_url)
    engine = engine_for(store_url)
    sync_site(engine, site)
    return engine


def write_days(engine, days, step=600, value=lambda i: 5.0 + (i % 6)):
    n = days * 86400 // step
    Writer(engine, T0 + days * 86400 + 3600).write(
        [DatastreamInfo("sensorthings", "1", "1", "Trạm", "do", "mg/L")]
        + [Observation("sensorthings", "1", T0 + i * step, value(i)) for i in range(n)])
    return n


def at(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc)


def test_tiers_keep_every_trace_within_the_budget(store):
    write_days(store, 40)
    day = readings.series(("water_1",), "do", at(T0), at(T0 + 86400))
    assert day.attrs["tier"] == "raw" and len(day) == 144
    month = readings.series(("water_1",), "do", at(T0), at(T0 + 40 * 86400))
    assert month.attrs["tier"] == "hour" and len(month) == 960 and (month["count"] == 6).all()
    assert month["min"].min() == 5.0 and month["max"].max() == 10.0
    small = readings.series(("water_1",), "do", at(T0), at(T0 + 40 * 86400), max_points=100)
    assert small.attrs["tier"] == "day" and len(small) == 40
    budget = readings.series(("water_1",), "do", at(T0), at(T0 + 10 * 86400), max_points=500)
    assert len(budget) <= 500          # hourly would be 240: raw at 1,440 is downsampled or tier moved
    daily = readings.daily(("water_1",), "do", at(T0), at(T0 + 3 * 86400))
    assert [ts.tz_convert("Asia/Ho_Chi_Minh").hour for ts in daily["time"]] == [0, 0, 0]


def test_no_data_is_an_empty_frame_with_columns(store):
    df = readings.series(("water_1",), "do", at(T0), at(T0 + 3600))
    assert df.empty and list(df.columns) == ["time", "device", "value", "min", "max", "count"]
    assert indicators.rate("cashless_rate") is None


@pytest.mark.parametrize("kwargs,key", [
    ({"period": "custom", "start": "2025-13-01"}, "error.bad_date"),
    ({"period": "custom", "start": "2025-06-10", "end": "2025-06-01"}, "error.period_reversed"),
    ({"period": "custom", "start": "1975-01-01", "end": "2025-01-01"}, "error.period_too_long"),
    ({"period": "fortnight"}, "error.bad_period"),
])
def test_bad_windows_are_refused_with_a_reason(kwargs, key):
    with pytest.raises(BadParam) as err:
        window(**kwargs)
    assert err.value.key == key


def test_windows_are_local_days():
    s, e = window("custom", "2025-06-01", "2025-06-30", now=at(to_epoch("2025-07-15T00:00:00+07:00")))
    assert s == at(to_epoch("2025-06-01T00:00:00+07:00")) and e == at(to_epoch("2025-07-01T00:00:00+07:00"))
    assert previous_window(s, e)[1] == s


def test_unknown_village_and_device_are_refused(store):
    with pytest.raises(BadParam):
        site.check_village("thon_99")
    assert site.check_village("thon_3") == "thon_3"
    with pytest.raises(BadParam):
        readings.series(("water_1",), "not_a_parameter", at(T0), at(T0 + 60))


def test_rates_sum_numerators_never_average_percentages(store):
    Writer(store, T0).write([
        IndicatorRecord("f", "online_dossier_rate", "commune:quang_tho", "2025-01", 10.0, 1, 10, generated_t=1),
        IndicatorRecord("f", "online_dossier_rate", "commune:quang_tho", "2025-02", 90.0, 90, 100, generated_t=1)])
    assert indicators.rate("online_dossier_rate", start=at(T0 - 86400), end=at(T0 + 90 * 86400)) == pytest.approx(
        100 * 91 / 110)       # the mean of 10 % and 90 % would say 50 %


def test_ingest_invalidates_the_cache(store):
    write_days(store, 1)
    first = readings.latest()
    Writer(store, T0 + 3 * 86400).write([DatastreamInfo("sensorthings", "1", "1", "Trạm", "do", "mg/L"),
                                         Observation("sensorthings", "1", T0 + 2 * 86400, 9.9)])
    assert readings.latest()["value"].iloc[0] == first["value"].iloc[0]   # still memoised
    invalidate("readings")
    assert readings.latest()["value"].iloc[0] == 9.9


def test_daily_aqi_per_local_day_from_hourly_means(store):
    from domain.aqi import daily_aqi
    from queries.kpis import aqi_daily
    Writer(store, T0 + 3 * 86400).write(
        [DatastreamInfo("sensorthings", "pm", "5", "Trạm không khí", "pm25", "µg/m³")]
        + [Observation("sensorthings", "pm", T0 + h * 3600, 20.0 if h < 24 else 60.0) for h in range(48)])
    df = aqi_daily("air_1", at(T0), at(T0 + 2 * 86400))
    assert list(df["aqi"]) == [daily_aqi(pm25=[20.0] * 24).value, daily_aqi(pm25=[60.0] * 24).value] == [40, 117]
    assert [ts.tz_convert("Asia/Ho_Chi_Minh").hour for ts in df["time"]] == [0, 0]
    assert list(df["dominant"]) == ["pm25", "pm25"]
    assert aqi_daily("air_1", at(T0 + 5 * 86400), at(T0 + 6 * 86400)).empty


def test_daily_aqi_of_every_pollutant_is_the_domain_rule_over_the_hourly_means(store):
    """The gases' day maxima are taken in the database and PM and O3 grouped from plain rows: the index, its
    dominant pollutant and the days are what daily_aqi gives over each local day's hourly means."""
    import math

    from domain.aqi import daily_aqi
    from queries.kpis import AQI_POLLUTANTS, aqi_daily
    units = {"pm25": "µg/m³", "pm10": "µg/m³", "o3": "µg/m³", "co": "µg/m³", "so2": "µg/m³", "no2": "µg/m³"}
    level = {"pm25": 30.0, "pm10": 60.0, "o3": 90.0, "co": 4000.0, "so2": 150.0, "no2": 120.0}
    obs = []
    for k, p in enumerate(AQI_POLLUTANTS):
        # each pollutant its own hours (PM2.5 misses the second day's morning) and its own daily shape
        obs += [Observation("sensorthings", f"aq{k}", T0 + h * 3600, level[p] * (1 + 0.9 * math.sin(h / 3 + k)))
                for h in range(60) if not (p == "pm25" and 30 <= h < 38)]
    Writer(store, T0 + 3 * 86400).write(
        [DatastreamInfo("sensorthings", f"aq{k}", "5", "Trạm không khí", p, units[p]) for k, p in enumerate(AQI_POLLUTANTS)]
        + obs)
    start, end = at(T0 - 86400), at(T0 + 3 * 86400)
    df = aqi_daily("air_1", start, end)
    hourly = readings.hourly_means("air_1", AQI_POLLUTANTS, start, end)
    local_day = (hourly["time"] + pd.Timedelta(hours=7)).dt.floor("D")
    expected = []
    for day in sorted(local_day.unique()):
        of_day = hourly[local_day == day]
        r = daily_aqi(*(of_day[of_day["parameter"] == p]["mean"].tolist() for p in AQI_POLLUTANTS))
        expected.append((day - pd.Timedelta(hours=7), r.value, r.dominant))
    assert len(expected) == 3
    assert list(zip(df["time"], df["aqi"], df["dominant"])) == expected


def test_pond_share_counted_in_the_database_follows_the_domain_rule(store):
    from domain.pond import share_in_range
    from queries.kpis import pond_share
    write_days(store, 3, value=lambda i: (2.0, 3.4, 3.5, 6.0, 9.0, 1.0)[(i // 6) % 6])   # hourly means vary
    hourly = readings.hourly(("water_1",), "do", at(T0), at(T0 + 3 * 86400))
    expected = share_in_range(hourly["mean"], "do")
    assert 0 < expected < 100
    assert pond_share("do", at(T0), at(T0 + 3 * 86400)) == pytest.approx(expected)
    assert pond_share("do", at(T0 + 10 * 86400), at(T0 + 11 * 86400)) is None     # no data, never 0 %
    assert pond_share("nh3", at(T0), at(T0 + 3 * 86400)) is None                   # no QCVN range for it


def test_event_counts_by_every_grouping_from_one_pass(store):
    from ingest.records import CameraEventRecord
    from queries import events
    base = to_epoch("2025-01-06T00:30:00+07:00")          # a Monday, 00:30 local
    assert events.first_event_t() is None                  # no history: the overview compares with nothing
    recs = [CameraEventRecord("frigate", f"e{i}", "cam_01", "person" if i % 3 else "car", base + i * 3600,
                              base + i * 3600 + 60, 0.8, 0.9)
            for i in range(30)]
    Writer(store, base + 40 * 3600).write(recs)
    invalidate("events")
    assert events.first_event_t() == base
    s, e = at(base - 3600), at(base + 40 * 3600)
    hw = events.event_counts(s, e, "hour_weekday")
    assert hw["count"].sum() == 30 and set(hw["weekday"]) == {0, 1} and hw["hour"].between(0, 23).all()
    assert len(hw) == 30                                   # one event per local hour: integer hours, not seconds
    assert hw.iloc[0][["weekday", "hour"]].tolist() == [0, 0]
    labels = events.event_counts(s, e, "label").set_index("label")["count"].to_dict()
    assert labels == {"car": 10, "person": 20}
    assert events.event_counts(s, e, "camera")["count"].tolist() == [30]
    days = events.event_counts(s, e, "day")
    assert days["count"].tolist() == [24, 6]


def test_event_counts_from_the_hourly_rollup_match_the_events_for_any_window(store):
    """The rollup kept at ingest answers whole hours, the events the part-hours at either end: any window,
    late events and a re-polled batch give the counts the events themselves give."""
    import random

    from sqlalchemy import func, select

    from ingest.records import CameraEventRecord
    from queries import events
    from store.models import CameraEvent, EventHourCount
    rng = random.Random(21)
    base = to_epoch("2025-03-03T00:00:00+07:00")
    recs = [CameraEventRecord("frigate", f"e{i}", rng.choice(["cam_01", "cam_02"]), rng.choice(["person", "car"]),
                              base + rng.randrange(0, 5 * 86400), None, 0.8, 0.9) for i in range(400)]
    Writer(store, base + 6 * 86400).write(recs[:300])
    Writer(store, base + 6 * 86400).write(recs[250:])          # a re-poll overlapping the last one, then late ones
    invalidate("events")
    with store.connect() as c:
        assert c.scalar(select(func.sum(EventHourCount.count))) == c.scalar(select(func.count()).select_from(CameraEvent)) == 400
    for _ in range(12):
        lo = base + rng.randrange(-3600, 5 * 86400)
        hi = lo + rng.randrange(1, 3 * 86400)
        expect = sum(1 for r in recs if lo <= r.start_t < hi)
        assert events.event_counts(at(lo), at(hi), "hour_weekday")["count"].sum() == expect
        assert events.event_counts(at(lo), at(hi), "day")["count"].sum() == expect
        cars = sum(1 for r in recs if lo <= r.start_t < hi and r.label == "car" and r.camera == "cam_01")
        got = events.event_counts(at(lo), at(hi), "label", cameras=("cam_01",))
        assert dict(zip(got["label"], got["count"])).get("car", 0) == cars

"""The simulator is internally consistent, as a commune that reports honestly would be: a commune share is
the household-weighted mean of its villages (so within their range), a rate equals its numerator over its
denominator, the published 766 score follows its components, running counts never fall; reports wait for
office hours before they are assigned, so some are "Mới tiếp nhận" at a typical moment."""
import pandas as pd
import pytest

from core.timeutil import to_epoch
from queries import crosschecks
from simulator.feedback import Open311
from simulator.feeds import Feed

NOWS = [to_epoch("2025-11-05T12:00:00+07:00"), to_epoch("2026-11-30T10:00:00+07:00")]


def feed_frame(site, now):
    rows = [r for _, r in Feed(site, 766).rows(now)]
    df = pd.DataFrame(rows)
    df = df[~df["period"].str.contains("W")]        # monthly values (weekly dossiers carry no villages)
    df["period_start_t"] = pd.factorize(df["period"], sort=True)[0]
    return df


@pytest.mark.parametrize("now", NOWS)
def test_commune_figures_lie_within_their_villages_range(site, now):
    df = feed_frame(site, now)
    phones = df[df["indicator"] == "smartphone_rate"]
    months = 0
    for period, part in phones.groupby("period"):
        villages = part[part["scope"].str.startswith("village:")]
        commune = part[part["scope"].str.startswith("commune:")]
        assert len(villages) == len(site.villages) and len(commune) == 1
        value = commune["value"].iloc[0]
        assert villages["value"].min() <= value <= villages["value"].max(), period
        assert commune["numerator"].iloc[0] == villages["numerator"].sum()
        assert commune["denominator"].iloc[0] == villages["denominator"].sum()
        months += 1
    assert months >= 20


@pytest.mark.parametrize("now", NOWS)
def test_the_simulator_raises_no_cross_check_finding(site, now):
    df = feed_frame(site, now)
    assert crosschecks.commune_outside_villages(df) == []
    assert crosschecks.rate_vs_parts(df) == []
    assert crosschecks.composite_766(df) == []
    assert crosschecks.counter_backwards(df) == []


def test_the_published_766_score_moves_with_its_components(site):
    from simulator.feeds import index_766_published
    good = index_766_published(1.0, 0.6, 1.0, 0.9, 0.0, 0.95, 0.9)
    late = index_766_published(0.7, 0.6, 1.0, 0.9, 0.0, 0.95, 0.9)
    assert good - late == pytest.approx(20 * 0.3 + 6 * (1 - 0.7 / 0.9), abs=0.1)   # 2.1 and 5.4 both fall


def test_some_reports_wait_to_be_assigned_outside_office_hours(site):
    sim = Open311(site, 766)
    saturday_noon = to_epoch("2026-11-28T12:00:00+07:00")
    recent = [r for r in sim._days(saturday_noon - 3 * 86400, saturday_noon)]
    waiting = [r for r in recent if r["updates"][0][0] > saturday_noon]
    assert waiting, "a report filed on Friday evening or Saturday is not assigned before Monday"
    for r in recent:
        from datetime import datetime, timedelta, timezone
        first = datetime.fromtimestamp(r["updates"][0][0], timezone(timedelta(hours=7)))
        assert first.weekday() < 5 and (7, 30) <= (first.hour, first.minute) < (17, 0)
        assert r["closed"] is None or r["closed"] > r["updates"][0][0]


def test_an_http_page_of_observations_holds_the_entities_the_mqtt_face_publishes(site):
    """The page is built in bulk for speed; each entity must be exactly what observation_entity() (the MQTT
    publisher's) makes of the same observation: ids, interval times, offsets and the missing resultTime."""
    from simulator.sta import SensorThings, observation_entity, observations
    sta = SensorThings(site, 7)
    now = NOWS[1]
    checked = 0
    for ds in sta.streams:
        page = sta._observations(ds, {}, 30, 0, False, "http://sim/v1.1", "/v1.1/x", now)["value"]
        k, t, result, result_t = observations(sta.seed, ds, now - 400 * 86400, now + 1, now)
        expected = [observation_entity(ds, int(k[i]), int(t[i]), result[i], int(result_t[i]), "http://sim/v1.1")
                    for i in range(min(30, len(k)))]
        assert page == expected, ds.id
        checked += len(page)
    assert checked > 100

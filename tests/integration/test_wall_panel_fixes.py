"""Panels as the wall shows them (issue #17, found on its screenshots): the "each gauge" cycle shows the
cycled gauge only, with its own alarm levels; the sources table names the sources; a long list of open
alerts says how many it leaves out, on the wall and on the overview."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import insert

QT = "quang_tho"
GAUGES = ("gauge_niem_pho", "gauge_nga_tu", "gauge_phu_oc")


@pytest.fixture
def site_store(store_url, engine_for, use_store):
    from ingest.site_sync import sync_site
    use_store(store_url)
    sync_site(engine_for(store_url))
    return store_url


def _text(component) -> str:
    return str(component.to_plotly_json())


def test_river_levels_show_the_cycled_gauge_only_and_every_gauge_without_one(site_store):
    from panels import Filters, data_for, get_panel
    every = data_for("env.river_levels", Filters(period="24h"))
    assert sorted(g["id"] for g in every.extra["gauges"]) == sorted(GAUGES)
    one = data_for("env.river_levels", Filters(period="24h", device="gauge_nga_tu"))
    assert one.error is None and [g["id"] for g in one.extra["gauges"]] == ["gauge_nga_tu"]
    assert one.scope == "device:gauge_nga_tu"
    import pandas as pd
    one.frame = pd.DataFrame({"time": pd.date_range("2026-11-29", periods=3, freq="h", tz="UTC"),
                              "device": "gauge_nga_tu", "value": [0.5, 0.6, 0.7], "min": [0.5, 0.6, 0.7],
                              "max": [0.5, 0.6, 0.7], "count": 1})
    fig = get_panel("env.river_levels").figure(one, "vi", "dark")
    bands = " ".join(str(s) for s in fig.layout.shapes) + " ".join(a.text or "" for a in fig.layout.annotations)
    assert "Cầu Ngã Tư" in bands and "Phú Ốc" not in bands      # the cycled gauge's own alarm levels
    # another kind of device is a message (the page pins the pond station away), never every gauge
    assert data_for("env.river_levels", Filters(period="24h", device="rain_1")).error is not None


def test_river_levels_cache_splits_on_the_device():
    from panels import Filters, get_panel
    from panels.base import restrict
    uses = get_panel("env.river_levels").uses
    assert restrict(Filters(device="gauge_nga_tu"), uses) != restrict(Filters(device="gauge_phu_oc"), uses)


def test_the_sources_table_names_the_sources(site_store, engine_for):
    from store.models import SourceHealth
    engine = engine_for(site_store)
    with engine.begin() as conn:
        for source in ("frigate", "open311"):
            conn.execute(insert(SourceHealth).values(source=source, protocol="http", url="http://x",
                                                     last_success_t=int(time.time())))
    from panels import Filters, data_for, get_panel
    data = data_for("ops.sources", Filters())
    for lang, names in (("vi", {"Camera", "Phản ánh hiện trường"}), ("en", {"Cameras", "Scene reports"})):
        _head, rows = get_panel("ops.sources").table(data, lang)
        assert {r[0] for r in rows} == names, rows


def _open_alerts(engine, n: int) -> None:
    """`n` open alerts written straight into the store, and the alerts' cached answers dropped as the alert
    engine's writes drop them (a count cached before the rows, e.g. by the app's import, would else stand)."""
    from queries.cache import invalidate
    from store.models import Alert
    now = int(time.time())
    with engine.begin() as conn:
        conn.execute(insert(Alert), [dict(rule_id="level", kind="level", subject=f"s{i}", commune_id=QT,
                                          severity="high", state="open", title_vi=f"Cảnh báo {i}",
                                          title_en=f"Alert {i}", opened_t=now - i, updated_t=now - i)
                                     for i in range(n)])
    invalidate("alerts")


@pytest.mark.parametrize("n, hidden", [(6, {"wall": None, "page": None}), (12, {"wall": 6, "page": None}),
                                      (75, {"wall": 69, "page": 63})])
def test_a_long_alert_table_says_how_many_it_leaves_out(site_store, engine_for, n, hidden):
    """On a page 12 rows; on the wall the 6 that fit a cell (the cell hides the rest): the others counted."""
    from flask import Flask

    from layouts.panel_view import render
    from panels import Filters, data_for
    _open_alerts(engine_for(site_store), n)
    data = data_for("ops.open_alerts", Filters())
    with Flask(__name__).test_request_context("/"):
        for lang, words in (("vi", "và {n} cảnh báo khác"), ("en", "and {n} more")):
            for size in ("wall", "page"):
                text = _text(render("ops.open_alerts", data, lang, "dark", size))
                if hidden[size] is None:
                    assert "panel-more" not in text
                else:
                    assert words.format(n=hidden[size]) in text, (lang, size)
                shown = min(n, 6 if size == "wall" else 12)
                assert text.count("Cảnh báo " if lang == "vi" else "Alert ") - text.count("Cảnh báo đang") == shown


def test_the_overview_alert_list_says_how_many_it_leaves_out(site_store, engine_for):
    import app  # noqa: F401 - pages register themselves with the app
    from pages.overview import alert_list
    _open_alerts(engine_for(site_store), 20)
    assert "và 12 cảnh báo khác" in _text(alert_list("vi", QT))


def _rain_every_hour(engine, hours: int) -> None:
    """1 mm every hour at the commune's rain gauge (Thing 9) for the last `hours` hours."""
    from ingest.records import DatastreamInfo, Observation
    from ingest.writer import Writer
    now = int(time.time()) // 3600 * 3600
    Writer(engine, now + 60).write([DatastreamInfo("sensorthings", "rain-9", "9", "Mưa", "rainfall", "mm")]
                                   + [Observation("sensorthings", "rain-9", now - 3600 * i, 1.0) for i in range(hours)])


@pytest.mark.parametrize("period", ["24h", "7d"])
def test_the_flood_slides_rain_panels_each_say_the_period_they_show(site_store, engine_for, period):
    """The wall's flood slide puts "Lượng mưa 24 giờ qua" beside "Lượng mưa theo ngày" for the same filter:
    the first is a rolling 24 hours, the second whole local days (the day the window starts in, cut,
    is not a bar). Each card says its own: the daily chart's first date is its first bar's."""
    from core.formatting import fmt_date
    from core.timeutil import LOCAL_TZ
    from layouts.panel_view import covers_for
    from panels import Filters, data_for
    _rain_every_hour(engine_for(site_store), 24 * 9)
    daily = data_for("env.rain_daily", Filters(period=period))
    assert daily.error is None and not daily.frame.empty
    first_bar = daily.frame["time"].min()
    assert first_bar == daily.start                                   # the card's first day is the first bar
    local_start = daily.start.astimezone(LOCAL_TZ)
    assert (local_start.hour, local_start.minute) == (0, 0)
    text = covers_for(daily, "vi")
    assert text.startswith(f"Từ {fmt_date(daily.start)} đến ") and "hôm nay tính đến hiện tại" in text, text
    rolling = data_for("env.rain_24h", Filters(period=period))
    assert "24 giờ liền trước, không theo ngày lịch" in covers_for(rolling, "vi")
    assert "the 24 hours up to now" in covers_for(rolling, "en")
    assert rolling.value == pytest.approx(24.0)                       # 24 hourly readings of 1 mm


def test_a_past_weeks_rain_by_day_covers_whole_days_and_says_so(site_store, engine_for):
    from datetime import date, timedelta

    from domain.weeks import last_full_week
    from layouts.panel_view import covers_for
    from panels import Filters, data_for
    _rain_every_hour(engine_for(site_store), 24 * 16)
    monday: date = last_full_week()
    week = Filters(period="custom", start=monday.isoformat(), end=(monday + timedelta(days=6)).isoformat())
    daily = data_for("env.rain_daily", week)
    assert len(daily.frame) == 7
    text = covers_for(daily, "vi")
    assert text.startswith(f"Từ {monday:%d/%m/%Y} đến {monday + timedelta(days=6):%d/%m/%Y}") and "mỗi cột một ngày lịch" in text
    assert "hôm nay" not in text
    assert "24 giờ liền trước" not in covers_for(data_for("env.rain_24h", week), "vi")   # a named window: not rolling

"""The city page asks each panel for every commune at once (Panel.data_many, panels.data_for_many: one
set-based query a figure, grouped by commune); a commune's own pages ask `data` for one. Both must give the
same numbers, on both engines, for communes with data and a commune without any: "one definition of each
number". The store: Quảng Thọ and the demo commune with two days from the simulator, and a third commune
(a clone of Quảng Thọ, as the city benchmark makes them) with no data at all."""
from __future__ import annotations

import math
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
QT, DEMO, EMPTY = "quang_tho", "demo_xa_b", "city_01"
COMMUNES = (QT, DEMO, EMPTY)


@pytest.fixture
def city(store_url, tmp_path, monkeypatch, use_store):
    """Three communes in the store, two of them with two days of every source (simulator backfill)."""
    from bench.city import commune_site
    from core.settings import get_settings
    from core.site import _clear_caches
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from simulator.server import start_in_thread
    from store.engine import make_engine
    sites = tmp_path / "sites"
    sites.mkdir()
    for name in ("quang_tho.yaml", "demo_xa_b.yaml"):
        shutil.copy(ROOT / "sites" / name, sites / name)
    (sites / "city_01.yaml").write_text(yaml.safe_dump(commune_site(1), allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SITE_FILE", str(sites / "quang_tho.yaml"))
    get_settings.cache_clear()
    _clear_caches()
    server, url = start_in_thread(port=0, seed=766, site_file=[ROOT / "sites" / "quang_tho.yaml",
                                                               ROOT / "sites" / "demo_xa_b.yaml"])
    engine = make_engine(store_url)
    try:
        assert sync_site(engine)["communes"] == 3
        backfill(2, engine=engine, urls={"sensorthings": f"{url}/sta/v1.1", "frigate": f"{url}/frigate",
                                         "open311": f"{url}/open311/v2", "indicators": f"{url}/feeds"},
                 progress=False)
    finally:
        engine.dispose()
        server.shutdown()
    use_store(store_url)
    yield store_url
    monkeypatch.undo()
    get_settings.cache_clear()
    _clear_caches()


def _plain(x):
    """A value with NaN as None, so two equal answers compare equal (NaN != NaN)."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _same(a, b) -> bool:
    fields = ("panel", "value", "extra", "start", "end", "now", "scope", "freshness", "simulated", "notes")
    return (all(_plain(getattr(a, f)) == _plain(getattr(b, f)) for f in fields)
            and (a.error is None) == (b.error is None) and str(a.error) == str(b.error))


def _many_panels() -> list[str]:
    from panels import REGISTRY
    return [pid for pid, panel in REGISTRY.items() if panel.data_many is not None]


def test_every_city_column_is_computed_for_every_commune_at_once():
    import app  # noqa: F401 - pages register after the app exists
    from pages.city import COLUMNS
    assert {pid for _, pid in COLUMNS} <= set(_many_panels())


@pytest.mark.parametrize("filters", [{"period": "30d"}, {"period": "90d"}, {"period": "today"},
                                     {"period": "custom", "start": "2026-01-01", "end": "2026-12-31"}])
def test_data_many_equals_data_for_each_commune(city, filters):
    from panels import REGISTRY, Filters
    from panels.base import restrict
    asked = Filters.from_mapping(filters)
    seen_values = set()
    for pid in _many_panels():
        panel = REGISTRY[pid]
        f = restrict(asked, panel.uses)
        many = panel.data_many(f, COMMUNES)
        assert set(many) == set(COMMUNES), pid
        for commune in COMMUNES:
            one = panel.data(replace(f, commune=commune))
            assert one.error is None, (pid, commune, one.error)
            assert _same(many[commune], one), (pid, commune, many[commune], one)
            seen_values.add((pid, commune, many[commune].value is not None))
    # the figures are not all "no data": the communes with data answer (today: maybe nothing resolved yet),
    # the one without says so
    with_data = {pid for pid, c, known in seen_values if known and c in (QT, DEMO)}
    assert asked.period == "today" or {"fb.on_time", "fb.reports_overdue", "env.aqi_now", "env.flood_now", "svc.index766_estimate"} <= with_data
    assert not any(known for pid, c, known in seen_values if c == EMPTY and pid.startswith(("env.", "fb.on_time")))


def test_the_grouped_queries_answer_what_the_single_commune_ones_do(city):
    """The set-based queries against those every other page asks about one commune."""
    import pandas as pd

    from panels.services import ESTIMATE_CODES
    from queries import health, indicators, kpis, reports, site
    from queries.windows import window
    start, end = window("90d")      # monthly indicators: the last reported months
    stats = reports.report_stats_by_commune(start, end, COMMUNES)
    overdue = reports.overdue_now_by_commune(COMMUNES)
    codes = ESTIMATE_CODES + ("index_766_score",)
    scopes = tuple(indicators.commune_scope(c) for c in COMMUNES)
    summaries = indicators.period_summaries(codes, start, end, scopes)
    now = int(time.time())      # what "now" figures (a source's lag) are measured against
    states = health.states_by_commune(COMMUNES, now)
    gauges = kpis.gauges_now_by_commune(COMMUNES, now)
    stations = site.first_devices("air_station", COMMUNES)
    airs = kpis.air_now_of(tuple(d for d in stations.values() if d), now)
    for commune, scope in zip(COMMUNES, scopes):
        assert stats[commune] == reports.report_stats(start, end, commune=commune)
        for code in codes:
            assert summaries[(scope, code)] == indicators.period_summary(code, start, end, scope)
        listed = health.sources(now, commune=commune)
        assert states[commune] == dict(zip(listed["source"], listed["state"])) and len(listed)
        pd.testing.assert_frame_equal(gauges[commune], kpis.gauges_now(now, commune=commune))
        assert stations[commune] == site.first_device("air_station", commune)
    assert stats[QT]["received"] > 0 and stats[DEMO]["received"] > 0 and stats[EMPTY]["received"] == 0
    assert overdue[EMPTY] is None and overdue[QT] is not None     # never a report: "no data", not 0
    assert stats[QT]["received"] + stats[DEMO]["received"] == reports.report_stats(start, end)["received"]
    assert any(summaries[(indicators.commune_scope(QT), code)]["value"] is not None for code in ESTIMATE_CODES)
    for device, air in airs.items():
        assert _plain(air) == _plain(kpis.air_now.uncached(device, now))
    assert airs[stations[DEMO]]["aqi"] is not None and stations[EMPTY] == "city_01_air_1"
    assert len(gauges[QT]) and gauges[EMPTY]["level"].isna().all()


def test_a_pages_period_cards_are_asked_in_one_query_and_answer_what_each_asks_alone(city):
    """panels.prefetch asks every period card's summaries (this period and the one before) in one query and
    keeps each under the key the card's own period_summary call reads: the cards then run no query of their
    own, and every number is the one period_summary computes alone, for a commune with data and one without."""
    from sqlalchemy import event

    from panels import REGISTRY, Filters, data_for, prefetch
    from queries import indicators
    from queries.cache import clear
    from store.engine import get_engine
    cards = [pid for pid, panel in REGISTRY.items() if panel.summaries is not None]
    assert len(cards) >= 8
    asked = []

    def count(conn, cursor, statement, *args):
        if "indicator_values" in statement:
            asked.append(statement)
    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        for commune in (QT, EMPTY):
            for period in ("90d", "year"):
                filters = Filters(period=period, commune=commune)
                calls = [call for pid in cards for call in REGISTRY[pid].summaries(filters)]
                clear()
                asked.clear()
                prefetch(cards, filters)
                assert len(asked) == 1
                got = [data_for(pid, filters) for pid in cards]
                assert len(asked) == 1          # every card found its summaries kept
                assert indicators.period_summary_many(calls) == [indicators.period_summary.uncached(*c) for c in calls]
                for pid, data in zip(cards, got):
                    alone = REGISTRY[pid].data(filters)
                    assert (data.value, data.extra) == (alone.value, alone.extra)
                known = [d.value for d in got if d.value is not None]
                assert bool(known) == (commune == QT)      # the empty commune: no data, never 0
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    clear()
    prefetch(cards, Filters(period="nonsense", commune=QT))      # refused filters: left to each card to say
    assert data_for(cards[0], Filters(period="nonsense", commune=QT)).error.key == "error.bad_period"


def test_filters_are_checked_per_commune(city):
    """A village or a device is one commune's: the others refuse it, each in words; an unknown commune
    is refused alone."""
    from panels import REGISTRY, Filters
    on_time, air = REGISTRY["fb.on_time"], REGISTRY["env.aqi_now"]
    got = on_time.data_many(Filters(period="30d", village="demo_b_thon_1"), COMMUNES)
    assert got[DEMO].error is None and got[DEMO].scope == "village:demo_b_thon_1"
    assert got[QT].error is not None and got[QT].error.key == "error.unknown_village" and got[EMPTY].error is not None
    assert _same(got[DEMO], on_time.data(Filters(period="30d", village="demo_b_thon_1", commune=DEMO)))
    got = air.data_many(Filters(device="demo_b_air_1"), (QT, DEMO, "nowhere", None))
    assert got[DEMO].scope == "device:demo_b_air_1" and got[QT].error.key == "error.unknown_device"
    assert got["nowhere"].error.key == "error.unknown_commune"
    assert got[None].error.key == "error.unknown_device"            # None: the default commune, Quảng Thọ
    assert on_time.data_many(Filters(period="nonsense"), COMMUNES)[QT].error.key == "error.bad_period"


def test_data_for_many_reads_and_keeps_what_data_for_does(city):
    """One cache entry per (panel, filters, commune) whichever way it was asked: the city page fills the
    entries a commune's page reads, and the other way round; a write (invalidate) drops them for both."""
    from panels import Filters, data_for, data_for_many
    from queries.cache import invalidate
    f = Filters(period="30d")
    first = data_for("fb.reports_overdue", replace(f, commune=DEMO))
    got = data_for_many("fb.reports_overdue", f, [QT, DEMO, EMPTY, "nowhere"])
    assert got[DEMO].value == first.value and got[DEMO].commune == DEMO and got[EMPTY].value is None
    assert got["nowhere"].error is not None and got[QT].error is None
    for commune in (QT, EMPTY):
        assert _same(data_for("fb.reports_overdue", replace(f, commune=commune)), got[commune])
    # a panel without data_many is asked commune by commune, through the same cache
    weekly = data_for_many("fb.weekly", f, [QT, DEMO])
    assert weekly[DEMO].scope == f"commune:{DEMO}"
    assert weekly[QT].frame.equals(data_for("fb.weekly", replace(f, commune=QT)).frame)
    # kept: a report written behind the cache's back is not seen until ingest invalidates
    from sqlalchemy import update

    from store.engine import get_engine
    from store.models import Report
    with get_engine().begin() as conn:
        conn.execute(update(Report).where(Report.commune_id == DEMO).values(stage="open", deadline_t=1))
    assert data_for_many("fb.reports_overdue", f, [DEMO])[DEMO].value == first.value
    invalidate("pages", "reports")
    after = data_for_many("fb.reports_overdue", f, [DEMO, QT])
    assert after[DEMO].value > first.value and after[DEMO].value == data_for("fb.reports_overdue", replace(f, commune=DEMO)).value


def test_the_city_page_is_drawn_with_its_layout(city):
    """The first visit gets the table and the markers with the page (no callback round trip); the
    callback, which redraws them, is not called when the page opens."""
    import app  # noqa: F401 - pages register after the app exists
    from flask import Flask

    import pages.city as city_page
    with Flask(__name__).test_request_context("/city"):
        page = city_page.layout(period="30d")
    text = str(page.to_plotly_json())
    for commune in COMMUNES:
        assert f"/?xa={commune}" in text
    assert "3 xã" in text and "Xã mô phỏng 01" in text
    spec = next(c for c in app.app._callback_list if "city-table.children" in c["output"])
    assert spec["prevent_initial_call"] is True and {"id": "shell-tick", "property": "n_intervals"} in spec["inputs"]
    bare = city_page.layout()         # Dash's start-up call, outside any request: no data asked
    assert "/?xa=" not in str(bare.to_plotly_json())

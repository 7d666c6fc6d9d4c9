"""The simulator as an outside system, ingested through the real adapters into each engine: counts,
idempotency, catch-up after an outage, rollups equal to the raw data, the status report."""
import pytest
from sqlalchemy import func, select, text

from core.timeutil import to_epoch
from ingest.runner import backfill, run_once
from ingest.site_sync import sync_site
from ingest.status import status_report
from simulator.server import start_in_thread
from store.models import CameraEvent, DailyRollup, HourlyRollup, IndicatorValue, Reading, Report, SourceHealth

NOW = to_epoch("2025-11-05T12:00:00+07:00")


@pytest.fixture(scope="module")
def fixed_sim(site):
    clock = {"now": NOW}
    server, url = start_in_thread(port=0, seed=766, site_file="sites/quang_tho.yaml", now_fn=lambda: clock["now"])
    yield url, clock
    server.shutdown()


def urls(base):
    return {"sensorthings": f"{base}/sta/v1.1", "frigate": f"{base}/frigate", "open311": f"{base}/open311/v2",
            "indicators": f"{base}/feeds"}


def count(engine, model):
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(model))


def test_backfill_then_polling_again_stores_nothing_twice(store_url, engine_for, fixed_sim, site):
    base, clock = fixed_sim
    clock["now"] = NOW
    engine = engine_for(store_url)
    sync_site(engine, site)
    result = backfill(2, engine=engine, urls=urls(base), progress=False, now=NOW)
    assert all(r["ok"] for r in result.values()), result
    readings = count(engine, Reading)
    assert readings > 10_000 and count(engine, CameraEvent) > 100 and count(engine, Report) > 0
    assert count(engine, IndicatorValue) > 100
    again = run_once(engine=engine, urls=urls(base), now=NOW)
    assert all(r["ok"] for r in again.values())
    assert count(engine, Reading) == readings and again["sensorthings"]["stored"] == 0
    # hourly rollups agree with the raw rows they summarise
    with engine.connect() as c:
        raw = c.execute(text("SELECT series_id, t - t % 3600 AS h, count(*), avg(value), min(value), max(value) "
                             "FROM readings GROUP BY series_id, t - t % 3600")).all()
        hourly = {(m["series_id"], m["t"]): m for m in (r._mapping for r in c.execute(select(HourlyRollup.__table__)))}
        days = c.scalar(select(func.count()).select_from(DailyRollup))
    assert len(raw) == len(hourly) and days > 0
    for sid, h, n, mean, lo, hi in raw[:500]:  # noqa: E741
        roll = hourly[(sid, h)]
        assert roll["count"] == n and roll["mean"] == pytest.approx(mean) and (roll["min"], roll["max"]) == (lo, hi)


def test_outage_keeps_the_watermark_and_catch_up_fills_the_gap(store_url, engine_for, fixed_sim, site):
    base, clock = fixed_sim
    engine = engine_for(store_url)
    sync_site(engine, site)
    clock["now"] = NOW
    backfill(1, sources=["sensorthings"], engine=engine, urls=urls(base), progress=False, now=NOW)
    down = run_once(sources=["sensorthings"], engine=engine, now=NOW + 3600,
                    urls={"sensorthings": "http://127.0.0.1:9/sta/v1.1"})
    assert not down["sensorthings"]["ok"]
    with engine.connect() as c:
        h = c.execute(select(SourceHealth.__table__).where(SourceHealth.source == "sensorthings")).first()
    assert h.watermark_t == NOW and h.down_since_t == NOW + 3600 and h.consecutive_failures == 1
    clock["now"] = NOW + 6 * 3600
    up = run_once(sources=["sensorthings"], engine=engine, now=NOW + 6 * 3600, urls=urls(base))
    assert up["sensorthings"]["ok"] and up["sensorthings"]["stored"] > 1000   # six hours caught up
    with engine.connect() as c:
        h = c.execute(select(SourceHealth.__table__).where(SourceHealth.source == "sensorthings")).first()
        newest = c.scalar(select(func.max(Reading.t)))
    assert h.down_since_t is None and h.watermark_t == NOW + 6 * 3600 and newest > NOW + 5 * 3600


def test_status_report_lists_every_source_with_counts_and_rejects(store_url, engine_for, fixed_sim, site, use_store):
    base, clock = fixed_sim
    clock["now"] = NOW
    engine = engine_for(store_url)
    sync_site(engine, site)
    backfill(1, engine=engine, urls=urls(base), progress=False, now=NOW)
    report = status_report(engine, now=NOW + 60)
    assert set(report["sources"]) == {"sensorthings", "frigate", "open311", "indicators"}
    sta = report["sources"]["sensorthings"]
    assert sta["state"] == "ok" and sta["simulated"] and sta["records"]["readings"] > 5000
    assert sta["records"]["series"] == 53 and sta["rejects_by_reason"]   # nulls, NaN, spikes are kept, not lost
    assert sta["watermark"].endswith("+07:00") and sta["lag_s"] == 60
    assert report["sources"]["open311"]["records"]["reports"] > 0

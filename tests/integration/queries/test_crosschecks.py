"""The product's own cross-checks on both engines: every planted inconsistency is found, and the
simulator's clean data raise none."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from core.timeutil import to_epoch
from ingest.records import DatastreamInfo, IndicatorRecord, Observation
from ingest.site_sync import sync_site
from ingest.writer import Writer
from queries import crosschecks
from simulator.feeds import Feed
from store.models import SourceHealth

NOW = to_epoch("2026-11-30T10:00:00+07:00")
C = "commune:quang_tho"


@pytest.fixture
def store(store_url, use_store, engine_for, site):
    use_store(store_url)
    engine = engine_for(store_url)
    sync_site(engine, site)
    return engine


def simulated_feed(site, now=NOW):
    return [IndicatorRecord("mot_cua_xa", r["indicator"], r["scope"], r["period"], r["value"], r["numerator"],
                            r["denominator"], r["note"], gen, True) for gen, r in Feed(site, 766).rows(now)]


def source_up(engine, source="sensorthings", t=NOW - 300):
    with engine.begin() as conn:
        conn.execute(insert(SourceHealth).values(source=source, protocol="sta", url="http://x", last_success_t=t,
                                                 down_since_t=None, consecutive_failures=0, stored_total=0))


def noisy_readings(engine, ds="1", start=NOW - 8 * 3600, end=NOW, value=lambda i: 5.0 + (i % 7) * 0.1):
    Writer(engine, NOW).write([DatastreamInfo("sensorthings", ds, ds, "Trạm", "do", "mg/L")]
                              + [Observation("sensorthings", ds, t, value(i))
                                 for i, t in enumerate(range(start, end, 600))])


def checks(found, check):
    return found[found["check"] == check] if not found.empty else found


def test_clean_simulated_data_raise_no_finding(store, site):
    Writer(store, NOW).write(simulated_feed(site))
    noisy_readings(store, start=NOW - 32 * 3600)
    source_up(store)
    found = crosschecks.findings(NOW)
    assert found.empty, found[["check", "subject", "scope", "period", "values"]].to_dict("records")


def test_planted_inconsistencies_are_all_found(store, site):
    rows = simulated_feed(site)
    planted = [
        # the commune's share above every village's
        IndicatorRecord("x", "smartphone_rate", C, "2026-10", 95.0, 8569, 9020, generated_t=NOW),
        # a rate that is not its numerator over its denominator
        IndicatorRecord("x", "online_payment_rate", C, "2026-09", 90.0, 30, 60, generated_t=NOW),
        # a published 766 score its components cannot reach (the province's other points included)
        IndicatorRecord("x", "index_766_score", C, "2026-08", 20.0, generated_t=NOW),
        # a running count going down
        IndicatorRecord("x", "traceable_products", C, "2026-07", 3.0, generated_t=NOW),
    ]
    Writer(store, NOW).write(rows + planted)
    noisy_readings(store, "1", start=NOW - 32 * 3600,                       # water_1 DO moved, then stuck at 4.2
                   value=lambda i: 4.2 if i >= 24 * 6 else 5.0 + (i % 7) * 0.1)
    noisy_readings(store, "3", start=NOW - 32 * 3600, value=lambda i: 0.2)  # a coarse source, flat all along
    noisy_readings(store, "2", start=NOW - 8 * 3600, end=NOW - 4 * 3600)    # a station silent for 4 hours
    source_up(store)
    found = crosschecks.findings(NOW)
    got = {(r["check"], r["subject"], r["period"]) for r in found.to_dict("records")}
    assert ("commune_outside_villages", "smartphone_rate", "2026-10") in got
    assert ("rate_vs_parts", "online_payment_rate", "2026-09") in got
    assert ("composite_766", "index_766_score", "2026-08") in got
    assert ("counter_backwards", "traceable_products", "2026-07") in got
    flat = checks(found, "flat_series")
    assert flat["subject"].tolist() == ["water_1"] and flat.iloc[0]["values"]["value"] == 4.2
    stopped = checks(found, "device_stopped")
    assert len(stopped) == 1 and stopped.iloc[0]["values"]["hours"] == pytest.approx(4 + 600 / 3600)
    # nothing else: the rest of the simulated feed still agrees
    assert len(found) == 6, found[["check", "subject", "period"]].to_dict("records")


def test_a_stopped_device_is_not_blamed_when_its_source_is_down(store):
    noisy_readings(store, "1", end=NOW - 4 * 3600)
    assert checks(crosschecks.findings(NOW), "device_stopped").empty        # no health row: source not known up
    source_up(store, t=NOW - 5 * 3600)                                         # the source itself is silent
    assert checks(crosschecks.findings(NOW + 1), "device_stopped").empty


def test_simulated_readings_ingested_by_the_real_path_raise_no_flat_series(store):
    from ingest.runner import backfill
    from simulator.server import start_in_thread
    server, base = start_in_thread(port=0, seed=766, site_file="sites/quang_tho.yaml", now_fn=lambda: NOW)
    try:
        urls = {"sensorthings": f"{base}/sta/v1.1", "frigate": f"{base}/frigate", "open311": f"{base}/open311/v2",
                "indicators": f"{base}/feeds"}
        assert all(r["ok"] for r in backfill(2, engine=store, urls=urls, progress=False, now=NOW).values())
    finally:
        server.shutdown()
    found = crosschecks.findings(NOW)
    assert checks(found, "flat_series").empty and found[found["check"] != "device_stopped"].empty, \
        found[["check", "subject", "values"]].to_dict("records")

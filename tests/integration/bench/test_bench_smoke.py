"""`make bench` keeps working: the smoke mode on tiny data produces every figure (no timing asserted)."""
import json
import subprocess
import sys

from tests.conftest import IN_CI, PG_ADMIN_URL, ROOT


def test_bench_smoke_produces_every_figure():
    # in CI the store's write rate is measured on PostgreSQL too (COPY into the monthly partitions)
    # and the city part runs (PostgreSQL + gunicorn + a Redis cache it may empty: Redis DB 13)
    extra = ["--postgres", PG_ADMIN_URL, "--redis", "redis://127.0.0.1:6379/13"] if IN_CI else []
    out = subprocess.run([sys.executable, "-m", "bench", "--smoke", *extra], cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads((ROOT / "bench" / "results" / "smoke.json").read_text())
    assert r["backfill"]["readings"] > 0 and r["write_rate"]["rows"] > 0
    assert r["write_rate"]["naive"]["rows"] > 0 and r["write_rate"]["rows_per_cpu_s"] > 0
    assert r["latest_query"]["latest_table"]["median_ms"] > 0 and r["latest_query"]["max_per_series"]["median_ms"] > 0
    if IN_CI:
        assert r["write_rate_postgres"]["rows"] == r["write_rate"]["rows"]
    assert r["chart_year"]["ours"]["median_ms"] > 0 and r["chart_year"]["naive"]["median_ms"] > 0
    assert 0 < r["chart_year"]["max_points_per_trace"] <= 2100
    assert r["viewers_20"]["requests"] > 0 and r["viewers_20"]["server_rss_mb_after"] > 0
    assert r["viewers_20"]["web_cpu_ms_per_req"] > 0         # what the server spent a request, measured
    assert r["new_reading_to_screen_ms"] is not None
    assert r["storage"]["bytes_per_reading"] < r["storage"]["naive_bytes_per_reading"]
    assert set(r["exports"]["warm"]) == {"png", "svg", "pdf", "csv", "xlsx"} and len(r["queries"]) >= 10
    assert r["exports"]["cold_first_png_ms"] > 0 and r["exports"]["weekly"]["pdf_bytes"] > 10_000
    assert all(size > 0 for size in r["exports"]["sizes_bytes"].values())
    assert set(r["page_render"]) == {"/", "/environment"}
    assert all(v["in_app_ms"] > 0 and v["full_ms"] > 0 and v["returning_ms"] > 0 for v in r["page_render"].values())
    # the floor: the same first layouts as static HTML, the environment page's charts drawn by plotly.js alone
    assert all(v["floor_ms"] > 0 for v in r["page_render"].values())
    assert r["page_render"]["/environment"]["charts"] > 0 and r["page_render"]["/"]["charts"] == 0
    push = r["mqtt_push"]      # skipped (with its reason) only where no Mosquitto answers
    assert "skipped" in push or (push["stored"] == push["published"] > 0 and push["max_ms"] > 0)
    wall = r["wall"]
    assert wall["alarm_latency"]["repeats"] == 1 and wall["alarm_latency"]["max_s"] > 0
    assert wall["alarm_latency"]["sound_played"] is True
    assert wall["hour"]["slide_changes"] >= 12 and wall["hour"]["drawn_ms"]["drawn"] >= 1
    assert wall["hour"]["samples"]["start"]["js_heap_mb"] > 0 and wall["hour"]["samples"]["end"]["server_rss_mb"] > 0
    assert wall["hour"]["samples"]["end"]["dash_history"] <= 100      # Dash's undo history is kept short
    assert wall["hour"]["console_errors"] >= 0 and wall["alarm_latency"]["console_errors"] >= 0   # counted (a figure)
    city = r["city"]
    if IN_CI:       # a city of 1, then 2 cloned communes: every figure at each size, the store growing
        assert list(city["stages"]) == ["1", "2"], city
        one, two = city["stages"]["1"], city["stages"]["2"]
        assert (one["devices"], two["devices"]) == (57, 114)
        assert 0 < one["readings"] < two["readings"] and 0 < one["store_mb"] <= two["store_mb"]
        for stage in (one, two):
            assert stage["city_page_ms"] > 0 and stage["commune_overview_ms"] > 0
            assert stage["city_page_floor_ms"] > 0 and stage["commune_overview_floor_ms"] > 0
            figures = stage["city_figures"]     # the city page's figures in-process, ours beside the naive path
            assert figures["ours"]["cpu_ms"] > 0 and figures["naive"]["cpu_ms"] > 0 and figures["naive"]["wall_ms"] > 0
            for load in ("paced", "saturated"):
                assert stage["viewers"][load]["requests"] > 0 and stage["viewers"][load]["p95_ms"] > 0
            assert len(stage["worker_rss_mb"]) == 2 and all(mb > 0 for mb in stage["worker_rss_mb"])
        assert two["viewers"]["distinct_answers"] == 2 * one["viewers"]["distinct_answers"]
        assert "City of communes on PostgreSQL" in out.stdout
    else:
        assert "skipped" in city
    assert "alarm latency" in out.stdout
    assert "met" in out.stdout

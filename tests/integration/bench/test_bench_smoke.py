"""`make bench` keeps working: the smoke mode on tiny data produces every figure (no timing asserted)."""
import json
import subprocess
import sys

from tests.conftest import ROOT


def test_bench_smoke_produces_every_figure():
    out = subprocess.run([sys.executable, "-m", "bench", "--smoke"], cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads((ROOT / "bench" / "results" / "smoke.json").read_text())
    assert r["backfill"]["readings"] > 0 and r["write_rate"]["rows"] > 0
    assert r["chart_year"]["ours"]["median_ms"] > 0 and r["chart_year"]["naive"]["median_ms"] > 0
    assert 0 < r["chart_year"]["max_points_per_trace"] <= 2100
    assert r["viewers_20"]["requests"] > 0 and r["viewers_20"]["server_rss_mb_after"] > 0
    assert r["new_reading_to_screen_ms"] is not None
    assert r["storage"]["bytes_per_reading"] < r["storage"]["naive_bytes_per_reading"]
    assert set(r["exports"]["warm"]) == {"png", "svg", "pdf", "csv", "xlsx"} and len(r["queries"]) >= 10
    assert r["exports"]["cold_first_png_ms"] > 0 and r["exports"]["weekly"]["pdf_bytes"] > 10_000
    assert all(size > 0 for size in r["exports"]["sizes_bytes"].values())
    assert set(r["page_render"]) == {"/", "/environment"}
    assert all(v["in_app_ms"] > 0 and v["full_ms"] > 0 for v in r["page_render"].values())
    wall = r["wall"]
    assert wall["alarm_latency"]["repeats"] == 1 and wall["alarm_latency"]["max_s"] > 0
    assert wall["alarm_latency"]["sound_played"] is True
    assert wall["hour"]["slide_changes"] >= 12 and wall["hour"]["drawn_ms"]["drawn"] >= 1
    assert wall["hour"]["samples"]["start"]["js_heap_mb"] > 0 and wall["hour"]["samples"]["end"]["server_rss_mb"] > 0
    assert wall["hour"]["samples"]["end"]["dash_history"] <= 100      # Dash's undo history is kept short
    assert wall["hour"]["console_errors"] >= 0 and wall["alarm_latency"]["console_errors"] >= 0   # counted (a figure)
    assert "alarm latency" in out.stdout
    assert "met" in out.stdout

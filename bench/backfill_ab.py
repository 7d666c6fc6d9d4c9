"""Back-fill A/B between two checkouts (the third pass's table in README): N days of the SensorThings
Datastreams from a simulator in its own process (the checkout's own simulator), into a fresh SQLite store;
prints one JSON line with wall, ingest's CPU (this process), the simulator's CPU, and checksums of what was
stored (readings, hourly rollups, rejects by reason) so two checkouts can be seen to store the same.

    python bench/backfill_ab.py /work/main 90 8650
    python bench/backfill_ab.py /work/wt-x 90 8651 /tmp/x.prof     # with a cProfile of ingest's side

Run the two alternately, several times: on a shared machine only the CPU figures compare."""
import json
import os
import subprocess
import sys
import tempfile
import time

tree, days, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
prof = sys.argv[4] if len(sys.argv) > 4 else None
sys.path.insert(0, tree); os.chdir(tree)
work = tempfile.mkdtemp(prefix="backfill-ab-")
db = f"sqlite:///{work}/s.db"
os.environ.update(DATABASE_URL=db, CACHE_DIR=f"{work}/cache", LOG_LEVEL="WARNING", SIMULATOR_CHAOS="0")
now = 1_790_000_000
sim = subprocess.Popen([sys.executable, "-c", f"""
import sys, logging; sys.path.insert(0, {tree!r})
logging.getLogger('werkzeug').setLevel(logging.WARNING)
from simulator.server import make_app
app = make_app(766, {tree!r} + '/sites/quang_tho.yaml', now_fn=lambda: {now}, chaos=0.0)
try:
    from simulator.http_server import make_server
    make_server('127.0.0.1', {port}, app).serve_forever()
except ImportError:
    from werkzeug.serving import make_server
    make_server('127.0.0.1', {port}, app, threaded=True).serve_forever()
"""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
import requests
for _ in range(200):
    try:
        requests.get(f"http://127.0.0.1:{port}/sta/v1.1", timeout=1)
        break
    except requests.RequestException:
        time.sleep(0.1)
try:
    from core.settings import get_settings; get_settings.cache_clear()
    from core.site import load_site
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    upgrade(db); engine = make_engine(db); sync_site(engine, load_site(f"{tree}/sites/quang_tho.yaml"))
    base = f"http://127.0.0.1:{port}"
    urls = {"sensorthings": f"{base}/sta/v1.1"}
    import psutil
    sp = psutil.Process(sim.pid); sc0 = sum(sp.cpu_times()[:2])
    if prof:
        import cProfile
        pr = cProfile.Profile(time.process_time)
        pr.enable()
    t, cpu = time.perf_counter(), time.process_time()
    r = backfill(days, sources=["sensorthings"], engine=engine, urls=urls, progress=False, now=now)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    if prof:
        pr.disable()
        pr.dump_stats(prof)
    simcpu = sum(sp.cpu_times()[:2]) - sc0
    import sqlite3
    with sqlite3.connect(f"{work}/s.db") as c:
        check = c.execute("SELECT count(*), sum(t % 100003), round(sum(value), 3) FROM readings").fetchone()
        rej = c.execute("SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY reason").fetchall()
        roll = c.execute("SELECT count(*), round(sum(mean * count), 2), round(sum(last), 2), sum(count) FROM rollup_hour").fetchone()
    rows = r["sensorthings"]["stored"]
    print(json.dumps({"tree": tree, "days": days, "rows": rows, "ok": r["sensorthings"]["ok"], "wall": round(wall, 2),
                      "ingest_cpu": round(cpu, 2), "sim_cpu": round(simcpu, 2), "rows_per_s": round(rows / wall),
                      "rows_per_ingest_cpu_s": round(rows / cpu), "rows_per_total_cpu_s": round(rows / (cpu + simcpu)),
                      "load": os.getloadavg()[0], "check": check, "rejects": rej, "hourly": roll}))
finally:
    sim.kill(); sim.wait()
    import shutil; shutil.rmtree(work, ignore_errors=True)

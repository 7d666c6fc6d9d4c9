"""A city of N communes on PostgreSQL (issue 20, "Measured in the benchmark suite"), as N grows 1 -> 5 -> 20.

The communes are synthetic: sites/quang_tho.yaml cloned with new ids, names and positions offset on a grid
(57 devices each, marked simulated; the first is Quảng Thọ itself). One PostgreSQL database grows stage by
stage: each stage adds its new communes' site files beside the others, syncs them into the store and writes
their data straight through ingest's Writer (COPY into the monthly partitions, rollups), then measures with
the deployment's web topology: gunicorn with 2 workers and the Redis query cache (CACHE_URL).

Data density (say it wherever the figures are quoted): every sensor Datastream of a commune (53) one
reading every `step_s` over `days` (full: a year every 3 hours, 2,920 readings a series, ≈ 155,000 a
commune; the hourly and daily rollups follow from them), camera events for the last 90 days (2 a camera a
day) and citizen reports for the last 90 days (3 a day, placed at a village centre). No indicator values
(the Decision 766 estimate reads "no data"), no source health history.

Measured at each N: the store's size; first render of the city page and of one commune's overview in a new
headless Chromium profile, signed in as an administrator, Redis cache emptied before each; `viewers`
concurrent viewers refreshing the overview's callbacks with `?xa=` spread over the communes (answers kept:
every (commune, callback) asked once before the load, as on a running server); each worker's RSS after it."""
from __future__ import annotations

import copy
import math
import os
import statistics
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ADMIN, ADMIN_PASSWORD = "bench-city-admin", "bench city password, long enough"
# typical level and swing of each parameter (the figures only need plausible, in-range values)
TYPICAL = {"water_temp": (28, 3), "ph": (7.5, 0.5), "salinity": (10, 5), "do": (6, 1.5), "nh3": (0.1, 0.05),
           "h2s": (0.01, 0.005), "nitrite": (0.2, 0.1), "transparency": (35, 10), "pm25": (25, 15),
           "pm10": (45, 20), "o3": (60, 30), "co": (800, 300), "so2": (10, 5), "no2": (20, 10), "air_temp": (28, 4),
           "humidity": (80, 10), "water_level": (0.8, 0.4), "rainfall": (1, 1), "wifi_clients": (30, 25)}
FULL = {"stages": (1, 5, 20), "days": 365, "step_s": 3 * 3600, "recent_days": 90, "viewers": 200, "requests": 3000, "rate": 200,
        "page_reps": 2}
SMOKE = {"stages": (1, 2), "days": 2, "step_s": 3600, "recent_days": 2, "viewers": 20, "requests": 80, "rate": 40, "page_reps": 1}


def commune_site(k: int) -> dict:
    """Quảng Thọ (k = 0) or its k-th clone: every id prefixed, Things and cameras renamed, positions moved
    to cell k of a 5-wide grid of 0.06° cells, marked simulated."""
    from core.site import load_site
    raw = load_site(ROOT / "sites" / "quang_tho.yaml").model_dump(mode="json", exclude_none=True)
    if k == 0:
        return raw
    cid = f"city_{k:02d}"
    dlat, dlon = 0.06 * (k // 5 + 1), 0.06 * (k % 5 - 2)
    at = lambda p: [round(p[0] + dlat, 5), round(p[1] + dlon, 5)]  # noqa: E731
    raw["commune"] = dict(raw["commune"], id=cid, name=f"Xã mô phỏng {k:02d} (benchmark)",
                          name_en=f"Simulated commune {k:02d} (benchmark)", center=at(raw["commune"]["center"]),
                          simulated=True)
    for v in raw["villages"]:
        v.update(id=f"{cid}_{v['id']}", center=at(v["center"]), outline=[at(p) for p in v.get("outline", [])])
    for d in raw["devices"]:
        d["id"] = f"{cid}_{d['id']}"
        if d.get("village"):
            d["village"] = f"{cid}_{d['village']}"
        if d.get("lat") is not None:
            d["lat"], d["lon"] = at([d["lat"], d["lon"]])
        if d.get("source") == "sensorthings":
            d["external_id"] = str(int(d["external_id"]) + 1000 * k)
        elif d.get("source") == "frigate":
            d["external_id"] = f"{d['external_id']}_{cid}"
    for m in raw.get("datastreams", []):
        m.update(thing=str(int(m["thing"]) + 1000 * k), device=f"{cid}_{m['device']}")
    return raw


def records(site: dict, now: int, density: dict):
    """A commune's data as ingest's records: Datastreams, then readings, camera events and reports."""
    from ingest.records import CameraEventRecord, DatastreamInfo, Observation, ReportRecord
    sensors = [d for d in site["devices"] if d.get("source") == "sensorthings"]
    streams = []
    for d in sensors:
        for p in d["parameters"]:
            ds = f"{d['external_id']}-{p}"
            streams.append((ds, p, zlib.crc32(ds.encode()) % 97))
            yield DatastreamInfo("sensorthings", ds, d["external_id"], d["name"], p, None, d.get("lat"), d.get("lon"),
                                 {"simulated": True})
    step = density["step_s"]
    last = now - now % step
    for ds, p, phase in streams:
        base, swing = TYPICAL[p]
        for t in range(last - density["days"] * 86400 + step, last + 1, step):
            yield Observation("sensorthings", ds, t, max(0.0, base + swing * math.sin(t / 13_751 + phase)))
    recent = density["recent_days"]
    cams = [d for d in site["devices"] if d.get("source") == "frigate"]
    for day in range(recent):
        for i, cam in enumerate(cams):
            for j in range(2):
                start = now - day * 86400 - (i * 977 + j * 31_001) % 86400
                yield CameraEventRecord("frigate", f"{cam['external_id']}-{day}-{j}", cam["external_id"],
                                        ("person", "car", "motorcycle")[(i + j) % 3], start, start + 40, 0.8, 0.9)
        for j in range(3):
            v = site["villages"][(day + j) % len(site["villages"])]
            requested = now - day * 86400 - j * 7200
            closed = (day + j) % 4 != 0
            yield ReportRecord("open311", f"{site['commune']['id']}-{day}-{j}", "closed" if closed else "open",
                               requested, "pothole", "Ổ gà", "Phản ánh mô phỏng (benchmark)",
                               updated_t=requested + 86400 if closed else None, expected_t=requested + 3 * 86400,
                               lat=v["center"][0], lon=v["center"][1])


def add_communes(db: str, sites_dir: Path, first: int, upto: int, now: int, density: dict) -> dict:
    """Communes first..upto-1 into the sites folder and the store; their data through the Writer."""
    from core.settings import get_settings
    from core.site import _clear_caches
    from ingest.site_sync import sync_site
    from ingest.writer import Writer
    from store.engine import make_engine
    for k in range(first, upto):
        raw = commune_site(k)
        name = "quang_tho.yaml" if k == 0 else f"city_{k:02d}.yaml"
        (sites_dir / name).write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    get_settings.cache_clear()
    _clear_caches()
    engine = make_engine(db)
    sync_site(engine)
    t, rows = time.perf_counter(), 0
    for k in range(first, upto):
        stats = Writer(engine, now).write(records(commune_site(k), now, density))
        rows += stats.stored["readings"]
    engine.dispose()
    return {"readings_written": rows, "write_s": round(time.perf_counter() - t, 1)}


def store_size(db: str) -> dict:
    from sqlalchemy import text

    from store.engine import make_engine
    engine = make_engine(db)
    with engine.connect() as c:
        size = c.execute(text("SELECT pg_database_size(current_database())")).scalar()
        rows = c.execute(text("SELECT count(*) FROM readings")).scalar()
        devices = c.execute(text("SELECT count(*) FROM devices")).scalar()
    engine.dispose()
    return {"store_mb": round(size / 2**20, 1), "readings": rows, "devices": devices}


def start_web(env: dict, port: int):
    """gunicorn, 2 workers, as a web host of the scale-out runs (no ingest in it)."""
    log = open(Path(env["CACHE_DIR"]).parent / "city-app.log", "a")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
                             "-b", f"127.0.0.1:{port}", "app:server"], cwd=ROOT, env=env, stdout=log, stderr=log)
    from bench.__main__ import wait_until_healthy
    return wait_until_healthy(proc, f"http://127.0.0.1:{port}", f"the app (log in {log.name})", tries=240)


def worker_rss_mb(pid: int) -> list[float]:
    import psutil
    return [round(p.memory_info().rss / 2**20, 1) for p in psutil.Process(pid).children(recursive=True)]


def first_renders(url: str, flush, cookies: list[dict], paths: list[str], reps: int) -> dict:
    """Each path's first render in a new browser profile (scripts fetched and compiled, the layout, then
    any callback), the Redis cache emptied before each; ends when the page is drawn (every panel filled,
    every chart drawn) and its last callback has answered, as the pages part measures (bench.__main__.
    drawn_and_answered). Until 30/11/2026 this waited for a first callback and ended at the last answer:
    a page drawn whole with its layout (the city page asks none now) never ended that way."""
    from playwright.sync_api import sync_playwright

    from bench.__main__ import TIMING_BUFFER, CallbacksInFlight, drawn_and_answered
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        for path in paths:
            got = []
            for _ in range(reps):
                flush()
                ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                ctx.add_cookies(cookies)
                ctx.add_init_script(TIMING_BUFFER)
                page = ctx.new_page()
                callbacks = CallbacksInFlight(page)
                page.goto(url + path, wait_until="load")
                if "/login" in page.url:
                    raise RuntimeError(f"{path}: not signed in")
                got.append(drawn_and_answered(page, 0, callbacks)[0])
                ctx.close()
            out[path] = round(statistics.median(got))
        browser.close()
    return out


def commune_bodies(xa: str) -> list[dict]:
    from bench.__main__ import overview_requests
    bodies = copy.deepcopy(overview_requests())
    for b in bodies:
        for i in b["inputs"]:
            if i.get("id") == "shell-commune":
                i["value"] = xa
    return bodies


def viewer_load(url: str, session, communes: list[str], viewers: int, n_req: int, rate: float,
                pid: int | None = None) -> dict:
    """`viewers` threads, each a viewer with its own kept-alive session, asking the overview's callbacks
    with ?xa= spread over the communes. Two loads, after every (commune, callback) answer was computed once
    (the usual refresh of a running server):
    - paced: requests sent at `rate` a second whatever the answers (open loop; a viewer refreshes every
      60 s, so 200 viewers ask ≈ 57 a second and `rate` 200 is 3.5× that); latency counted from when each
      request was due, so a server falling behind shows in the p95 instead of slowing the sender;
    - saturated: every viewer sends its next request as soon as the last is answered (closed loop): the
      most the server answers; its latency is mostly queueing (Little: viewers / req/s).
    With `pid` (gunicorn's master) also the CPU-ms the web processes spent a request: the figure other load
    on the machine changes least."""
    from bench.scale_quick import cpu_s
    import threading

    from bench.__main__ import pct, post, signed_in
    per = {xa: commune_bodies(xa) for xa in communes}
    pairs = [per[xa][b_i] for b_i in range(len(per[communes[0]])) for xa in communes]
    for b in pairs:
        post(session, url, b)
    local = threading.local()

    def sess():
        if not hasattr(local, "s"):
            local.s = signed_in(url, session.cookies)
        return local.s

    def run(n, pace):
        lat: list[float] = []
        cpu0 = cpu_s(pid, None)[0] if pid else 0.0
        t0 = time.perf_counter() + (0.5 if pace else 0.0)

        def one(i):
            s = sess()
            due = t0 + i / pace if pace else time.perf_counter()
            if pace and due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            post(s, url, pairs[i % len(pairs)])
            lat.append((time.perf_counter() - due) * 1000)
        with ThreadPoolExecutor(viewers) as pool:
            list(pool.map(one, range(n)))
        wall = time.perf_counter() - t0
        out = {"requests": n, "req_per_s": round(n / wall, 1), "median_ms": round(statistics.median(lat), 1),
               "p95_ms": round(pct(lat, 95), 1)}
        if pid:
            out["web_cpu_ms_per_req"] = round((cpu_s(pid, None)[0] - cpu0) * 1000 / n, 2)
        return out
    return {"viewers": viewers, "distinct_answers": len(pairs), "paced_at": rate,
            "paced": run(n_req, rate), "saturated": run(n_req, None)}


def city_figures_ab(flush, communes: list[str], reps: int) -> dict:
    """The city page's figures for every commune, cold (the Redis cache emptied before each), computed in
    this process, CPU-ms and wall (median of `reps`, the two paths alternating): ours, each column asked
    for every commune at once (pages.city.commune_figures: panels.data_for_many, set-based queries grouped
    by commune), and the naive path beside it, each commune's six panels one by one through data_for (what
    the page did before). CPU-ms is the figure the machine's other load changes least."""
    import app  # noqa: F401 - pages register only once the Dash app exists
    from core.settings import get_settings
    from pages.city import COLUMNS, commune_figures
    from panels import Filters, data_for
    from store.engine import get_engine
    get_settings.cache_clear()
    get_engine.cache_clear()

    def ours():
        commune_figures(Filters(period="30d"), communes)

    def naive():
        for c in communes:
            f = Filters(period="30d", commune=c)
            {key: data_for(pid, f) for key, pid in COLUMNS}
    got: dict[str, dict[str, list[float]]] = {"ours": {"cpu": [], "wall": []}, "naive": {"cpu": [], "wall": []}}
    ours()                         # the process warmed (imports, connections) as a running worker is
    for _ in range(reps):
        for name, fn in (("ours", ours), ("naive", naive)):
            flush()
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            got[name]["cpu"].append((time.process_time() - c0) * 1000)
            got[name]["wall"].append((time.perf_counter() - w0) * 1000)
    flush()
    return {name: {"cpu_ms": round(statistics.median(v["cpu"])), "wall_ms": round(statistics.median(v["wall"]))}
            for name, v in got.items()}


def city_measure(admin_url: str, redis_url: str, work: Path, smoke: bool, port: int | None = None) -> dict:
    """Every stage's figures; the database made here is dropped at the end."""
    import redis

    from auth.cli import cli_actor
    from bench.__main__ import free_port, postgres_database, signed_in
    from commands.users import UserError, create_user
    from store.engine import make_engine
    from store.migrate import upgrade
    density = SMOKE if smoke else FULL
    sites_dir = work / "city-sites"
    sites_dir.mkdir(parents=True, exist_ok=True)
    for f in sites_dir.glob("*.yaml"):
        f.unlink()
    db, drop = postgres_database(admin_url)
    now = int(time.time())
    env = dict(os.environ, DATABASE_URL=db, SITE_FILE=str(sites_dir / "quang_tho.yaml"), CACHE_URL=redis_url,
               CACHE_DIR=str(work / "city-cache"), LOG_LEVEL="WARNING", INGEST="0", WEB_CONCURRENCY="2")
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "SITE_FILE", "CACHE_URL")}
    os.environ.update(DATABASE_URL=db, SITE_FILE=env["SITE_FILE"], CACHE_URL=redis_url)
    cache = redis.Redis.from_url(redis_url)
    out = {"density": {k: density[k] for k in ("days", "step_s", "recent_days")}, "redis": redis_url, "stages": {}}
    try:
        upgrade(db)
        have = 0
        for n in density["stages"]:
            print(f"  city: {n} communes: writing ...", flush=True)
            stage = add_communes(db, sites_dir, have, n, now, density)
            have = n
            if "admin" not in out:
                engine = make_engine(db)
                try:
                    create_user(cli_actor(), ADMIN, "administrator", ADMIN_PASSWORD, engine=engine)
                except UserError:
                    pass
                engine.dispose()
                out["admin"] = ADMIN
            stage.update(store_size(db))
            communes = ["quang_tho"] + [f"city_{k:02d}" for k in range(1, n)]
            print(f"  city: {n} communes: the city page's figures, ours and naive ...", flush=True)
            stage["city_figures"] = city_figures_ab(cache.flushdb, communes, density["page_reps"] + 1)
            proc, url = start_web(env, port or free_port())
            try:
                s = signed_in(url, user=ADMIN, password=ADMIN_PASSWORD)
                cookies = [{"name": k, "value": v, "url": url} for k, v in s.cookies.items()]
                last = f"city_{n - 1:02d}" if n > 1 else "quang_tho"
                print(f"  city: {n} communes: first renders ...", flush=True)
                renders = first_renders(url, cache.flushdb, cookies, ["/city", f"/?xa={last}"], density["page_reps"])
                stage["city_page_ms"], stage["commune_overview_ms"] = renders["/city"], renders[f"/?xa={last}"]
                # their floor: the same first layouts as static HTML, with no client at all (bench/floor.py)
                from bench.__main__ import DRAWN
                from bench.floor import floor_renders
                floors = floor_renders(url, s, ["/city", f"/?xa={last}"], density["page_reps"], DRAWN)
                stage["city_page_floor_ms"] = floors["/city"]["floor_ms"]
                stage["commune_overview_floor_ms"] = floors[f"/?xa={last}"]["floor_ms"]
                print(f"  city: {n} communes: {density['viewers']} viewers ...", flush=True)
                stage["viewers"] = viewer_load(url, s, communes, density["viewers"], density["requests"],
                                               density["rate"], proc.pid)
                stage["worker_rss_mb"] = worker_rss_mb(proc.pid)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            out["stages"][n] = stage
            print(f"  city: {n} communes: {stage}", flush=True)
    finally:
        cache.flushdb()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        from core.settings import get_settings
        from core.site import _clear_caches
        get_settings.cache_clear()
        _clear_caches()
        drop()
    return out


def city_table(r: dict) -> list[str]:
    """The figures × N as Markdown rows (README, stdout)."""
    stages = r["stages"]
    ns = list(stages)
    first = stages[ns[0]]["viewers"]
    row = lambda name, fn: f"| {name} | " + " | ".join(str(fn(stages[n])) for n in ns) + " |"  # noqa: E731
    return [
        "| figure | " + " | ".join(f"{n} commune{'s' if int(n) > 1 else ''}" for n in ns) + " |",
        "|---|" + "---|" * len(ns),
        row("devices in the store", lambda s: f"{s['devices']:,}"),
        row("readings stored", lambda s: f"{s['readings']:,}"),
        row("store size (PostgreSQL database)", lambda s: f"{s['store_mb']:,} MB"),
        row("city page first render, cold (target ≤ 1 000 ms)", lambda s: f"{s['city_page_ms']:,} ms"),
        row("... its floor: the same first layout as static HTML, no client",
            lambda s: f"{s['city_page_floor_ms']:,} ms" if "city_page_floor_ms" in s else "–"),
        row("... its figures in one process, cold: CPU-ms ours / naive (one commune at a time)",
            lambda s: f"{s['city_figures']['ours']['cpu_ms']:,} / {s['city_figures']['naive']['cpu_ms']:,}"
            if "city_figures" in s else "–"),
        row("... wall ms ours / naive",
            lambda s: f"{s['city_figures']['ours']['wall_ms']:,} / {s['city_figures']['naive']['wall_ms']:,}"
            if "city_figures" in s else "–"),
        row("one commune's overview first render, cold (≤ 1 000 ms)", lambda s: f"{s['commune_overview_ms']:,} ms"),
        row("... its floor: the same first layout as static HTML, no client",
            lambda s: f"{s['commune_overview_floor_ms']:,} ms" if "commune_overview_floor_ms" in s else "–"),
        row(f"{first['viewers']} viewers, {first['paced_at']} req/s sent across communes: answered req/s (≥ 200)",
            lambda s: s["viewers"]["paced"]["req_per_s"]),
        row("... p95 (≤ 300 ms) / median, from when each was due",
            lambda s: f"{s['viewers']['paced']['p95_ms']:,} / {s['viewers']['paced']['median_ms']:,} ms"),
        row(f"{first['viewers']} viewers back to back (saturated): req/s",
            lambda s: s["viewers"]["saturated"]["req_per_s"]),
        row("... p95 / median (mostly queueing)",
            lambda s: f"{s['viewers']['saturated']['p95_ms']:,} / {s['viewers']['saturated']['median_ms']:,} ms"),
        row("web CPU-ms a request (paced / saturated)",
            lambda s: f"{s['viewers']['paced'].get('web_cpu_ms_per_req', '–')} / "
                      f"{s['viewers']['saturated'].get('web_cpu_ms_per_req', '–')}"),
        row("RSS per worker after the load", lambda s: " / ".join(f"{m:.0f}" for m in s["worker_rss_mb"]) + " MB"),
    ]

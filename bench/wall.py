"""The wall under measurement (issue 17), in Debian's headless Chromium against the app under gunicorn.

- Alarm latency: an alert stored the way the alert engine stores it (alerts.engine.apply in one
  transaction) -> the alarm slide visible on a wall, timed by the page itself (a MutationObserver stamps
  the moment the alarm box is shown; both clocks are this machine's). Acknowledged between repeats.
- An accelerated hour of playlist at 3840x2160: every slide of the shipped walls (cycles included) and a
  few page slides, each step 3 s (the shortest a walls file allows), played for as many slide changes as
  an hour of the shipped day playlist brings. JS heap (after a forced GC, CDP) and the server's RSS (the
  gunicorn tree, psutil) at the start, after one loop and at the end; console errors; and for every slide
  change the time until the slide is drawn (assets/40_wall.js `brainWall.draws`: every panel slot filled,
  every chart drawn at wall size)."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STEP_S = 3
PAGE_SLIDES = [{"title_vi": "Trang tổng quan", "page": "/", "duration_s": STEP_S},
               {"title_vi": "Trang môi trường", "page": "/environment", "duration_s": STEP_S, "filters": {"period": "7d"}},
               {"title_vi": "Trang an ninh", "page": "/security", "duration_s": STEP_S}]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]


def shipped_hour_changes() -> int:
    """How many slide changes an hour of the shipped main wall's day playlist brings (its own durations)."""
    from core.site import load_site, load_yaml_model
    from core.walls import WallsFile, playlist_steps
    site = load_site(ROOT / "sites" / "quang_tho.yaml")
    shipped = load_yaml_model(ROOT / "sites" / "walls.yaml", WallsFile)
    day = next(p for p in playlist_steps(shipped.wall("main"), site) if p["name"] == "day")["steps"]
    return round(3600 / sum(s["duration"] for s in day) * len(day))


def bench_walls(path: Path) -> list[str]:
    """A walls file: `hour` (every shipped slide and the page slides, STEP_S each) and `alarm` (one long
    slide, critical alarms until acknowledged). Returns a name for each step of one loop of `hour`."""
    from core.site import load_site
    from core.walls import WallsFile, playlist_steps
    shipped = yaml.safe_load((ROOT / "sites" / "walls.yaml").read_text(encoding="utf-8"))
    slides = []
    for wall in shipped["walls"]:
        for playlist in wall["playlists"]:
            for slide in playlist["slides"]:
                slide = dict(slide, duration_s=STEP_S)
                if slide.get("cycle"):
                    slide["cycle"] = dict(slide["cycle"], each_s=STEP_S)
                slides.append(slide)
    slides += PAGE_SLIDES
    raw = {"walls": [
        {"name": "hour", "title_vi": "Giờ tăng tốc", "alarm_severities": ["critical"], "alarm_hold_s": 0,
         "playlists": [{"name": "hour", "slides": slides}]},
        {"name": "alarm", "title_vi": "Báo động", "alarm_severities": ["critical"], "alarm_hold_s": 0,
         "playlists": [{"name": "alarm", "slides": [{"title_vi": "Nguồn dữ liệu", "panels": ["ops.sources"],
                                                      "duration_s": 3600}]}]}]}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    walls = WallsFile.model_validate(raw)
    flat = playlist_steps(walls.wall("hour"), load_site(ROOT / "sites" / "quang_tho.yaml"))[0]["steps"]
    return [f"{i:02d} " + (slides[s["slide"]].get("page") or "+".join(slides[s["slide"]]["panels"]))
            + (f" ({s['label']})" if s["label"] else "") for i, s in enumerate(flat)]


def server_rss_mb(pid: int) -> float:
    import psutil
    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return round(total / 2**20, 1)


def heap_mb(cdp) -> dict:
    """JS heap in use after a forced garbage collection, and the DOM's size (a leak shows in either)."""
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"js_heap_mb": round(metrics["JSHeapUsedSize"] / 2**20, 2), "dom_nodes": int(metrics.get("Nodes", 0)),
            "listeners": int(metrics.get("JSEventListeners", 0))}


class Errors:
    def __init__(self, page):
        self.items: list[str] = []
        page.on("console", lambda m: self.items.append(m.text[:300]) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.items.append(str(e)[:300]))
        page.on("response", lambda r: self.items.append(f"{r.status} {r.url}") if r.status >= 400 else None)


def clear_critical(engine) -> int:
    """The bench's wall takes critical alarms: any the back-fill left open are acknowledged first, or they
    would hold the screen for the whole hour."""
    from alerts.lifecycle import acknowledge
    from alerts.queries import wall_alarms
    open_now = wall_alarms(("critical",), 0, int(time.time()), limit=1000)
    for alert in open_now:
        acknowledge(engine, int(alert["id"]), "bench", "benchmark start")
    return len(open_now)


def _stamp_alarm(page) -> None:
    page.evaluate("""() => {
        window.__alarmSeen = null;
        if (window.__alarmObserver) { return; }
        window.__alarmObserver = new MutationObserver(() => {
            const box = document.getElementById('wall-alarm');
            if (window.__alarmSeen === null && box && !box.hidden && box.querySelector('.wall-alarm-title')) {
                window.__alarmSeen = Date.now();
            }
        });
        window.__alarmObserver.observe(document.body, {subtree: true, childList: true, attributes: true});
    }""")


def alarm_latency(browser, url: str, cookies: list, engine, repeats: int) -> dict:
    from alerts.engine import apply
    from alerts.lifecycle import acknowledge
    from alerts.rules import get_rules
    rule = next(r for r in get_rules().rules if r.id == "flood_level")
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies(cookies)
    page = ctx.new_page()
    errors = Errors(page)
    page.goto(f"{url}/wall/alarm", wait_until="load")
    page.wait_for_function("() => document.body.getAttribute('data-wall-drawn') === 'alarm:0'", timeout=60_000)
    latencies, sounds = [], []
    for i in range(repeats):
        _stamp_alarm(page)
        time.sleep(0.3)
        with engine.begin() as conn:           # as alerts.engine.evaluate_* store it: one transaction
            apply(conn, rule, f"bench-gauge-{i}-{int(time.time())}", severity="critical", cleared=False,
                  now=int(time.time()), name="Cầu Niêm Phò", device_id="gauge_niem_pho", village_id="thon_4", value=3.4)
        stored = time.time()
        page.wait_for_function("() => window.__alarmSeen !== null", timeout=30_000, polling=50)
        latencies.append(page.evaluate("() => window.__alarmSeen") / 1000 - stored)
        page.wait_for_timeout(300)
        sounds.append(page.evaluate("() => !document.getElementById('wall-sound').paused"))
        alert_id = int(page.locator("#wall-alarm [data-alert]").get_attribute("data-alert"))
        acknowledge(engine, alert_id, "bench", "benchmark")
        page.wait_for_selector("#wall-alarm", state="hidden", timeout=30_000)
    ctx.close()
    return {"repeats": repeats, "median_s": round(statistics.median(latencies), 2), "max_s": round(max(latencies), 2),
            "each_s": [round(x, 2) for x in latencies], "sound_played": all(sounds), "console_errors": len(errors.items),
            "errors": errors.items[:10]}


def playlist_hour(browser, url: str, cookies: list, proc_pid: int, changes: int, loop: int, steps: list[str]) -> dict:
    ctx = browser.new_context(viewport={"width": 3840, "height": 2160}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    ctx.add_cookies(cookies)
    page = ctx.new_page()
    errors = Errors(page)
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")
    t0 = time.perf_counter()
    page.goto(f"{url}/wall/hour", wait_until="load")
    page.wait_for_function("() => window.brainWall && window.brainWall.count() >= 1", timeout=120_000)
    def sample(switches: int) -> dict:
        return {**heap_mb(cdp), "server_rss_mb": server_rss_mb(proc_pid), "switches": switches,
                "dash_history": page.evaluate("() => window.brainWall.historyLength()")}
    samples = {"start": sample(0)}
    loops: list[dict] = []
    draws: dict[int, dict] = {}
    while True:
        state = page.evaluate("() => ({n: window.brainWall.switches(), draws: window.brainWall.draws(),"
                              " drawn: document.body.getAttribute('data-wall-drawn')})")
        for d in state["draws"]:
            draws.setdefault(d["n"], d)
        done = state["n"] - 1                                  # changes after the first slide
        at_start_slide = state["drawn"] == "hour:0" and state["n"] in draws
        if at_start_slide and done >= loop * (len(loops) + 1):
            loops.append(sample(done))                          # each loop's start: the trend, not two points
            samples.setdefault("warm", loops[0])
        # the end is sampled on the same slide as the start (whole loops), so the DOM compared is alike
        if done >= changes and (at_start_slide or changes < loop and state["n"] in draws):
            break
        if time.perf_counter() - t0 > changes * STEP_S * 3 + 120:
            break                                              # a machine too busy: report what was seen
        time.sleep(0.4)
    samples["end"] = loops[-1] if loops and loops[-1]["switches"] == state["n"] - 1 else sample(state["n"] - 1)
    samples["loops"] = loops
    seconds = round(time.perf_counter() - t0, 1)
    ctx.close()
    times = [d["ms"] for n, d in sorted(draws.items()) if n > 1]   # the first is the page's own load
    missed = [n for n in range(2, state["n"]) if n not in draws]   # switched away before it was drawn
    base = samples.get("warm") or samples["start"]

    def growth(key):
        return round(100 * (samples["end"][key] - base[key]) / base[key], 1) if base[key] else None
    slowest = max((d for n, d in draws.items() if n > 1), key=lambda d: d["ms"], default=None)
    keys = {}                                                  # per step of the loop: which slides are slow
    for n in range(2, state["n"]):
        keys.setdefault(steps[(n - 1) % loop] if steps else str(n), []).append(draws[n]["ms"] if n in draws else None)
    by_step = {k: {"median_ms": statistics.median([v for v in vs if v is not None]) if any(v is not None for v in vs) else None,
                   "max_ms": max((v for v in vs if v is not None), default=None), "not_drawn": vs.count(None)}
               for k, vs in keys.items()}
    return {"viewport": "3840x2160", "step_s": STEP_S, "loop_steps": loop, "slide_changes": samples["end"]["switches"],
            "target_changes": changes, "seconds": seconds, "samples": samples,
            "heap_growth_pct": growth("js_heap_mb"), "rss_growth_pct": growth("server_rss_mb"),
            "heap_growth_from_first_pct": round(100 * (samples["end"]["js_heap_mb"] - samples["start"]["js_heap_mb"])
                                                / samples["start"]["js_heap_mb"], 1),
            "drawn_ms": {"median": statistics.median(times) if times else None, "max": max(times) if times else None,
                         "p95": sorted(times)[int(0.95 * (len(times) - 1))] if times else None,
                         "over_2s": sum(t > 2000 for t in times), "not_drawn_before_next": len(missed),
                         "drawn": len(times),
                         "slowest": slowest, "by_step": by_step},
            "console_errors": len(errors.items), "errors": errors.items[:10]}


def wall_measure(db: str, work: Path, smoke: bool, start_app, signed_in) -> dict:
    """Both wall figures, with an app of their own (WALLS_FILE pointing at the bench's walls)."""
    import os

    from playwright.sync_api import sync_playwright

    from store.engine import make_engine
    walls_file = work / "walls-bench.yaml"
    steps = bench_walls(walls_file)
    loop = len(steps)
    hour_changes = shipped_hour_changes()
    # full: whole loops covering an hour's slide changes (start and end on the same slide); smoke: a few
    changes = 12 if smoke else -(-hour_changes // loop) * loop
    engine = make_engine(db)
    cleared = clear_critical(engine)
    os.environ["WALLS_FILE"] = str(walls_file)
    proc, url = start_app(db, work / "cache-wall")
    try:
        cookies = [{"name": k, "value": v, "url": url} for k, v in signed_in(url).cookies.items()]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            hour = playlist_hour(browser, url, cookies, proc.pid, changes, loop, steps)
            alarm = alarm_latency(browser, url, cookies, engine, 1 if smoke else 5)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        os.environ.pop("WALLS_FILE", None)
        engine.dispose()
    hour["shipped_hour_changes"] = hour_changes
    return {"alarm_latency": alarm, "hour": hour, "critical_alerts_acknowledged_first": cleared}

"""What a kept callback answer costs the web workers, A/B between two checkouts (README "What a kept answer
costs now"): `python -m bench.kept_ab --before /work/main --after . --postgres postgresql://postgres@127.0.0.1:5432/test
--redis redis://127.0.0.1:6379/12`.

Each checkout in turn (alternating order, `--reps` times) runs gunicorn with 2 workers on one PostgreSQL database
(created here with the one commune, dropped at the end) and the Redis query cache (the Redis database is
emptied before each start: give it one of its own). A signed-in viewer asks the overview's callbacks once (so
every answer is kept), then two loads: 20 viewers back to back, and 200 viewers paced at 200 requests a second
(latency from when each was due). Reported: req/s, p95, median, and the web processes' CPU-ms a request
(psutil over gunicorn's master and workers): the figure other load on the machine changes least."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWER, PASSWORD = "bench-kept-viewer", "a long password for the kept-answer bench"


def _start(root: Path, port: int, env: dict):
    log = open(Path(env["CACHE_DIR"]).parent / f"kept-ab-{port}.log", "a")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py"), "-w", "2", "-b",
                             f"127.0.0.1:{port}", "app:server"], cwd=root, env=env, stdout=log, stderr=log)
    from bench.__main__ import wait_until_healthy
    return wait_until_healthy(proc, f"http://127.0.0.1:{port}", f"{root}: the app (log in {log.name})", tries=240)


def _load(url: str, pid: int, session, bodies: list[dict], viewers: int, n: int, pace: float | None) -> dict:
    from bench.__main__ import pct, post, signed_in
    from bench.scale_quick import cpu_s
    local = threading.local()
    lat: list[float] = []
    kept = []
    cpu0 = cpu_s(pid, None)[0]
    t0 = time.perf_counter() + (0.5 if pace else 0.0)

    def one(i):
        if not hasattr(local, "s"):
            local.s = signed_in(url, session.cookies)
        due = t0 + i / pace if pace else time.perf_counter()
        if pace and due > time.perf_counter():
            time.sleep(due - time.perf_counter())
        kept.append(post(local.s, url, bodies[i % len(bodies)]).headers.get("X-Answer") == "kept")
        lat.append((time.perf_counter() - due) * 1000)
    with ThreadPoolExecutor(viewers) as pool:
        list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    return {"req_per_s": round(n / wall, 1), "p95_ms": round(pct(lat, 95), 1), "median_ms": round(statistics.median(lat), 1),
            "web_cpu_ms_per_req": round((cpu_s(pid, None)[0] - cpu0) * 1000 / n, 2), "kept": sum(kept), "requests": n}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, default=ROOT)
    ap.add_argument("--postgres", required=True, help="an admin URL: a database is created beside it and dropped")
    ap.add_argument("--redis", required=True, help="a Redis database this run may empty")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--port", type=int, default=0, help="first of two ports (0: any free ones)")
    ap.add_argument("--db-prefix", default="bench_", help="the name of the database made here starts so")
    args = ap.parse_args()
    import redis

    from bench.__main__ import free_port, overview_requests, post, postgres_database, signed_in
    db, drop = postgres_database(args.postgres, args.db_prefix)
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"kept-ab-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=db, CACHE_URL=args.redis, CACHE_DIR=str(work / "cache"), LOG_LEVEL="WARNING",
               INGEST="0", WEB_CONCURRENCY="2")
    os.environ.update(DATABASE_URL=db, CACHE_URL=args.redis)
    results: dict[str, list] = {"before": [], "after": []}
    try:
        from auth.cli import cli_actor
        from commands.users import create_user
        from ingest.site_sync import sync_site
        from store.engine import make_engine
        from store.migrate import upgrade
        upgrade(db)
        engine = make_engine(db)
        sync_site(engine)
        create_user(cli_actor(), VIEWER, "viewer", PASSWORD, engine=engine)
        engine.dispose()
        bodies = overview_requests()
        sides = [("before", args.before.resolve(), args.port or free_port()),
                 ("after", args.after.resolve(), (args.port + 1) if args.port else free_port())]
        for rep in range(args.reps):
            for name, root, port in (sides if rep % 2 == 0 else sides[::-1]):
                redis.Redis.from_url(args.redis).flushdb()
                proc, url = _start(root, port, env)
                try:
                    s = signed_in(url, user=VIEWER, password=PASSWORD)
                    for b in bodies:
                        post(s, url, b)
                    _load(url, proc.pid, s, bodies, 20, 200, None)          # sessions and connections warm
                    run = {"load_average": round(os.getloadavg()[0], 1),
                           "closed_20": _load(url, proc.pid, s, bodies, 20, args.requests, None),
                           "paced_200": _load(url, proc.pid, s, bodies, 200, args.requests, 200.0)}
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                results[name].append(run)
                print(name, json.dumps(run), flush=True)
    finally:
        redis.Redis.from_url(args.redis).flushdb()
        drop()
    for name, runs in results.items():
        for part in ("closed_20", "paced_200"):
            med = {k: statistics.median(r[part][k] for r in runs) for k in ("req_per_s", "p95_ms", "web_cpu_ms_per_req")}
            print(f"{name} {part} medians: {med}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

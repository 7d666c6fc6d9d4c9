"""Quick scale-out figures (README "Scale-out"): 20 viewers refreshing the overview, against a store that
already has data (e.g. the one `make run-scale` fills), with 1 and 2 gunicorn workers, on the diskcache
default and on Redis (CACHE_URL). Two loads per set-up: answers kept (the usual refresh: the data did not
change) and computed (the cache emptied before each round of the overview's callbacks, as just after a write).

    python -m bench.scale_quick --db postgresql://postgres@127.0.0.1:5432/cdb_scale --redis redis://127.0.0.1:6379/1

Not a test and not the 20-commune benchmark: one short run on whatever machine it is; say what else ran."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.__main__ import overview_requests, pct, post, rss_mb, signed_in, start_app


def cpu_s(pid: int, redis_url: str | None) -> tuple[float, float]:
    """CPU seconds used so far by the gunicorn master and its workers, and by the Redis server: the cost of a
    request, which other load on the machine changes far less than the wall-clock figures."""
    import psutil
    procs = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    web = sum(t.user + t.system for t in (p.cpu_times() for p in procs))
    redis_cpu = 0.0
    if redis_url:
        import redis
        info = redis.Redis.from_url(redis_url).info("cpu")
        redis_cpu = info["used_cpu_user"] + info["used_cpu_sys"]
    return web, redis_cpu


def load(url: str, session, bodies: list[dict], n_req: int, viewers: int, before_round=None, pid=None,
         redis_url=None) -> dict:
    lat: list[float] = []
    cpu0 = cpu_s(pid, redis_url)

    def one(i):
        sess = signed_in(url, session.cookies)
        t = time.perf_counter()
        post(sess, url, bodies[i % len(bodies)])
        lat.append((time.perf_counter() - t) * 1000)
    t0 = time.perf_counter()
    rounds = range(0, n_req, len(bodies))
    with ThreadPoolExecutor(viewers) as pool:
        for start in rounds:
            if before_round:
                before_round()
            list(pool.map(one, range(start, min(n_req, start + len(bodies)))))
    wall = time.perf_counter() - t0
    cpu1 = cpu_s(pid, redis_url)
    return {"req_per_s": round(n_req / wall, 1), "median_ms": round(statistics.median(lat), 1),
            "p95_ms": round(pct(lat, 95), 1), "web_cpu_ms_per_req": round((cpu1[0] - cpu0[0]) * 1000 / n_req, 2),
            "redis_cpu_ms_per_req": round((cpu1[1] - cpu0[1]) * 1000 / n_req, 3)}


def measure(db: str, redis: str | None, workers: int, n_req: int, viewers: int) -> dict:
    from core.settings import get_settings
    from queries import cache
    work = Path(tempfile.mkdtemp(prefix="scale-quick-"))
    os.environ.update(DATABASE_URL=db, CACHE_DIR=str(work / "cache"), LOG_LEVEL="WARNING")
    if redis:
        os.environ["CACHE_URL"] = redis
    else:
        os.environ.pop("CACHE_URL", None)
    get_settings.cache_clear()
    cache.clear()
    proc, url = start_app(db, work / "cache", workers=workers)
    try:
        s = signed_in(url)
        bodies = overview_requests()
        for b in bodies:                       # every worker warmed: imports, pools, first figures
            for _ in range(workers):
                post(s, url, b)
        kept = load(url, s, bodies, n_req, viewers, pid=proc.pid, redis_url=redis)
        computed = load(url, s, bodies, n_req // 2, viewers, before_round=cache.clear, pid=proc.pid, redis_url=redis)
        return {"cache": "redis" if redis else "diskcache", "workers": workers, "kept": kept, "computed": computed,
                "server_rss_mb": rss_mb(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale_quick")
    ap.add_argument("--db", required=True, help="a store with data (its schema migrated)")
    ap.add_argument("--redis", required=True, help="CACHE_URL for the Redis runs")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--viewers", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="runs of each set-up, in alternating order")
    args = ap.parse_args(argv)
    configs = [(None, 1), (args.redis, 1), (None, 2), (args.redis, 2)]
    runs: dict[tuple, list[dict]] = {c: [] for c in configs}
    for round_ in range(args.rounds):         # alternating order: a machine whose load drifts favours no set-up
        for config in (configs if round_ % 2 == 0 else configs[::-1]):
            row = measure(args.db, config[0], config[1], args.requests, args.viewers)
            print(json.dumps(row), flush=True)
            runs[config].append(row)
    print("\n| cache | workers | answers kept: req/s (p95 ms) | kept: CPU ms a request, web + Redis | computed: req/s (p95 ms) | computed: CPU ms a request, web + Redis | RSS, master + workers |")
    print("|---|---|---|---|---|---|---|")
    for (redis, workers), rows in runs.items():
        cell = lambda part: " / ".join(f"{r[part]['req_per_s']} ({r[part]['p95_ms']:.0f})" for r in rows)  # noqa: E731
        cpu = lambda part: " / ".join(f"{r[part]['web_cpu_ms_per_req']} + {r[part]['redis_cpu_ms_per_req']}"  # noqa: E731
                                      for r in rows)
        print(f"| {'Redis' if redis else 'diskcache'} | {workers} | {cell('kept')} | {cpu('kept')} | {cell('computed')} | "
              f"{cpu('computed')} | {max(r['server_rss_mb'] for r in rows):.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

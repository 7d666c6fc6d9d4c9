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


def load(url: str, session, bodies: list[dict], n_req: int, viewers: int, before_round=None) -> dict:
    lat: list[float] = []

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
    return {"req_per_s": round(n_req / wall, 1), "median_ms": round(statistics.median(lat), 1),
            "p95_ms": round(pct(lat, 95), 1)}


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
        kept = load(url, s, bodies, n_req, viewers)
        computed = load(url, s, bodies, n_req // 2, viewers, before_round=cache.clear)
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
    args = ap.parse_args(argv)
    rows = []
    for redis in (None, args.redis):
        for workers in (1, 2):
            row = measure(args.db, redis, workers, args.requests, args.viewers)
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("\n| cache | workers | kept: req/s, p95 | computed: req/s, p95 | RSS (master + workers) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['cache']} | {r['workers']} | {r['kept']['req_per_s']} req/s, {r['kept']['p95_ms']} ms | "
              f"{r['computed']['req_per_s']} req/s, {r['computed']['p95_ms']} ms | {r['server_rss_mb']} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

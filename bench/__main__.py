"""Benchmarks, each against a naive way of doing the same thing, in one run on the same data.

    python -m bench            a year of the whole site (and a 10x site for scale), a few minutes
    python -m bench --smoke    tiny data, seconds: run by `make test` so the suite keeps it working
    python -m bench --store /tmp/bench-year --only chart,queries
                               keep the year's store in a directory and reuse it; run only some parts

Results: bench/results/latest.json (and a time-stamped copy) and a table on stdout."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(out), 2), "p95_ms": round(pct(out, 95), 2), "n": n}


def free_port():
    """A free local port: any (the system's choice), or one of BENCH_PORTS ("8660-8669") when set, so a run
    on a shared machine keeps to the ports it was given."""
    import socket
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


# --- data --------------------------------------------------------------------------------------------

class SimulatorProcess:
    """The simulator in a process of its own for the back-fill figure: a real SensorThings server is on another
    machine, so its CPU is not the deployment's (it is measured apart, and reported beside)."""

    def __init__(self, site_file: Path, now: int):
        code = ("import logging, sys; logging.getLogger('werkzeug').setLevel(logging.WARNING)\n"
                "from simulator.http_server import make_server\n"
                "from simulator.server import make_app\n"
                f"app = make_app(766, {str(site_file)!r}, now_fn=lambda: {now}, chaos=0.0)\n"
                "server = make_server('127.0.0.1', 0, app)\n"
                "print(server.server_port, flush=True)\n"
                "server.serve_forever()\n")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def cpu_s(self) -> float:
        import psutil
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _backfill_sensorthings(db: str, days: int, site_file: Path, sim: SimulatorProcess, now: int) -> dict:
    """One back-fill of the SensorThings Datastreams into the store at `db`: wall, this process's CPU (ingest's
    side alone) and the simulator process's CPU over the same run."""
    from ingest.runner import backfill
    from store.engine import make_engine
    engine = make_engine(db)
    urls = {"sensorthings": f"{sim.url}/sta/v1.1"}
    t, cpu, sim_cpu = time.perf_counter(), time.process_time(), sim.cpu_s()
    result = backfill(days, sources=["sensorthings"], engine=engine, urls=urls, progress=False, now=now)
    seconds, cpu, sim_cpu = time.perf_counter() - t, time.process_time() - cpu, sim.cpu_s() - sim_cpu
    engine.dispose()
    rows = result["sensorthings"]["stored"]
    return {"readings": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "rows_per_cpu_s": round(rows / max(cpu, 1e-6)), "ingest_cpu_s": round(cpu, 2),
            "simulator_cpu_s": round(sim_cpu, 2), "rows_per_cpu_s_both_ends": round(rows / max(cpu + sim_cpu, 1e-6)),
            "ok": result["sensorthings"]["ok"], "load_average": round(os.getloadavg()[0], 1)}


def naive_backfill(work: Path, days: int, site_file: Path, sim: SimulatorProcess, now: int, naive: bool = True) -> dict:
    """The back-fill as it was before the bulk path, on the same server and days: every observation parsed
    and written one at a time (an Observation object each), 7-day chunks. Same store contents; the figure to
    compare is readings per ingest CPU-second. naive=False: ours on the same days, into a store of its own."""
    from core.site import load_site
    from data_sources.sensorthings import SensorThingsAdapter
    from ingest import runner
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    path = work / ("naive_backfill.db" if naive else "same_days_backfill.db")
    path.unlink(missing_ok=True)
    db = f"sqlite:///{path}"
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine, load_site(site_file))
    engine.dispose()
    chunks = dict(runner.BACKFILL_CHUNK_S)
    if naive:
        runner.BACKFILL_CHUNK_S["sensorthings"] = 7 * 86400
        SensorThingsAdapter.read_pages_in_bulk = False
    try:
        out = _backfill_sensorthings(db, days, site_file, sim, now)
    finally:
        SensorThingsAdapter.read_pages_in_bulk = True
        runner.BACKFILL_CHUNK_S.update(chunks)
        path.unlink(missing_ok=True)
    out["days"] = days
    return out


def build_store(db: str, days: int, site_file: Path, sim_url: str, now: int, naive_days: int | None = None) -> dict:
    """The year's store, back-filled through HTTP from a simulator in its own process (the figure: readings per
    second of wall and per CPU-second of ingest's process, the simulator's CPU reported beside); the other
    sources from the simulator at `sim_url`. With naive_days, the one-at-a-time path is measured too."""
    from core.site import load_site
    from ingest.runner import backfill
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine, load_site(site_file))
    sim = SimulatorProcess(site_file, now)
    from core.site import get_sites
    get_sites()     # read once per process: not counted in the first of the two back-fills measured below
    try:
        out = _backfill_sensorthings(db, days, site_file, sim, now)
        out["measured"] = ("simulator in its own process; rows_per_cpu_s counts ingest's process alone (the "
                           "deployment's side), rows_per_cpu_s_both_ends adds the simulator's CPU")
        if naive_days:
            work = Path(db.removeprefix("sqlite:///")).parent
            # the ratio on the same days both ways (a short back-fill carries more fixed cost per reading)
            out["naive"] = naive_backfill(work, naive_days, site_file, sim, now)
            out["same_days"] = naive_backfill(work, naive_days, site_file, sim, now, naive=False)
            out["ratio_cpu"] = round(out["same_days"]["rows_per_cpu_s"] / max(out["naive"]["rows_per_cpu_s"], 1), 1)
    finally:
        sim.stop()
    urls = {"sensorthings": f"{sim_url}/sta/v1.1", "frigate": f"{sim_url}/frigate",
            "open311": f"{sim_url}/open311/v2", "indicators": f"{sim_url}/feeds"}
    backfill(min(days, 120), sources=["frigate", "open311", "indicators"], engine=engine, urls=urls,
             progress=False, now=now)
    engine.dispose()
    return out


def bytes_per_reading(db_path: Path, rows: int) -> dict:
    import sqlite3
    with sqlite3.connect(db_path) as c:
        try:
            used = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'readings'").fetchone()[0]
        except sqlite3.OperationalError:
            used = None
    return {"bytes_per_reading": round(used / rows, 1) if used and rows else None}


def naive_table(db_path: Path, naive_path: Path, limit: int) -> dict:
    """The plain ORM way: autoincrement id, device and parameter as text, DateTime as text, an index."""
    import sqlite3
    from sqlalchemy import Column, DateTime, Float, Index, Integer, String, create_engine
    from sqlalchemy.orm import declarative_base
    base = declarative_base()

    class NaiveReading(base):
        __tablename__ = "naive_readings"
        id = Column(Integer, primary_key=True)
        device = Column(String(64))
        parameter = Column(String(32))
        time = Column(DateTime)
        value = Column(Float)
        __table_args__ = (Index("ix_naive", "device", "parameter", "time"),)
    eng = create_engine(f"sqlite:///{naive_path}")
    base.metadata.create_all(eng)
    with sqlite3.connect(db_path) as src:
        # every reading of the station the chart shows, so the naive chart has the same data to draw
        rows = src.execute("SELECT s.device_id, s.parameter, r.t, r.value FROM readings r JOIN series s ON s.id = r.series_id "
                           "WHERE s.device_id = 'water_1' ORDER BY s.parameter, r.t LIMIT ?", (limit,)).fetchall()
    with eng.begin() as conn:
        conn.execute(NaiveReading.__table__.insert(), [
            {"device": d, "parameter": p, "time": datetime.fromtimestamp(t, timezone.utc).replace(tzinfo=None), "value": v}
            for d, p, t, v in rows])
    eng.dispose()
    return naive_stats(naive_path)


def naive_stats(naive_path: Path) -> dict:
    import sqlite3
    with sqlite3.connect(naive_path) as c:
        used = c.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN ('naive_readings', 'ix_naive')").fetchone()[0]
        rows = c.execute("SELECT count(*) FROM naive_readings").fetchone()[0]
    return {"naive_bytes_per_reading": round(used / rows, 1), "naive_rows": rows}


# --- the app over HTTP -------------------------------------------------------------------------------

BENCH_USER, BENCH_PASSWORD = "bench-viewer", "bench password, long enough"


def _bench_user(db: str) -> None:
    """Every page needs a signed-in user: a viewer for the benchmark, created once in its store."""
    from auth.cli import cli_actor
    from commands.users import UserError, create_user
    from store.engine import make_engine
    engine = make_engine(db)
    try:
        create_user(cli_actor(), BENCH_USER, "viewer", BENCH_PASSWORD, engine=engine)
    except UserError:
        pass
    finally:
        engine.dispose()


def signed_in(url: str, cookies=None, user: str = BENCH_USER, password: str = BENCH_PASSWORD) -> requests.Session:
    """A session signed in as the benchmark's viewer (or `user`; or sharing `cookies` of one), sending the
    Origin and CSRF token every callback POST needs, as the browser does."""
    s = requests.Session()
    if cookies is None:
        import re
        page = s.get(f"{url}/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = s.post(f"{url}/login", data={"username": user, "password": password, "csrf_token": token},
                   headers={"Origin": url}, allow_redirects=False, timeout=30)
        if r.status_code != 302:
            raise RuntimeError(f"the benchmark could not sign in: HTTP {r.status_code}")
    else:
        s.cookies.update(cookies)
    s.headers.update({"Origin": url, "X-CSRFToken": s.cookies.get("_csrf_token", "")})
    return s


def wait_until_healthy(proc, url: str, what: str, tries: int = 120, pause_s: float = 0.5):
    """(proc, url) once `url`/healthz answers; kills the process and raises if it never does or exits first
    (every server the benchmark starts: the app's gunicorn, the naive chart server, the city's and A/B's)."""
    for _ in range(tries):
        try:
            if requests.get(url + "/healthz", timeout=2).ok:
                return proc, url
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(pause_s)
    proc.kill()
    raise RuntimeError(f"{what} did not start")


def start_app(db: str, cache: Path, workers: int = 2):
    _bench_user(db)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db, CACHE_DIR=str(cache), LOG_LEVEL="WARNING")
    log = open(cache.parent / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(workers),
                             "-b", f"127.0.0.1:{port}", "app:server"], cwd=ROOT, env=env, stdout=log, stderr=log)
    return wait_until_healthy(proc, f"http://127.0.0.1:{port}", "the app")


def callback_body(output: str, outputs: list[dict], inputs: list[dict], state=None) -> dict:
    return {"output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": [], "state": state or []}


COMMUNE = {"id": "shell-commune", "property": "data", "value": None}   # the URL's ?xa= (none: the default)


def panel_request(panel_id: str, filters: dict | None = None, slot: int = 0) -> dict:
    """One panel slot's callback (layouts/panel_view.py), as the browser sends it."""
    key = {"panel": panel_id, "slot": slot}
    body_id = {"type": "panel", **key}
    seen_id = {"type": "panel-seen", **key}
    filters_id = {"type": "panel-filters", **key}
    wildcard = lambda kind: json.dumps({"panel": ["MATCH"], "slot": ["MATCH"], "type": kind},  # noqa: E731
                                       separators=(",", ":"), sort_keys=True)
    output = f"..{wildcard('panel')}.children...{wildcard('panel-seen')}.data.."
    return callback_body(output, [{"id": body_id, "property": "children"}, {"id": seen_id, "property": "data"}],
                         [{"id": filters_id, "property": "data", "value": {"filters": filters or {}, "size": "page"}},
                          {"id": "shell-tick", "property": "n_intervals", "value": 1}, COMMUNE],
                         [{"id": filters_id, "property": "id", "value": filters_id},
                          {"id": seen_id, "property": "data", "value": None}])


def pond_chart_request(start: str, end: str, station: str = "water_1") -> dict:
    """The environment page's pond chart: the env.pond_series panel's slot, with the page's filters."""
    return panel_request("env.pond_series", {"period": "custom", "start": start, "end": end, "device": station,
                                             "parameter": "do"})


def overview_requests() -> list[dict]:
    """The overview's live callbacks, as the browser sends them on each refresh (a first visit: nothing
    seen yet, so every part is sent): one per panel of the pillars, the alerts, the changes and the map."""
    import app  # noqa: F401 - pages register only once the Dash app exists
    from components.map import DEVICE_KINDS as KINDS
    from pages.overview import PILLARS
    tick = [{"id": "shell-tick", "property": "n_intervals", "value": 1}]
    done = [{"id": "shell-alert-done", "property": "data", "value": 0}]

    def seen(part):
        return [{"id": f"ov-{part}-seen", "property": "data", "value": None}]

    def outs(ids: list[tuple[str, str]]):
        return ".." + "...".join(f"{i}.{p}" for i, p in ids) + "..", [{"id": i, "property": p} for i, p in ids]
    bodies = [panel_request(panel_id) for _pillar, ids in PILLARS for panel_id in ids]
    for part, inputs in (("alerts", tick + done + [COMMUNE]), ("changes", tick + [COMMUNE])):
        output, outputs = outs([(f"ov-{part}", "children"), (f"ov-{part}-seen", "data")])
        bodies.append(callback_body(output, outputs, inputs, seen(part)))
    output, outputs = outs([(f"ov-layer-{k}", "data") for k in KINDS] + [("ov-map-seen", "data")])
    bodies.append(callback_body(output, outputs, tick + done + [COMMUNE], seen("map")))
    return bodies


def post(session, url, body):
    r = session.post(f"{url}/_dash-update-component", json=body, timeout=60)
    if r.status_code >= 400:
        raise RuntimeError(f"HTTP {r.status_code} from {body['output']}: {r.text[:300]}")
    return r


def figures_in(node) -> list[dict]:
    """Every figure in a callback response: a chart's own output, or one inside a panel's drawn children."""
    if isinstance(node, dict):
        if isinstance(node.get("data"), list) and "layout" in node:
            return [node]
        return [f for v in node.values() for f in figures_in(v)]
    if isinstance(node, list):
        return [f for v in node for f in figures_in(v)]
    return []


def trace_points(payload: dict) -> int:
    most = 0
    for fig in figures_in(payload.get("response", {})):
        for tr in fig["data"]:
            x = tr.get("x")
            most = max(most, len(x) if isinstance(x, list) else (len(x.get("bdata", "")) // 8 if isinstance(x, dict) else 0))
    return most


def naive_chart_app(naive_path: Path):
    """The naive path: every raw row of the year into the figure, no rollups, no cache. Each answer says the
    CPU time it took (X-CPU-ms, its thread's), for the benchmark's CPU ratio."""
    import plotly.graph_objects as go
    from flask import Flask, request
    from sqlalchemy import create_engine, text
    app = Flask("naive")
    eng = create_engine(f"sqlite:///{naive_path}")

    @app.route("/chart")
    def chart():
        t = time.thread_time()
        with eng.connect() as c:
            rows = c.execute(text("SELECT time, value FROM naive_readings WHERE device = :d AND parameter = :p "
                                  "ORDER BY time"), {"d": request.args["device"], "p": request.args["parameter"]}).all()
        fig = go.Figure(go.Scatter(x=[r[0] for r in rows], y=[r[1] for r in rows]))
        answer = fig.to_json()
        return answer, 200, {"Content-Type": "application/json", "X-CPU-ms": f"{(time.thread_time() - t) * 1000:.2f}"}

    @app.route("/healthz")
    def healthz():
        return "ok"
    return app


def serve_naive_chart(naive_path: str, port: int) -> None:
    from werkzeug.serving import make_server
    make_server("127.0.0.1", port, naive_chart_app(Path(naive_path)), threaded=True).serve_forever()


def naive_chart_server(naive_path: Path):
    """The naive path served over HTTP in a process of its own, as ours is (gunicorn): its work (and its
    garbage) does not land in the benchmark's own process, which times both."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from bench.__main__ import serve_naive_chart; "
                             "serve_naive_chart(sys.argv[1], int(sys.argv[2]))", str(naive_path), str(port)], cwd=ROOT)
    return wait_until_healthy(proc, f"http://127.0.0.1:{port}", "the naive chart server", pause_s=0.25)


def figure_values(payload: dict) -> list[float]:
    """Every y value in a callback response; plotly sends numeric arrays as base64 typed arrays."""
    import base64

    import numpy as np
    out = []
    for fig in figures_in(payload.get("response", {})):
        for tr in fig["data"]:
            y = tr.get("y")
            if isinstance(y, dict) and "bdata" in y:
                out += np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"])).tolist()
            elif isinstance(y, list):
                out += [v for v in y if isinstance(v, (int, float))]
    return out


def write_rate(n: int, url: str | None = None) -> dict:
    """The store side alone: n observations through the writer (validation, units, upsert, rollups), into
    a fresh SQLite file or the (fresh, migrated) PostgreSQL database at `url`. On a PostgreSQL server on
    this machine the server's side is counted too (the CPU time of the writer's backends, from /proc): under
    load the wall rate says more about the machine than the code, CPU-seconds of both ends do not."""
    from sqlalchemy import event
    from store.engine import make_engine
    from store.migrate import upgrade
    from ingest.records import DatastreamInfo, Observation
    from ingest.site_sync import sync_site
    from ingest.writer import Writer
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-w-')) / 'w.db'}"
    upgrade(url)
    engine = make_engine(url)
    backends: set[int] = set()
    if engine.dialect.name == "postgresql" and engine.url.host in ("127.0.0.1", "localhost", "::1"):
        event.listen(engine, "connect", lambda dbapi_conn, _rec: backends.add(dbapi_conn.info.backend_pid))
    sync_site(engine)
    t0 = 1_700_000_000
    per = n // 8
    records = []
    for k in range(8):
        records.append(DatastreamInfo("sensorthings", str(k + 1), "1", "Trạm", ("do", "ph", "salinity", "water_temp",
                                                                               "nh3", "h2s", "nitrite", "transparency")[k], None))
        records += [Observation("sensorthings", str(k + 1), t0 + i * 600, 5.0 + (i % 7) * 0.1) for i in range(per)]
    server = _process_cpu(backends)
    t, cpu = time.perf_counter(), time.process_time()
    stats = Writer(engine, t0 + per * 600 + 3600).write(records)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    server = _process_cpu(backends) - server if backends else None
    engine.dispose()
    rows = stats.stored["readings"]
    out = {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
           "rows_per_cpu_s": round(rows / max(cpu, 1e-6))}
    if server is not None:
        out.update(server_cpu_s=round(server, 2), rows_per_cpu_s_both_ends=round(rows / max(cpu + server, 1e-6)))
    return out


def _process_cpu(pids: set[int]) -> float:
    """User + system CPU seconds of these processes (this machine's, from /proc; 0 for one gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def naive_write_rate(n: int) -> dict:
    """The naive store side: ORM objects added to a session and committed, into the plain table with text
    times (naive_table's), no rollups at all."""
    from sqlalchemy import Column, DateTime, Float, Index, Integer, String, create_engine
    from sqlalchemy.orm import Session, declarative_base
    base = declarative_base()

    class NaiveReading(base):
        __tablename__ = "naive_readings"
        id = Column(Integer, primary_key=True)
        device = Column(String(64))
        parameter = Column(String(32))
        time = Column(DateTime)
        value = Column(Float)
        __table_args__ = (Index("ix_naive", "device", "parameter", "time"),)
    eng = create_engine(f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-nw-')) / 'n.db'}")
    base.metadata.create_all(eng)
    t0 = datetime(2023, 11, 14, tzinfo=timezone.utc).replace(tzinfo=None)
    t, cpu = time.perf_counter(), time.process_time()
    with Session(eng) as session:
        for i in range(n):
            session.add(NaiveReading(device="water_1", parameter="do", time=t0 + timedelta(minutes=10 * i), value=5.0))
            if i % 20_000 == 19_999:
                session.commit()
        session.commit()
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    eng.dispose()
    return {"rows": n, "seconds": round(seconds, 2), "rows_per_s": round(n / seconds),
            "rows_per_cpu_s": round(n / max(cpu, 1e-6))}


def postgres_database(admin_url: str, prefix: str | None = None):
    """A fresh database on the PostgreSQL server at admin_url, dropped by the returned function. Its name
    starts with `prefix`, else BENCH_PG_PREFIX, else "bench_" (on a shared server, the prefix you were given)."""
    import re
    import uuid
    prefix = prefix or os.environ.get("BENCH_PG_PREFIX") or "bench_"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,30}", prefix):
        raise SystemExit(f"BENCH_PG_PREFIX {prefix!r}: lower-case letters, digits and _ only")

    import psycopg
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}", drop


def scaled_site(factor: int, out: Path) -> Path:
    """The site with every sensor, camera and hotspot repeated `factor` times (new ids and Thing ids)."""
    import yaml
    from core.site import load_site
    site = load_site(ROOT / "sites" / "quang_tho.yaml")
    raw = site.model_dump(mode="json", exclude_none=True)
    devices = []
    for k in range(factor):
        for d in raw["devices"]:
            d = dict(d, id=f"{d['id']}_x{k}" if k else d["id"])
            if d.get("source") == "sensorthings" and k:
                d["external_id"] = str(int(d["external_id"]) + 1000 * k)
            elif d.get("source") == "frigate" and k:
                d["external_id"] = f"{d['external_id']}_x{k}"
            devices.append(d)
    raw["devices"] = devices
    out.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return out


def scale(work: Path, days: int, reps: int) -> dict:
    """The same questions on a site ten times larger."""
    from simulator.server import start_in_thread
    site_file = scaled_site(10, work / "site10.yaml")
    now = int(time.time())
    sim, url = start_in_thread(port=free_port(), seed=766, site_file=site_file, now_fn=lambda: now)
    (work / "scale.db").unlink(missing_ok=True)
    db = f"sqlite:///{work / 'scale.db'}"
    os.environ["DATABASE_URL"] = db
    os.environ["SITE_FILE"] = str(site_file)
    from core.settings import get_settings
    from core.site import get_site
    from store.engine import get_engine
    get_settings.cache_clear()
    get_site.cache_clear()
    get_engine.cache_clear()
    built = build_store(db, days, site_file, url, now)
    sim.shutdown()
    from queries import kpis, readings
    from queries.cache import clear
    end = datetime.fromtimestamp(now, timezone.utc)
    start = end - timedelta(days=days)
    ids = tuple(d.id for d in get_site().devices_of("water_station"))

    def cold(fn):
        def run():
            clear()
            fn()
        return run
    out = {"devices": len(get_site().devices), "backfill": built,
           "readings.latest": timed(cold(lambda: readings.latest()), reps),
           "kpis.device_states": timed(cold(lambda: kpis.device_states()), reps),
           f"readings.series ({len(ids)} stations)": timed(cold(lambda: readings.series(ids, "do", start, end)), reps)}
    return out


PARTS = ("store", "queries", "chart", "viewers", "pages", "export", "wall", "scale", "mqtt", "city")
PAGES = ("/", "/environment", "/security", "/feedback", "/services", "/digital", "/alerts", "/data")
SETTLED = """() => !document.querySelector('._dash-loading') && !document.querySelector('[data-dash-is-loading="true"]')"""
CALLBACK_SINCE = """t0 => performance.getEntriesByType('resource')
    .some(e => e.name.includes('_dash-update-component') && e.startTime >= t0)"""
LAST_ANSWER = """t0 => Math.max(0, ...performance.getEntriesByType('resource')
    .filter(e => e.name.includes('_dash-update-component') && e.startTime >= t0).map(e => e.responseEnd)) - t0"""
# the page is drawn: its content is in the page container, every panel slot has its content and every chart
# has been drawn by plotly.js (its SVG is there); the time it became so (polled every animation frame)
DRAWN = """t0 => {
    if (document.querySelector('._dash-loading') || document.querySelector('[data-dash-is-loading="true"]')) return false;
    const content = document.getElementById('_pages_content');
    if (!content || !content.children.length) return false;
    if ([...content.querySelectorAll('.panel-body')].some(b => !b.children.length)) return false;
    if ([...content.querySelectorAll('.dash-graph')].some(g => !g.querySelector('.main-svg'))) return false;
    return performance.now() - t0;
}"""
# a first load fetches more than the 250 resources Chromium keeps timings for by default (scripts, fonts,
# map markers): without room, the last callbacks' timings are dropped
TIMING_BUFFER = "performance.setResourceTimingBufferSize(10000);"


def settle(page) -> None:
    """The page has no loading markers and the network has been quiet for 500 ms; on a machine busy with
    other work the quiet can take long: a page that stays busy is measured as it is, not dropped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    page.wait_for_function(SETTLED, timeout=120_000)
    try:
        page.wait_for_load_state("networkidle", timeout=60_000)
    except PlaywrightTimeout:
        print(f"  (the network did not go quiet on {page.url}; measured as it is)", flush=True)


class CallbacksInFlight:
    """Counts a page's callback requests still unanswered. Playwright's "networkidle" cannot say when the
    last callback has answered: it is an event of the page's life, fired once (often before the layout
    arrives), after which waiting for it returns at once."""

    def __init__(self, page):
        self.open, self.last = 0, time.monotonic()
        page.on("request", self._sent)
        page.on("requestfinished", self._done)
        page.on("requestfailed", self._done)

    @staticmethod
    def _is_callback(req) -> bool:
        return "_dash-update-component" in req.url

    def _sent(self, req):
        if self._is_callback(req):
            self.open += 1
            self.last = time.monotonic()

    def _done(self, req):
        if self._is_callback(req):
            self.open -= 1
            self.last = time.monotonic()

    def wait_quiet(self, page, quiet_s: float = 0.5, limit_s: float = 120) -> None:
        """Until no callback is in flight and none was sent or answered for `quiet_s` (a chain's next
        callback goes out within milliseconds of the answer before it)."""
        end = time.monotonic() + limit_s
        while time.monotonic() < end and (self.open > 0 or time.monotonic() - self.last < quiet_s):
            page.wait_for_timeout(100)


def drawn_and_answered(page, t0: float, callbacks: CallbacksInFlight) -> tuple[float, float]:
    """(ms from t0 until the page was drawn and its last callback had answered, ms until its last
    callback answered): a page drawn with its layout may still ask for its map's markers, the alert counts."""
    drawn = page.wait_for_function(DRAWN, arg=t0, timeout=120_000, polling="raf").json_value()
    callbacks.wait_quiet(page)
    page.wait_for_function(SETTLED, timeout=120_000)
    answered = page.evaluate(LAST_ANSWER, t0)
    return max(drawn, answered), answered


def page_renders(url: str, cache_dir: Path, query: str, reps: int, pages=PAGES) -> dict:
    """Each page's first render with the data cache emptied before it, in Debian's Chromium (1366x768):
    `full` loads the page in a new browser profile (scripts fetched and compiled, the layout, then any
    callback); `returning` opens it again twice in that profile and times the second (a leader's usual
    visit: scripts from the HTTP cache, V8's compiled code kept, the data computed cold all the same);
    `in_app` follows the navigation link from another page, as a leader moves around (dcc.Link: no reload).
    Each ends when the page is drawn (every panel filled, every chart drawn by plotly.js) and its last
    callback has answered; `*_answered_ms` is the last answer alone (what this part measured
    until 30/11/2026: it left out drawing the charts, and a page drawn with its layout asks few callbacks)."""
    import diskcache
    from playwright.sync_api import sync_playwright
    out: dict = {}
    cookies = [{"name": k, "value": v, "url": url} for k, v in signed_in(url).cookies.items()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        for path in pages:
            full, nav, full_answered, nav_answered, returning = [], [], [], [], []
            for _ in range(reps):
                diskcache.Cache(str(cache_dir)).clear()
                ctx = browser.new_context(viewport={"width": 1366, "height": 768})
                ctx.add_cookies(cookies)
                ctx.add_init_script(TIMING_BUFFER)
                page = ctx.new_page()
                callbacks = CallbacksInFlight(page)
                page.goto(url + path + query, wait_until="load")
                drawn, answered = drawn_and_answered(page, 0, callbacks)
                full.append(drawn)
                full_answered.append(answered)
                # a returning visitor: the same profile opens the page twice more (the scripts come from the
                # HTTP cache; V8 keeps their compiled code from the second use), the data cache emptied again
                for _visit in range(2):
                    diskcache.Cache(str(cache_dir)).clear()
                    page.goto(url + path + query, wait_until="load")
                    drawn, _ = drawn_and_answered(page, 0, callbacks)
                returning.append(drawn)
                start = "/security" if path == "/environment" else "/environment"
                page.goto(url + start + query, wait_until="load")
                page.wait_for_function(DRAWN, arg=0, timeout=120_000)
                callbacks.wait_quiet(page)
                title = page.title()
                diskcache.Cache(str(cache_dir)).clear()
                t0 = page.evaluate("performance.now()")
                page.locator(f".shell-links a[href^='{path}']" if path != "/" else ".shell-links a[href='/'], "
                             ".shell-links a[href^='/?']").first.click()
                page.wait_for_function(f"() => location.pathname === '{path}'", timeout=30_000)
                # the router's answer is in: Dash sets the page's title with its content
                page.wait_for_function("t => document.title !== t", arg=title, timeout=60_000)
                drawn, answered = drawn_and_answered(page, t0, callbacks)
                nav.append(drawn)
                nav_answered.append(answered)
                ctx.close()
            out[path] = {"full_ms": round(statistics.median(full)), "in_app_ms": round(statistics.median(nav)),
                         "returning_ms": round(statistics.median(returning)),
                         "full_answered_ms": round(statistics.median(full_answered)),
                         "in_app_answered_ms": round(statistics.median(nav_answered))}
        browser.close()
    return out


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return round(total / 1024, 1)


def exports_measure(work: Path, reps: int) -> dict:
    """Chart exports and the weekly pack through reports/: the first export (starts the one Chromium),
    warm exports per format of three kinds of chart, the size of each file, and the weekly PDF and XLSX
    end to end (data, charts, layout)."""
    from reports import images
    from reports.exports import export_panel
    from reports.meta import last_full_week
    from reports.weekly import collect, pdf_bytes, xlsx_bytes
    os.environ["REPORTS_DIR"] = str(work / "reports")
    from core.settings import get_settings
    get_settings.cache_clear()
    images.stop()
    query = {"period": "30d"}
    t = time.perf_counter()
    first = export_panel("env.pond_series", "png", query)
    out: dict = {"cold_first_png_ms": round((time.perf_counter() - t) * 1000, 1)}
    charts = ("env.pond_series", "fb.weekly", "env.rain_daily")
    warm, sizes = {}, {}
    for fmt in ("png", "svg", "pdf", "csv", "xlsx"):
        for panel in charts:
            export_panel(panel, fmt, query)          # data cached, browser warm: what a second click costs
            sizes[f"{panel}.{fmt}"] = len(export_panel(panel, fmt, query).body)
        warm[fmt] = timed(lambda fmt=fmt: [export_panel(p, fmt, query) for p in charts], reps)
        warm[fmt]["per_chart_median_ms"] = round(warm[fmt]["median_ms"] / len(charts), 1)
    out["warm"] = warm
    out["sizes_bytes"] = sizes
    out["first_png_bytes"] = len(first.body)
    monday = last_full_week()
    t = time.perf_counter()
    report = collect(monday)
    collected = time.perf_counter()
    pdf = pdf_bytes(report)
    laid_out = time.perf_counter()
    xlsx = xlsx_bytes(report)
    done = time.perf_counter()
    out["weekly"] = {"collect_ms": round((collected - t) * 1000, 1), "pdf_ms": round((laid_out - collected) * 1000, 1),
                     "xlsx_ms": round((done - laid_out) * 1000, 1), "total_ms": round((done - t) * 1000, 1),
                     "pdf_bytes": len(pdf), "xlsx_bytes": len(xlsx),
                     "figures": sum(b.kind == "figure" for s in report.sections for b in s.blocks)}
    images.stop()
    return out


def reference_ms(rounds: int = 5) -> float:
    """Median ms of a fixed pure-Python workload (sorting and summing 200,000 ints, a dict of them): one
    number that says how fast this run's machine was. Absolute figures of runs taken on different days
    (this machine is a shared VM: the same back-fill took 16.6 and 28.2 ingest CPU-s on 30/11/2026) compare
    only once divided by it; the ratios against the naive paths, measured in the same run, need nothing."""
    import random
    values = random.Random(766).sample(range(10_000_000), 200_000)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        ordered = sorted(values)
        index = {v: i for i, v in enumerate(ordered)}
        sum(index[v] for v in values[:100_000])
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": sys.version.split()[0], "reference_ms": reference_ms(),
            "load_average": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--smoke", action="store_true", help="tiny data, for the test suite")
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--only", default=",".join(PARTS),
                    help=f"comma-separated parts to run (default all): {','.join(PARTS)}; a partial run's results go "
                         "to bench/results/partial.json")
    ap.add_argument("--postgres", default=None, metavar="URL",
                    help="also measure the store write rate on PostgreSQL (a fresh database is made on this server "
                         "and dropped), e.g. postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--redis", default=None, metavar="URL",
                    help="the city part's query cache (CACHE_URL of its gunicorn), a Redis database it may empty, "
                         "e.g. redis://127.0.0.1:6379/13; the city part also needs --postgres")
    ap.add_argument("--store", type=Path, default=None,
                    help="a work directory to keep the back-filled store in and reuse on the next run (iterating on "
                         "one part without a year's back-fill each time)")
    args = ap.parse_args(argv)
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)}; choose from {','.join(PARTS)}")
    days = args.days or (3 if args.smoke else 365)
    reps = 5 if args.smoke else 30
    work = args.store or Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if set(only) == {"city"}:      # the city part builds its own PostgreSQL store: no SQLite year first
        results = {"machine": machine(),
                   "mode": "smoke" if args.smoke else "full", "taken_at": datetime.now().isoformat(), "parts": only}
        city_part(results, args, work)
        RESULTS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(results, indent=2, ensure_ascii=False)
        (RESULTS / "partial.json").write_text(text)
        if not args.smoke and "stages" in results["city"]:
            (RESULTS / f"city-{datetime.now():%Y%m%d-%H%M}.json").write_text(text)
        print_city(results)
        return 0 if "stages" in results["city"] else 1
    db_path = work / "bench.db"
    db = f"sqlite:///{db_path}"
    os.environ.update(DATABASE_URL=db, CACHE_DIR=str(work / "cache"), LOG_LEVEL="WARNING")
    from core.settings import get_settings
    get_settings.cache_clear()
    from simulator.server import start_in_thread
    meta = work / "store.json"
    reuse = args.store is not None and meta.exists() and db_path.exists()
    now = json.loads(meta.read_text())["now"] if reuse else int(time.time())
    sim, sim_url = start_in_thread(port=free_port(), seed=766, site_file=ROOT / "sites" / "quang_tho.yaml", now_fn=lambda: now)
    results: dict = {"machine": machine(),
                     "mode": "smoke" if args.smoke else "full", "days": days, "taken_at": datetime.now().isoformat(),
                     "parts": only}
    print(f"(work files and the app's log in {work})", flush=True)
    if reuse:
        from store.migrate import upgrade
        upgrade(db)     # a store kept from an older run gets this code's migrations (and their back-fills)
        results["backfill"] = json.loads(meta.read_text())["backfill"]
        print(f"Reusing the store of {results['backfill']['readings']:,} readings in {db_path}", flush=True)
    else:
        print(f"Back-filling {days} days of the whole site through the simulator ...", flush=True)
        results["backfill"] = build_store(db, days, ROOT / "sites" / "quang_tho.yaml", sim_url, now,
                                          naive_days=min(days, 30))
        if args.store is not None:
            meta.write_text(json.dumps({"now": now, "days": days, "backfill": results["backfill"]}))
    if "store" in only:
        results["storage"] = bytes_per_reading(db_path, results["backfill"]["readings"])
        results["write_rate"] = write_rate(40_000 if args.smoke else 800_000)
        results["write_rate"]["naive"] = naive_write_rate(10_000 if args.smoke else 100_000)
        results["write_rate"]["ratio"] = round(results["write_rate"]["rows_per_s"] /
                                               results["write_rate"]["naive"]["rows_per_s"], 1)
        if args.postgres:
            pg_url, drop = postgres_database(args.postgres)
            try:
                results["write_rate_postgres"] = write_rate(40_000 if args.smoke else 800_000, pg_url)
            finally:
                drop()
        if not (work / "naive.db").exists():
            naive_table(db_path, work / "naive.db", limit=10_000_000)
        results["storage"].update(naive_stats(work / "naive.db"))
    elif not (work / "naive.db").exists() and "chart" in only:
        naive_table(db_path, work / "naive.db", limit=10_000_000)

    # every query-layer function on the data (cold = cache cleared each time; warm = memoised)
    from queries import events, indicators, kpis, readings, reports, site
    from queries.cache import clear
    end = datetime.fromtimestamp(now, timezone.utc)
    start = end - timedelta(days=days)
    calls = {"readings.series (1 station, whole range)": lambda: readings.series(("water_1",), "do", start, end),
             "readings.series (4 stations)": lambda: readings.series(("water_1", "water_2", "water_3", "water_4"), "do", start, end),
             "readings.hourly (whole range)": lambda: readings.hourly(("water_1",), "do", start, end),
             "readings.daily (whole range)": lambda: readings.daily(("water_1",), "do", start, end),
             "readings.latest": lambda: readings.latest(),
             "events.event_counts hour_weekday": lambda: events.event_counts(start, end, "hour_weekday"),
             "events.latest_events": lambda: events.latest_events(50),
             "events.camera_status": lambda: events.camera_status(),
             "reports.report_stats": lambda: reports.report_stats(start, end),
             "reports.report_counts week": lambda: reports.report_counts(start, end, "week"),
             "indicators.latest_values": lambda: indicators.latest_values(),
             "kpis.device_states": lambda: kpis.device_states(),
             "kpis.air_now (VN_AQI)": lambda: kpis.air_now("air_1"),
             "site.devices": lambda: site.devices()}
    q = {}
    for name, fn in (calls.items() if "queries" in only else ()):
        def cold(fn=fn):
            clear()
            fn()
        q[name] = {"cold": timed(cold, reps), "warm": timed(fn, reps)}
    if q:
        results["queries"] = q
        checkpoint(results)
    from sqlalchemy import text as sqltext
    from store.engine import get_engine
    hourly_sql = sqltext("SELECT h.t, h.mean FROM rollup_hour h JOIN series s ON s.id = h.series_id "
                         "WHERE s.device_id = 'water_1' AND s.parameter = 'do' AND h.t >= :a AND h.t < :b")
    group_sql = sqltext("SELECT r.t - r.t % 3600, avg(r.value) FROM readings r JOIN series s ON s.id = r.series_id "
                        "WHERE s.device_id = 'water_1' AND s.parameter = 'do' AND r.t >= :a AND r.t < :b GROUP BY 1")
    latest_sql = sqltext("SELECT s.device_id, s.parameter, l.t, l.value FROM series s "
                         "JOIN readings_latest l ON l.series_id = s.id")
    # (what readings.latest asked before: a correlated max per series, one probe of the key each)
    max_sql = sqltext("SELECT s.device_id, s.parameter, n.t, r.value FROM (SELECT id AS sid, (SELECT max(t) FROM readings x "
                      "WHERE x.series_id = series.id) AS t FROM series) n JOIN series s ON s.id = n.sid "
                      "JOIN readings r ON r.series_id = n.sid AND r.t = n.t")
    with get_engine().connect() as c:
        results["hourly_year_query"] = None if "queries" not in only else {
            "rollup": timed(lambda: c.execute(hourly_sql, {"a": now - days * 86400, "b": now}).all(), reps),
            "group_by_at_request_time": timed(lambda: c.execute(group_sql, {"a": now - days * 86400, "b": now}).all(), reps)}
        # every series' newest value: the latest-value table ingest keeps, against max(t) per series
        results["latest_query"] = None if "queries" not in only else {
            "latest_table": timed(lambda: c.execute(latest_sql).all(), reps),
            "max_per_series": timed(lambda: c.execute(max_sql).all(), reps)}

    # the app over HTTP: a chart of the whole range, optimised vs naive
    if not {"chart", "viewers", "pages"} & set(only):
        return finish(results, only, args, sim, work, days, reps)
    proc, url = start_app(db, work / "cache-app")
    naive_srv, naive_url = naive_chart_server(work / "naive.db")
    s = signed_in(url)
    d0 = (end - timedelta(days=days)).astimezone(timezone(timedelta(hours=7))).date().isoformat()
    d1 = end.astimezone(timezone(timedelta(hours=7))).date().isoformat()
    if "chart" in only:
        results["chart_year"] = chart_year(s, url, naive_url, d0, d1, reps, proc.pid)
        checkpoint(results)
    if "viewers" in only:
        results["viewers_20"] = viewers(s, url, proc, 80 if args.smoke else 800)
        checkpoint(results)
    if "chart" in only:
        results["new_reading_to_screen_ms"] = new_reading(s, url, now, d1)
    if "pages" in only:
        # each page's first render over the whole range, data cache emptied before each
        query, page_paths = f"?period=custom&start={d0}&end={d1}", ("/", "/environment") if args.smoke else PAGES
        results["page_render"] = page_renders(url, work / "cache-app", query, 1 if args.smoke else 3, page_paths)
        # what no client can go below on this machine: the same first layouts as static HTML, drawn by plotly.js alone
        from bench.floor import floor_renders
        for path, floor in floor_renders(url, s, page_paths, 1 if args.smoke else 3, DRAWN, query).items():
            results["page_render"][path].update(floor)
    proc.terminate()
    proc.wait(timeout=20)
    naive_srv.terminate()
    naive_srv.wait(timeout=20)
    return finish(results, only, args, sim, work, days, reps)


def mqtt_push(work: Path, sim_url: str, n: int, broker: str = "127.0.0.1:1883") -> dict:
    """Publish -> stored over the SensorThings MQTT extension (ingest/live.py) through the local Mosquitto:
    n Observations published one every 20 ms on mapped Datastreams; each one's latency is from just
    before publish() to the commit of the batch that stored it (the worker's listener), same clock."""
    import socket
    import uuid

    import paho.mqtt.client as mqtt

    from core.site import load_site
    from data_sources.sensorthings import SensorThingsAdapter
    from data_sources.sensorthings_mqtt import parse_broker_url
    from ingest.live import LiveIngest
    from ingest.site_sync import sync_site
    from store.engine import make_engine
    from store.migrate import upgrade
    host, port = broker.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as err:
        return {"skipped": f"Mosquitto not reachable at {broker}: {err}"}
    db = f"sqlite:///{work / 'mqtt.db'}"
    upgrade(db)
    engine = make_engine(db)
    site = load_site(ROOT / "sites" / "quang_tho.yaml")
    sync_site(engine, site)
    url = f"mqtt://{broker}/bench-{uuid.uuid4().hex[:8]}/v1.1"
    live = LiveIngest(engine, SensorThingsAdapter(f"{sim_url}/sta/v1.1", mappings=site.datastreams),
                      parse_broker_url(url)).start()
    stored_at: dict[tuple[str, int], float] = {}
    live.listeners.append(lambda obs, at: stored_at.update({(o.datastream_id, o.t): at for o in obs}))
    deadline = time.monotonic() + 20
    while not (live.client.connected.is_set() and live.ready.is_set()) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Datastreams that take readings in our units, each sent the middle of its plausible range
    ranges = {ds: (info.low + info.high) / 2 for (_src, ds), info in live.writer.series.items()
              if not isinstance(info, str) and info.convert is None}
    streams = sorted(ranges, key=lambda d: (len(d), d))[:40]
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    pub.connect(host, int(port))
    pub.loop_start()
    root = parse_broker_url(url).root
    sent: dict[tuple[str, int], float] = {}
    base_t = int(time.time()) - 3600
    for i in range(n):
        ds = streams[i % len(streams)]
        t = base_t + i
        payload = json.dumps({"@iot.id": i, "phenomenonTime": datetime.fromtimestamp(t, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"), "resultTime": None, "result": ranges[ds]}).encode()
        sent[(ds, t)] = time.time()
        pub.publish(f"{root}/Datastreams({ds})/Observations", payload, qos=1)
        time.sleep(0.02)
    deadline = time.monotonic() + 30
    while len(set(sent) & set(stored_at)) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    pub.loop_stop()
    pub.disconnect()
    live.stop()
    engine.dispose()
    lat = [(stored_at[k] - sent[k]) * 1000 for k in sent if k in stored_at]
    return {"published": n, "stored": len(lat), "datastreams": len(streams), "batches": live.batches,
            "median_ms": round(statistics.median(lat), 1) if lat else None,
            "p95_ms": round(pct(lat, 95), 1) if lat else None, "max_ms": round(max(lat), 1) if lat else None}


def checkpoint(results: dict) -> None:
    """What is measured so far, in case a later part fails (bench/results/checkpoint.json)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "checkpoint.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


class KeptAliveClient:
    """The chart figure's HTTP client, for ours and the naive path alike: one kept-alive connection per server
    (reopened when a server closes it), the session's cookies and headers as `signed_in` set them, the body
    encoded once (a browser's renderer sends bytes it already has), the answer read whole and decompressed
    (br/gzip), the status checked. `requests` spent ≈0.9 ms of client CPU a request around a ≈1 ms kept answer
    (merging headers and cookies, re-encoding the JSON, its response object): measured here, that was
    client time in "ours" and next to nothing in the naive path's 190 ms."""

    def __init__(self, session: requests.Session):
        self.headers = {k: v for k, v in session.headers.items() if k.lower() not in ("connection", "accept-encoding")}
        self.headers["Accept-Encoding"] = "gzip, deflate, br"
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        if cookies:
            self.headers["Cookie"] = cookies
        self._conns: dict[str, object] = {}

    def request(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None):
        import gzip
        import http.client
        from urllib.parse import urlsplit

        import brotli
        parts = urlsplit(url)
        conn = self._conns.get(parts.netloc)
        if conn is None:
            conn = self._conns[parts.netloc] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        headers = dict(self.headers, **({"Content-Type": content_type} if content_type else {}))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(method, path, body, headers)
            resp = conn.getresponse()
        except (http.client.HTTPException, OSError):   # the server closed the kept connection: once more
            conn.close()
            conn.request(method, path, body, headers)
            resp = conn.getresponse()
        data = resp.read()
        encoding = resp.getheader("Content-Encoding", "")
        data = brotli.decompress(data) if encoding == "br" else gzip.decompress(data) if encoding == "gzip" else data
        if resp.status >= 400:
            raise RuntimeError(f"HTTP {resp.status} from {method} {path}: {data[:300]!r}")
        return resp, data

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()


def chart_year(s, url, naive_url, d0, d1, reps, app_pid: int | None = None) -> dict:
    """The one-year pond chart over HTTP, ours against the naive path, measured the same way each run.
    Ours is the path a repeated request takes (its answer kept for at most 30 s); the naive path recomputes
    everything each time. Both servers run in processes of their own. One untimed request each first (ours
    keeps its answer; the naive server opens its database and builds plotly's validators, which the first
    figure of a process does); then rounds, each of `reps // n_naive` requests of ours (after an untimed one
    that keeps the answer should it have expired) and one naive request, so a load that comes and goes on a
    shared machine falls on both; medians of the wall time. Beside them the server's CPU per request (ours:
    the gunicorn processes' CPU over our requests; naive: its handler's thread time, X-CPU-ms), which the
    load inflates far less: `cpu_ratio`. Both are asked through one KeptAliveClient (a kept-alive connection each,
the answer decompressed); until 30/11/2026 through `requests`, whose own ≈0.9 ms a request was most of the gap
between the server's CPU and ours' wall time. Until 30/11/2026 the naive path was timed after ours, its first
    (cold) request counted, 6 samples: its median was 453 ms in one run and 2,361 ms in another."""
    body = pond_chart_request(d0, d1)
    client = KeptAliveClient(s)
    encoded = json.dumps(body).encode()
    naive_get = lambda: client.request("GET", f"{naive_url}/chart?device=water_1&parameter=do")  # noqa: E731
    ours = lambda: client.request("POST", f"{url}/_dash-update-component", encoded, "application/json")  # noqa: E731
    resp = post(s, url, body)
    naive_size = len(naive_get()[1])
    n_naive = max(3, reps // 3)
    per_round = -(-reps // n_naive)
    ours_ms, naive_ms, naive_cpu = [], [], []
    ours_cpu_s = 0.0
    kept = 0
    for _ in range(n_naive):
        ours()
        for _ in range(per_round):
            c0 = server_cpu_s(app_pid) if app_pid else 0.0
            t = time.perf_counter()
            r, _data = ours()
            ours_ms.append((time.perf_counter() - t) * 1000)
            ours_cpu_s += (server_cpu_s(app_pid) - c0) if app_pid else 0.0
            kept += r.getheader("X-Answer") == "kept"
        t = time.perf_counter()
        r, _data = naive_get()
        naive_ms.append((time.perf_counter() - t) * 1000)
        naive_cpu.append(float(r.getheader("X-CPU-ms", "nan")))
    client.close()
    ours_cpu = ours_cpu_s * 1000 / len(ours_ms) if app_pid else None
    naive_cpu_ms = statistics.median(naive_cpu)
    return {"ours": _summary(ours_ms), "naive": _summary(naive_ms),
            "ratio": round(statistics.median(naive_ms) / max(statistics.median(ours_ms), 0.01), 1),
            "ours_server_cpu_ms": None if ours_cpu is None else round(ours_cpu, 2),
            "naive_server_cpu_ms": round(naive_cpu_ms, 1),
            "cpu_ratio": round(naive_cpu_ms / ours_cpu, 1) if ours_cpu else None,
            "response_bytes": len(resp.content), "naive_response_bytes": naive_size,
            "max_points_per_trace": trace_points(resp.json()), "kept_answers": kept,
            "method": "untimed first request each; rounds of ours (kept answer) then one naive; one kept-alive "
                      "client for both (KeptAliveClient); wall medians; server CPU per request"}


def _summary(values: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values), 2), "p95_ms": round(pct(values, 95), 2), "n": len(values)}


def server_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's master and workers)."""
    import psutil
    try:
        procs = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def viewers(s, url, proc, n_req: int) -> dict:
    """20 viewers refreshing the overview, bounded."""
    bodies = overview_requests()
    for b in bodies:
        post(s, url, b)
    sizes = [len(post(s, url, b).content) for b in bodies]
    lat = []

    def viewer(i):
        sess = signed_in(url, s.cookies)
        t = time.perf_counter()
        post(sess, url, bodies[i % len(bodies)])
        lat.append((time.perf_counter() - t) * 1000)
    from bench.scale_quick import cpu_s
    cpu0 = cpu_s(proc.pid, None)[0]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(viewer, range(n_req)))
    wall = time.perf_counter() - t0
    # the CPU the server's processes spent a request: what other load on the machine changes least
    web_cpu_ms = (cpu_s(proc.pid, None)[0] - cpu0) * 1000 / n_req
    return {"requests": n_req, "req_per_s": round(n_req / wall, 1), "median_ms": round(statistics.median(lat), 1),
            "p95_ms": round(pct(lat, 95), 1), "web_cpu_ms_per_req": round(web_cpu_ms, 2),
            "largest_overview_response_bytes": max(sizes), "server_rss_mb_after": rss_mb(proc.pid)}


def new_reading(s, url, now: int, d1: str) -> float | None:
    """A new reading to the screen: write it through ingest (which invalidates the cache), ask the chart again."""
    from sqlalchemy import text as sqltext

    from ingest.records import DatastreamInfo, Observation
    from ingest.writer import Writer
    from queries.cache import invalidate
    from store.engine import get_engine
    with get_engine().connect() as c:
        ext = c.execute(sqltext("SELECT external_id FROM series WHERE device_id='water_1' AND parameter='do'")).scalar()
    t = time.perf_counter()
    Writer(get_engine(), now + 120).write([DatastreamInfo("sensorthings", ext, "1", "Trạm nước ao 1", "do", "mg/L"),
                                           Observation("sensorthings", ext, now + 60, 12.345)])
    invalidate("readings", "site", "health")
    today = pond_chart_request(d1, d1)
    for _ in range(600):
        if any(abs(v - 12.345) < 1e-9 for v in figure_values(post(s, url, today).json())):
            return round((time.perf_counter() - t) * 1000, 1)
        time.sleep(0.1)
    return None


def finish(results: dict, only: list[str], args, sim, work: Path, days: int, reps: int) -> int:
    if "mqtt" in only:
        results["mqtt_push"] = mqtt_push(work, f"http://127.0.0.1:{sim.server_port}", 20 if args.smoke else 300)
    if "export" in only:
        # chart exports and the weekly pack through reports/ (kaleido 1.x, one persistent Chromium; WeasyPrint)
        results["exports"] = exports_measure(work, 3 if args.smoke else 20)
    if "wall" in only:
        # the wall (issue 17): alarm latency, and an accelerated hour of playlist at 3840x2160
        from bench.wall import wall_measure
        results["wall"] = wall_measure(os.environ["DATABASE_URL"], work, args.smoke, start_app, signed_in)
        checkpoint(results)
    sim.shutdown()
    if "scale" in only:
        results["scale_10x"] = scale(work, 2 if args.smoke else 30, reps)
    if "city" in only:
        city_part(results, args, work)
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    full = set(only) == set(PARTS)
    name = ("smoke.json" if args.smoke else "latest.json") if full else "partial.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if full and not args.smoke:
        (RESULTS / f"{datetime.now():%Y%m%d-%H%M}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def city_part(results: dict, args, work: Path) -> None:
    """A city of communes on PostgreSQL with gunicorn and Redis (bench/city.py); skipped, with the reason,
    without a PostgreSQL server (--postgres) and a Redis database it may empty (--redis)."""
    if not (args.postgres and args.redis):
        results["city"] = {"skipped": "needs --postgres URL and --redis URL"}
        return
    from bench.city import city_measure
    results["city"] = city_measure(args.postgres, args.redis, work, args.smoke)
    checkpoint(results)


def print_city(r: dict) -> None:
    city = r.get("city")
    if not city:
        return
    if "skipped" in city:
        print(f"\nCity of communes: skipped ({city['skipped']})")
        return
    from bench.city import city_table
    d = city["density"]
    print(f"\nCity of communes on PostgreSQL, gunicorn 2 workers + Redis cache ({d['days']} days of readings every "
          f"{d['step_s'] // 3600} h, events and reports for {d['recent_days']} days):")
    print("\n".join(city_table(city)))


def report(r: dict) -> None:
    """The table of figures against issue 21's targets; a part that was not run (--only) is left out."""
    slowest_q = lambda: max(r["queries"].items(), key=lambda kv: kv[1]["cold"]["median_ms"])  # noqa: E731
    render = lambda key: max(r["page_render"].items(), key=lambda kv: kv[1][key])  # noqa: E731
    rows = [
        lambda: ("one-year chart over HTTP, median", f"{r['chart_year']['ours']['median_ms']} ms", "<= 15 ms",
                 r["chart_year"]["ours"]["median_ms"] <= 15),
        lambda: ("... vs naive (raw rows, no rollups, no cache)", f"{r['chart_year']['ratio']}x faster"
                 + (f" (server CPU {r['chart_year']['cpu_ratio']}x)" if r["chart_year"].get("cpu_ratio") else ""),
                 ">= 100x", r["chart_year"]["ratio"] >= 100),
        lambda: ("points in the longest trace", r["chart_year"]["max_points_per_trace"], "<= ~2000",
                 r["chart_year"]["max_points_per_trace"] <= 2100),
        lambda: ("heaviest callback response (uncompressed)",
                 f"{max(r['chart_year']['response_bytes'], r['viewers_20']['largest_overview_response_bytes']):,} B",
                 "<= 100 KB", max(r["chart_year"]["response_bytes"], r["viewers_20"]["largest_overview_response_bytes"]) <= 100_000),
        lambda: ("20 viewers on the overview", f"{r['viewers_20']['req_per_s']} req/s, p95 {r['viewers_20']['p95_ms']} ms, "
                 f"{r['viewers_20'].get('web_cpu_ms_per_req', '–')} web CPU-ms a request",
                 ">= 300 req/s, p95 <= 150 ms", r["viewers_20"]["req_per_s"] >= 300 and r["viewers_20"]["p95_ms"] <= 150),
        lambda: ("slowest query (cold)", f"{slowest_q()[1]['cold']['median_ms']} ms ({slowest_q()[0]})", "<= 25 ms",
                 slowest_q()[1]["cold"]["median_ms"] <= 25),
        lambda: ("hourly query over the range (rollup vs GROUP BY)",
                 f"{r['hourly_year_query']['rollup']['median_ms']} vs {r['hourly_year_query']['group_by_at_request_time']['median_ms']} ms",
                 "<= 25 ms", r["hourly_year_query"]["rollup"]["median_ms"] <= 25),
        lambda: ("back-fill end to end (simulator HTTP -> store)", f"{r['backfill']['rows_per_s']:,} rows/s, {r['backfill']['seconds']} s",
                 ">= 100,000 rows/s", r["backfill"]["rows_per_s"] >= 100_000),
        lambda: ("... per ingest CPU-second (simulator apart) vs one at a time",
                 f"{r['backfill']['rows_per_cpu_s']:,} (both ends {r['backfill']['rows_per_cpu_s_both_ends']:,}); "
                 f"{r['backfill']['naive']['days']} days: {r['backfill']['same_days']['rows_per_cpu_s']:,} vs one at a time "
                 f"{r['backfill']['naive']['rows_per_cpu_s']:,} ({r['backfill']['ratio_cpu']}x)"
                 if "naive" in r["backfill"] else f"{r['backfill'].get('rows_per_cpu_s', '?')}", "", True),
        lambda: ("store write rate (validate, upsert, rollups)", f"{r['write_rate']['rows_per_s']:,} rows/s", ">= 300,000 rows/s",
                 r["write_rate"]["rows_per_s"] >= 300_000),
        lambda: ("... per CPU-second; naive ORM adds (no rollups)",
                 f"{r['write_rate']['rows_per_cpu_s']:,}; naive {r['write_rate']['naive']['rows_per_s']:,} rows/s "
                 f"({r['write_rate']['ratio']}x)", "", True),
        lambda: ("store write rate on PostgreSQL (COPY, monthly partitions)",
                 f"{r['write_rate_postgres']['rows_per_s']:,} rows/s", ">= 300,000 rows/s",
                 r["write_rate_postgres"]["rows_per_s"] >= 300_000),
        lambda: ("... per CPU-second of both ends (ingest + server backend)",
                 f"{r['write_rate_postgres']['rows_per_cpu_s_both_ends']:,} (server {r['write_rate_postgres']['server_cpu_s']} CPU-s)", "", True),
        lambda: ("newest value of every series (latest table vs max per series)",
                 f"{r['latest_query']['latest_table']['median_ms']} vs {r['latest_query']['max_per_series']['median_ms']} ms",
                 "", True),
        lambda: ("new reading on screen", f"{r['new_reading_to_screen_ms']} ms", "< 60 000 ms (one refresh)",
                 r["new_reading_to_screen_ms"] is not None and r["new_reading_to_screen_ms"] < 60_000),
        lambda: ("bytes per stored reading", f"{r['storage']['bytes_per_reading']} (naive {r['storage']['naive_bytes_per_reading']})",
                 "<= 25", (r["storage"]["bytes_per_reading"] or 999) <= 25),
        lambda: ("first render of a page (drawn), cold, in-app navigation (slowest)",
                 f"{render('in_app_ms')[1]['in_app_ms']} ms ({render('in_app_ms')[0]})", "<= 1000 ms",
                 render("in_app_ms")[1]["in_app_ms"] <= 1000),
        lambda: ("first render of a page (drawn), cold, new browser profile (slowest)",
                 f"{render('full_ms')[1]['full_ms']} ms ({render('full_ms')[0]})", "<= 1000 ms",
                 render("full_ms")[1]["full_ms"] <= 1000),
        lambda: ("... its floor: the page as static HTML, charts by plotly.js alone",
                 f"{render('full_ms')[1]['floor_ms']} ms ({render('full_ms')[0]}); slowest floor "
                 f"{max(v['floor_ms'] for v in r['page_render'].values())} ms", "", True),
        lambda: ("MQTT publish -> stored (median / max)",
                 f"{r['mqtt_push']['median_ms']} / {r['mqtt_push']['max_ms']} ms ({r['mqtt_push']['stored']} of "
                 f"{r['mqtt_push']['published']})", "<= 1000 ms",
                 r["mqtt_push"]["stored"] == r["mqtt_push"]["published"] and r["mqtt_push"]["max_ms"] <= 1000),
        lambda: ("server memory after the load", f"{r['viewers_20']['server_rss_mb_after']} MB", "", True),
        lambda: ("alarm latency: alert stored -> alarm slide shown (median / max)",
                 f"{r['wall']['alarm_latency']['median_s']} / {r['wall']['alarm_latency']['max_s']} s "
                 f"({r['wall']['alarm_latency']['repeats']}x)", "<= 5 s", r["wall"]["alarm_latency"]["max_s"] <= 5),
        lambda: ("wall hour at 3840x2160: slide drawn (median / max)",
                 f"{r['wall']['hour']['drawn_ms']['median']} / {r['wall']['hour']['drawn_ms']['max']} ms, "
                 f"{r['wall']['hour']['slide_changes']} changes", "every slide <= 2000 ms",
                 r["wall"]["hour"]["drawn_ms"]["over_2s"] == 0 and r["wall"]["hour"]["drawn_ms"]["not_drawn_before_next"] == 0),
        lambda: ("wall hour: JS heap after GC, start -> end",
                 f"{(r['wall']['hour']['samples'].get('warm') or r['wall']['hour']['samples']['start'])['js_heap_mb']} -> "
                 f"{r['wall']['hour']['samples']['end']['js_heap_mb']} MB ({r['wall']['hour']['heap_growth_pct']:+} %)",
                 "flat within 10 %", abs(r["wall"]["hour"]["heap_growth_pct"]) <= 10),
        lambda: ("wall hour: server RSS (gunicorn tree), start -> end",
                 f"{(r['wall']['hour']['samples'].get('warm') or r['wall']['hour']['samples']['start'])['server_rss_mb']} -> "
                 f"{r['wall']['hour']['samples']['end']['server_rss_mb']} MB ({r['wall']['hour']['rss_growth_pct']:+} %)",
                 "flat within 10 %", abs(r["wall"]["hour"]["rss_growth_pct"]) <= 10),
        lambda: ("wall: console errors (hour + alarms)",
                 r["wall"]["hour"]["console_errors"] + r["wall"]["alarm_latency"]["console_errors"], "0",
                 r["wall"]["hour"]["console_errors"] + r["wall"]["alarm_latency"]["console_errors"] == 0),
        lambda: ("warm export per chart PNG / SVG / PDF",
                 " / ".join(f"{r['exports']['warm'][f]['per_chart_median_ms']:.0f} ms" for f in ("png", "svg", "pdf")), "<= 300 ms",
                 all(r["exports"]["warm"][f]["per_chart_median_ms"] <= 300 for f in ("png", "svg", "pdf"))),
    ]
    print_city(r)
    print(f"\nBenchmark ({r['mode']}, {r['days']} days, {r['backfill']['readings']:,} readings; parts {','.join(r['parts'])})")
    if r["machine"].get("reference_ms"):
        print(f"(machine: reference workload {r['machine']['reference_ms']} ms, load {r['machine']['load_average']}; "
              "compare absolute figures of other runs through it)")
    print(f"{'measure':<58} {'measured':<44} {'target':<28} met")
    for row in rows:
        try:
            name, got, target, ok = row()
        except (KeyError, TypeError):
            continue
        print(f"{name:<58} {str(got):<44} {target:<28} {'yes' if ok else 'NO'}")
    sc = r.get("scale_10x")
    if sc:
        print(f"\n10x site ({sc['devices']} devices, {sc['backfill']['readings']:,} readings, "
              f"back-fill {sc['backfill']['rows_per_s']:,} rows/s): " +
              ", ".join(f"{k} {v['median_ms']} ms (p95 {v['p95_ms']})" for k, v in sc.items() if isinstance(v, dict) and "median_ms" in v))
    for path, v in r.get("page_render", {}).items():
        print(f"  page {path:<14} first render (drawn): in-app {v['in_app_ms']:>5} ms   new browser profile {v['full_ms']:>5} ms"
              f"   returning visitor {v.get('returning_ms', '-'):>5} ms"
              f"   floor {v.get('floor_ms', '-'):>5} ms ({v.get('charts', '-')} charts)"
              f"   (last callback answered: {v.get('in_app_answered_ms', '-'):>5} / {v.get('full_answered_ms', '-'):>5} ms)")
    for name, v in r.get("queries", {}).items():
        print(f"  query {name:<46} cold {v['cold']['median_ms']:>8} ms  p95 {v['cold']['p95_ms']:>8}   warm {v['warm']['median_ms']:>6} ms")


if __name__ == "__main__":
    sys.exit(main())

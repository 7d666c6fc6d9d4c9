"""The simulator's HTTP face: one WSGI app, four protocols, and the awkwardness of real servers
(chaos: 500s, 503 HTML pages, 429 with Retry-After, slow answers) at a deterministic rate."""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape as xml_escape

import zlib

import orjson
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Request, Response

from core.i18n import has, t
from core.site import check_sites, load_site
from core.timeutil import to_epoch
from simulator import noise
from simulator.cameras import DEFAULT_LIMIT, MAX_LIMIT, Frigate
from simulator.feedback import Open311
from simulator.feeds import Feed
from simulator.http_server import make_server
from simulator.sta import SensorThings, StaError

log = logging.getLogger(__name__)
MAX_OPEN311_SPAN = 90 * 86400


def _json(data, status: int = 200, headers=None) -> Response:
    return Response(orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY), status=status, mimetype="application/json", headers=headers)


def _snapshot_svg(text: str) -> bytes:
    """A stand-in for a camera's snapshot, marked as simulated; the text is escaped (it is SVG)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180"><rect width="320" height="180" '
            f'fill="#223"/><text x="12" y="96" fill="#ddd" font-family="sans-serif" font-size="14">'
            f'{xml_escape(text)} (mô phỏng)</text></svg>').encode()


def _object_label(label: str) -> str:
    """Frigate's object label as a Vietnamese operator reads it ("xe máy"), or as it came if unknown."""
    key = f"label.{label}"
    return t(key, "vi").lower() if has(key) else str(label)


def commune_seed(seed: int, commune_id: str, first: bool) -> int:
    """The first commune served keeps SIMULATOR_SEED itself (a one-commune deployment's data stays what it
    was); every other commune is seeded by SIMULATOR_SEED and its own id, so its data does not depend on
    which other communes are served beside it."""
    return seed if first else (seed * 1_000_003 + zlib.crc32(commune_id.encode())) % 2**31


class _Cameras:
    """Several communes' Frigate simulations behind one Frigate API (camera names differ by commune)."""

    def __init__(self, parts: list[Frigate]):
        self.parts = parts

    def query(self, args: dict, now: int) -> list[dict]:
        if len(self.parts) == 1:
            return self.parts[0].query(args, now)
        limit = min(int(args.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
        evs = [e for p in self.parts for e in p.query({**args, "limit": str(limit)}, now)]
        evs.sort(key=lambda e: e["start_time"], reverse=True)   # newest first, as Frigate answers
        return evs[:limit]

    def event(self, event_id: str, now: int) -> dict | None:
        return next((e for p in self.parts if (e := p.event(event_id, now)) is not None), None)

    def stats(self, now: int) -> dict:
        out = self.parts[0].stats(now)
        for p in self.parts[1:]:
            out["cameras"].update(p.stats(now)["cameras"])
        return out

    def config(self) -> dict:
        out = self.parts[0].config()
        for p in self.parts[1:]:
            out["cameras"].update(p.config()["cameras"])
        return out


class _Reports:
    """Several communes' Open311 simulations behind one GeoReport v2 endpoint (ids differ by prefix)."""

    def __init__(self, parts: list[Open311]):
        self.parts = parts

    def requests(self, start: int, end: int, now: int, base: str) -> list[dict]:
        return [r for p in self.parts for r in p.requests(start, end, now, base)]   # each commune's in its order

    def by_ids(self, ids: list[str], now: int, base: str) -> list[dict]:
        return [r for p in self.parts for r in p.by_ids([i for i in ids if i.startswith(p.prefix + "-")], now, base)]

    def updates(self, start: int, end: int, now: int) -> list[dict]:
        out = [u for p in self.parts for u in p.updates(start, end, now)]
        return sorted(out, key=lambda x: x["updated_datetime"]) if len(self.parts) > 1 else out


class _Feeds(Feed):
    """Several communes' indicator feeds as one (each row names its commune or village in `scope`)."""

    def __init__(self, parts: list[Feed]):
        self.parts = parts

    def rows(self, now_t: int) -> list[tuple[int, dict]]:
        return [row for p in self.parts for row in p.rows(now_t)]


class SimulatorApp:
    def __init__(self, seed: int, site_file, now_fn: Callable[[], float] | None = None, chaos: float = 0.0):
        """site_file: one commune's site file, or a list of them (SIMULATOR_COMMUNES): one server then
        serves them all, as a city platform would, each commune with its own seed (commune_seed)."""
        paths = list(site_file) if isinstance(site_file, (list, tuple)) else [site_file]
        self.sites = [load_site(p) for p in paths]
        check_sites(self.sites, [Path(p) for p in paths])
        self.site = self.sites[0]
        self.seed = seed
        self.now_fn = now_fn or time.time
        self.chaos = chaos
        seeds = [commune_seed(seed, s.commune.id, i == 0) for i, s in enumerate(self.sites)]
        self.sta = SensorThings(self.site, seed, tuple(zip(self.sites[1:], seeds[1:])))
        self.frigate = _Cameras([Frigate(s, sd) for s, sd in zip(self.sites, seeds)])
        self.open311 = _Reports([Open311(s, sd) for s, sd in zip(self.sites, seeds)])
        self.feed = _Feeds([Feed(s, sd) for s, sd in zip(self.sites, seeds)])
        self.services = list({sv.code: sv for s in self.sites for sv in s.services}.values())
        self._counter = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        return int(self.now_fn())

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._chaos(request) or self.dispatch(request)
        except HTTPException as err:
            response = _json({"message": err.description, "success": False}, err.code or 500)
        except Exception:  # noqa: BLE001 - a server answers 500, it does not die
            log.exception("simulator error on %s", request.path)
            response = _json({"message": "internal error"}, 500)
        return response(environ, start_response)

    def _chaos(self, request: Request) -> Response | None:
        if self.chaos <= 0 or request.path in ("/health", "/"):
            return None
        with self._lock:
            self._counter += 1
            n = self._counter
        u = float(noise.uniform(self.seed, 99_000, [n])[0])
        if u >= self.chaos:
            return None
        kind = int(float(noise.uniform(self.seed, 99_001, [n])[0]) * 4)
        if kind == 0:
            return _json({"message": "Internal Server Error"}, 500)
        if kind == 1:
            return Response("<html><body><h1>503 Service Temporarily Unavailable</h1>nginx</body></html>",
                            status=503, mimetype="text/html")
        if kind == 2:
            return _json({"message": "Too many requests"}, 429, headers={"Retry-After": "1"})
        time.sleep(1.5)  # a slow answer, still correct
        return None

    def dispatch(self, request: Request) -> Response:
        path, args = request.path, request.args.to_dict()
        base = request.host_url.rstrip("/")
        now = self.now()
        if path in ("/", "/health"):
            return _json({"service": "commune-digital-brain-simulator", "simulated": True, "seed": self.seed,
                          "now": now, "site": self.site.commune.id,
                          "communes": [s.commune.id for s in self.sites],
                          "endpoints": ["/sta/v1.1", "/frigate/api", "/open311/v2", "/feeds/indicators.json"]})
        if path.startswith("/sta/v1.1"):
            try:
                return _json(self.sta.handle(path[len("/sta/v1.1"):], args, f"{base}/sta/v1.1", path, now))
            except StaError as err:
                return _json({"code": err.status, "type": "error", "message": err.message}, err.status)
        if path.startswith("/frigate/api"):
            return self._frigate(path[len("/frigate/api"):], args, now, base)
        if path.startswith("/open311/v2"):
            return self._open311(path[len("/open311/v2"):], args, now, base)
        if path.startswith("/feeds/indicators."):
            since = to_epoch(args["updated_since"]) if args.get("updated_since") else None
            ext = path.rsplit(".", 1)[1]
            if ext == "json":
                return _json(self.feed.json(since, now))
            if ext == "csv":
                return Response(self.feed.csv(since, now), mimetype="text/csv; charset=utf-8")
            if ext == "xlsx":
                return Response(self.feed.xlsx(since, now),
                                mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        raise NotFound()

    def _frigate(self, path: str, args: dict, now: int, base: str) -> Response:
        if path == "/version":
            return Response("0.14.1-sim", mimetype="text/plain")
        if path == "/stats":
            return _json(self.frigate.stats(now))
        if path == "/config":
            return _json(self.frigate.config())
        if path == "/events":
            try:
                return _json(self.frigate.query(args, now))
            except ValueError as err:
                return _json({"success": False, "message": str(err)}, 400)
        if path.startswith("/events/"):
            rest = path[len("/events/"):]
            event_id, _, tail = rest.partition("/")
            event = self.frigate.event(event_id, now)
            if event is None:
                return _json({"success": False, "message": "Event not found"}, 404)
            if tail in ("snapshot.jpg", "thumbnail.jpg"):
                return Response(_snapshot_svg(f"{event['camera']} · {_object_label(event['label'])}"), mimetype="image/svg+xml")
            return _json(event)
        raise NotFound()

    def _open311(self, path: str, args: dict, now: int, base: str) -> Response:
        o_base = f"{base}/open311/v2"
        if path == "/discovery.json":
            return _json({"changeset": "2025-01-01T00:00:00+07:00", "contact": f"{self.site.report.issuer} (mô phỏng)",
                          "simulated": True, "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                                                            "url": o_base, "formats": ["application/json"]}]})
        if path == "/services.json":
            return _json([{"service_code": s.code, "service_name": s.name, "description": s.name_en,
                           "metadata": False, "type": "realtime", "keywords": "", "group": s.group}
                          for s in self.services])
        if path.startswith("/media/"):
            return Response(_snapshot_svg("Ảnh phản ánh"), mimetype="image/svg+xml")
        if path == "/servicerequestupdates.json":
            start, end = self._window(args, now)
            return _json(self.open311.updates(start, end, now))
        if path.startswith("/requests/") and path.endswith(".json"):
            rid = path[len("/requests/"):-5]
            found = self.open311.by_ids([rid], now, o_base)
            if not found:
                return _json([{"code": 404, "description": f"service_request_id {rid} not found"}], 404)
            return _json(found)
        if path != "/requests.json":
            raise NotFound()
        if args.get("service_request_id"):
            ids = [i.strip() for i in args["service_request_id"].split(",") if i.strip()]
            return _json(self.open311.by_ids(ids, now, o_base))
        try:
            start, end = self._window(args, now)
        except ValueError as err:
            return _json([{"code": 400, "description": str(err)}], 400)
        if end - start > MAX_OPEN311_SPAN:
            return _json([{"code": 400, "description": "start_date and end_date span more than 90 days"}], 400)
        items = self.open311.requests(start, end, now, o_base)
        codes = {s.code for s in self.services}
        if args.get("service_code"):
            wanted = set(args["service_code"].split(","))
            if not wanted <= codes:
                return _json([{"code": 404, "description": "service_code not found"}], 404)
            items = [r for r in items if r["service_code"] in wanted]
        if args.get("status"):
            statuses = set(args["status"].split(","))
            items = [r for r in items if r["status"] in statuses]
        page_size = min(int(args.get("page_size") or 1000), 1000)
        page = max(1, int(args.get("page") or 1))
        if not (args.get("start_date") or args.get("end_date")):
            items = items[-1000:]
        return _json(items[(page - 1) * page_size: page * page_size])

    @staticmethod
    def _window(args: dict, now: int) -> tuple[int, int]:
        end = to_epoch(args["end_date"]) if args.get("end_date") else now + 1
        start = to_epoch(args["start_date"]) if args.get("start_date") else end - MAX_OPEN311_SPAN
        if end < start:
            raise ValueError("end_date is before start_date")
        return start, end


def make_app(seed: int, site_file, now_fn=None, chaos: float | None = None) -> SimulatorApp:
    if chaos is None:
        chaos = float(os.environ.get("SIMULATOR_CHAOS", "0.02"))
    return SimulatorApp(seed, site_file, now_fn=now_fn, chaos=chaos)


def start_in_thread(host: str = "127.0.0.1", port: int = 0, seed: int = 766, site_file=None,
                    now_fn=None, chaos: float = 0.0, mqtt_url: str | None = None):
    """The simulator on a thread (tests, bench). With mqtt_url it also publishes each new Observation
    there (server.publisher), as a FROST-Server with its MQTT extension does."""
    from core.settings import get_settings
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = make_app(seed, site_file or get_settings().simulator_site_files(), now_fn=now_fn, chaos=chaos)
    server = make_server(host, port, app)
    thread = threading.Thread(target=server.serve_forever, name="simulator", daemon=True)
    thread.start()
    base = f"http://{host}:{server.server_port}"
    server.publisher = _publisher(app, mqtt_url, base)
    return server, base


def _publisher(app: SimulatorApp, mqtt_url: str | None, base: str):
    if not mqtt_url:
        return None
    from simulator.mqtt import ObservationPublisher
    return ObservationPublisher(app.sta, mqtt_url, f"{base}/sta/v1.1", now_fn=app.now_fn).start()


def run_forever(host: str, port: int, seed: int, site_file: Path) -> None:
    from core.settings import get_settings
    settings = get_settings()
    app = make_app(seed, site_file)
    mqtt_url = settings.simulator_mqtt_url or settings.mqtt_url
    print(f"Simulator (simulated data, seed {seed}, chaos {app.chaos}) on http://{host}:{port}"
          + (f"; Observations published over MQTT to {mqtt_url.split('@')[-1]}" if mqtt_url else ""), flush=True)
    _publisher(app, mqtt_url, f"http://{host}:{port}")
    make_server(host, port, app).serve_forever()

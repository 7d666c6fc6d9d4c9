"""OGC SensorThings API v1.1, answered the way FROST-Server answers: entity sets with @iot.id and
@iot.selfLink, $top (default 100, capped at MAX_TOP as FROST caps it at its maxTop setting: a client asking
for more gets MAX_TOP and an @iot.nextLink), $skip, $count, $orderby, $expand, a $filter on
phenomenonTime, absolute @iot.nextLink, JSON errors with 400/404."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

import numpy as np

from core.settings import get_settings
from core.site import Site
from core.timeutil import parse_time
from simulator.sensors import Datastream, datastreams, observations

DEFAULT_TOP = 100
MAX_TOP = 5000       # below what our adapter asks for (10,000), so every long window pages by nextLink
_TZ7 = timezone(timedelta(hours=7))
_COND = re.compile(r"^\s*phenomenonTime\s+(ge|gt|lt|le|eq)\s+([0-9T:.\-+Z]+)\s*$", re.I)


class StaError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def fmt_time(t: int, style: str) -> str:
    if style == "Z":
        return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return datetime.fromtimestamp(int(t), _TZ7).isoformat()


def observation_entity(ds: Datastream, k: int, t: int, result, result_t: int, base: str) -> dict:
    """One Observation as the HTTP API answers it and the MQTT extension publishes it (the same entity)."""
    pt = fmt_time(t, ds.offset_style)
    if ds.interval:
        pt = f"{pt}/{fmt_time(t + ds.step, ds.offset_style)}"
    oid = int(ds.id * 10**9 + k)
    return {"@iot.id": oid, "@iot.selfLink": f"{base}/Observations({oid})", "phenomenonTime": pt,
            "resultTime": None if k % 97 == 0 else fmt_time(result_t, ds.offset_style), "result": result}


def fmt_times(t: np.ndarray, style: str) -> list[str]:
    """fmt_time over an array of epoch seconds, formatted by numpy in one call."""
    if style == "Z":
        return [f"{x}Z" for x in np.datetime_as_string(np.asarray(t, dtype="int64").astype("datetime64[s]"), unit="s")]
    local = np.datetime_as_string((np.asarray(t, dtype="int64") + 7 * 3600).astype("datetime64[s]"), unit="s")
    return [f"{x}+07:00" for x in local]


class SensorThings:
    def __init__(self, site: Site, seed: int, more: tuple[tuple[Site, int], ...] = ()):
        """One server for `site` and, with `more`, for other communes too (site, seed): their Datastream
        ids start at 1000, 2000, ... and each commune's observations come from its own seed."""
        self.site, self.seed = site, seed
        self.streams, self.seeds, self.things = [], {}, {}
        for k, (one, one_seed) in enumerate(((site, seed), *more)):
            streams = datastreams(one, get_settings().simulator_step_s, first_id=1000 * k)
            self.streams += streams
            self.seeds.update({d.id: one_seed for d in streams})
            self.things.update({int(d.external_id): d for d in one.devices
                                if d.source == "sensorthings" and d.external_id})
        self.by_id = {d.id: d for d in self.streams}
        self._now = 0

    # --- entities -------------------------------------------------------------------------------
    def _thing(self, tid: int, base: str, expand: str) -> dict:
        dev = self.things[tid]
        out = {"@iot.id": tid, "@iot.selfLink": f"{base}/Things({tid})", "name": dev.name,
               "description": f"{dev.kind} {dev.id}",
               "properties": {"village": dev.village, "kind": dev.kind, "code": dev.id, "simulated": True}}
        if "Locations" in expand:
            loc = {"@iot.id": tid, "name": dev.name, "encodingType": "application/geo+json",
                   "location": ({"type": "Point", "coordinates": [dev.lon, dev.lat]}
                                if dev.lat is not None and dev.lon is not None else None)}
            out["Locations"] = [loc] if tid % 11 != 10 else []   # one Thing without a Location
        if "Datastreams" in expand:
            with_op = "ObservedProperty" in expand
            out["Datastreams"] = [self._datastream(d, base, with_op) for d in self.streams if d.thing_id == tid]
        return out

    def _datastream(self, d: Datastream, base: str, with_op: bool = False, with_thing: bool = False) -> dict:
        out = {"@iot.id": d.id, "@iot.selfLink": f"{base}/Datastreams({d.id})",
               "name": f"{self.things[d.thing_id].name} – {d.property_name}",
               "description": f"{d.property_name}, {d.step // 60} phút/lần",
               "unitOfMeasurement": {"name": d.unit_name, "symbol": d.unit_symbol,
                                     "definition": f"http://unitsofmeasure.org/ucum.html#{d.unit_symbol}"},
               "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
               "properties": {"simulated": True},
               # FROST keeps a Datastream's phenomenonTime as the span of its observations
               "phenomenonTime": f"{fmt_time(self._now - 400 * 86400, 'Z')}/{fmt_time(self._now, 'Z')}",
               "Observations@iot.navigationLink": f"{base}/Datastreams({d.id})/Observations"}
        if with_op:
            out["ObservedProperty"] = {"@iot.id": d.id, "name": d.property_name, "description": ""}
            if d.definition:
                out["ObservedProperty"]["definition"] = d.definition
        if with_thing:
            out["Thing"] = {"@iot.id": d.thing_id, "name": self.things[d.thing_id].name}
        return out

    # --- dispatch -------------------------------------------------------------------------------
    def handle(self, path: str, args: dict, base: str, url_path: str, now: int) -> dict:
        self._now = now
        top = self._int(args.get("$top"), DEFAULT_TOP, "$top")
        top = max(0, min(top, MAX_TOP))
        skip = max(0, self._int(args.get("$skip"), 0, "$skip"))
        expand = args.get("$expand", "")
        count = args.get("$count", "false").lower() == "true"
        if path in ("", "/"):
            return {"value": [{"name": n, "url": f"{base}/{n}"} for n in
                              ("Things", "Locations", "Datastreams", "ObservedProperties", "Observations")],
                    "serverSettings": {"conformance": ["http://www.opengis.net/spec/iot_sensing/1.1/req/core"],
                                       "simulated": True}}
        m = re.fullmatch(r"/Things(?:\((\d+)\))?(/Datastreams)?", path)
        if m:
            if m.group(1):
                tid = int(m.group(1))
                if tid not in self.things:
                    raise StaError(404, "Nothing found.")
                if m.group(2):
                    items = [self._datastream(d, base, "ObservedProperty" in expand)
                             for d in self.streams if d.thing_id == tid]
                    return self._page(items, top, skip, count, base, url_path, args)
                return self._thing(tid, base, expand)
            items = [self._thing(tid, base, expand) for tid in sorted(self.things)]
            return self._page(items, top, skip, count, base, url_path, args)
        m = re.fullmatch(r"/Datastreams(?:\((\d+)\))?(/Observations|/Thing|/ObservedProperty)?", path)
        if m:
            if not m.group(1):
                items = [self._datastream(d, base, "ObservedProperty" in expand, "Thing" in expand)
                         for d in self.streams]
                return self._page(items, top, skip, count, base, url_path, args)
            ds = self.by_id.get(int(m.group(1)))
            if ds is None:
                raise StaError(404, "Nothing found.")
            if m.group(2) == "/Observations":
                return self._observations(ds, args, top, skip, count, base, url_path, now)
            if m.group(2) == "/Thing":
                return self._thing(ds.thing_id, base, expand)
            if m.group(2) == "/ObservedProperty":
                return self._datastream(ds, base, True)["ObservedProperty"]
            return self._datastream(ds, base, "ObservedProperty" in expand, "Thing" in expand)
        if path == "/Locations":
            items = [self._thing(tid, base, "Locations").get("Locations", []) for tid in sorted(self.things)]
            return self._page([loc for locs in items for loc in locs if loc], top, skip, count, base, url_path, args)
        if path == "/ObservedProperties":
            seen = {}
            for d in self.streams:
                seen.setdefault(d.property_name, {"@iot.id": len(seen) + 1, "name": d.property_name})
            return self._page(list(seen.values()), top, skip, count, base, url_path, args)
        raise StaError(404, f"Not a valid path: {path}")

    @staticmethod
    def _int(raw, default: int, name: str) -> int:
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise StaError(400, f"Failed to parse {name}: {raw}") from None

    def _page(self, items: list, top: int, skip: int, count: bool, base: str, url_path: str, args: dict,
              total: int | None = None) -> dict:
        """items is the whole set, or (total given) the page already cut."""
        page = items[skip:skip + top] if total is None else items
        total = len(items) if total is None else total
        out: dict = {}
        if count:
            out["@iot.count"] = total
        if skip + top < total:
            nxt = dict(args)
            nxt["$skip"] = str(skip + top)
            nxt["$top"] = str(top)
            out["@iot.nextLink"] = f"{base.removesuffix('/sta/v1.1')}{url_path}?{urlencode(nxt)}"
        out["value"] = page
        return out

    def _observations(self, ds: Datastream, args: dict, top: int, skip: int, count: bool, base: str,
                      url_path: str, now: int) -> dict:
        start, end = now - 400 * 86400, now + 1
        flt = args.get("$filter")
        if flt:
            for cond in re.split(r"\s+and\s+", flt.strip(), flags=re.I):
                m = _COND.match(cond)
                if not m:
                    raise StaError(400, f"Failed to parse $filter: {flt[:200]}")
                try:
                    t = int(parse_time(m.group(2)).timestamp())
                except ValueError:
                    raise StaError(400, f"Failed to parse time in $filter: {m.group(2)}") from None
                op = m.group(1).lower()
                if op == "ge":
                    start = max(start, t)
                elif op == "gt":
                    start = max(start, t + 1)
                elif op == "lt":
                    end = min(end, t)
                elif op == "le":
                    end = min(end, t + 1)
                else:
                    start, end = max(start, t), min(end, t + 1)
        order = args.get("$orderby", "").lower().replace("%20", " ")
        desc = "desc" in order
        k, t, result, result_t = observations(self.seeds[ds.id], ds, start, end, now)
        idx = np.arange(len(k))
        if desc:
            idx = idx[::-1]
        sel = idx[skip:skip + top]
        # the page's times formatted in bulk (numpy), not one strftime per observation and field; the same
        # entities as observation_entity() (the MQTT face), tested in tests/integration/simulator
        starts = fmt_times(t[sel], ds.offset_style)
        ends = fmt_times(t[sel] + ds.step, ds.offset_style) if ds.interval else None
        results_t = fmt_times(result_t[sel], ds.offset_style)
        ids = (ds.id * 10**9 + k[sel]).tolist()
        no_result_t = (k[sel] % 97 == 0).tolist()
        values = []
        for j, i in enumerate(sel.tolist()):
            values.append({"@iot.id": ids[j],
                           "@iot.selfLink": f"{base}/Observations({ids[j]})",
                           "phenomenonTime": f"{starts[j]}/{ends[j]}" if ends is not None else starts[j],
                           "resultTime": None if no_result_t[j] else results_t[j],
                           "result": result[i]})
        return self._page(values, top, skip, count, base, url_path, args, total=len(k))

"""OGC SensorThings API v1.1 (FROST-Server is the reference): discover Things/Locations/Datastreams,
then page each Datastream's Observations by @iot.nextLink with a $filter on phenomenonTime."""
from __future__ import annotations

import logging
import math
import time
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from urllib.parse import urljoin

from core.errors import SourceUnavailable
from core.timeutil import parse_time
from data_sources.base import Adapter
from domain.parameters import PARAMETERS
from ingest.records import DatastreamInfo, Observation, Rejected, excerpt

log = logging.getLogger(__name__)
PAGE_SIZE = 1000
MAX_PAGES = 10_000          # per datastream and poll: a guard against servers that never stop
DISCOVERY_TTL_S = 1800
FUTURE_SLACK_S = 3600

# ObservedProperty names as other servers write them -> our parameter codes.
ALIASES = {"pm2.5": "pm25", "pm2_5": "pm25", "pm 2.5": "pm25", "pm10": "pm10", "dissolved oxygen": "do",
           "dissolved_oxygen": "do", "oxy hòa tan": "do", "temperature": "water_temp", "water temperature": "water_temp",
           "nhiệt độ nước": "water_temp", "salinity": "salinity", "độ mặn": "salinity", "ph": "ph", "ozone": "o3",
           "carbon monoxide": "co", "sulfur dioxide": "so2", "sulphur dioxide": "so2", "nitrogen dioxide": "no2",
           "ammonia": "nh3", "hydrogen sulfide": "h2s", "nitrite": "nitrite", "water level": "water_level",
           "mực nước": "water_level", "rainfall": "rainfall", "precipitation": "rainfall", "lượng mưa": "rainfall",
           "air temperature": "air_temp", "relative humidity": "humidity", "humidity": "humidity"}


def parameter_code(name: str | None) -> str | None:
    if not name:
        return None
    key = unicodedata.normalize("NFC", str(name)).strip().lower()
    if key in PARAMETERS:
        return key
    return ALIASES.get(key)


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class SensorThingsAdapter(Adapter):
    name = "sensorthings"
    protocol = "OGC SensorThings API v1.1"
    lateness_s = 6 * 3600

    def __init__(self, base_url, client=None, source=None):
        super().__init__(base_url, client, source)
        self._streams: dict[str, DatastreamInfo] = {}
        self._discovered_at = 0.0
        self.simulated = False

    # --- discovery --------------------------------------------------------------------------------
    def discover(self, force: bool = False) -> list[DatastreamInfo | Rejected]:
        if self._streams and not force and time.monotonic() - self._discovered_at < DISCOVERY_TTL_S:
            return list(self._streams.values())
        out: list[DatastreamInfo | Rejected] = []
        streams: dict[str, DatastreamInfo] = {}
        url = f"{self.base_url}/Things"
        params = {"$expand": "Locations,Datastreams($expand=ObservedProperty)", "$top": "100"}
        for thing in self._pages(url, params):
            if not isinstance(thing, dict) or "@iot.id" not in thing:
                out.append(Rejected(self.source, "thing", "missing_field", "Thing without @iot.id", excerpt(thing)))
                continue
            props = thing.get("properties") or {}
            if not isinstance(props, dict):
                props = {}
            if props.get("simulated"):
                self.simulated = True
            lat = lon = None
            for loc in thing.get("Locations") or []:
                geo = (loc or {}).get("location") or {}
                coords = geo.get("coordinates") if isinstance(geo, dict) else None
                if geo.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
                    try:
                        lon, lat = float(coords[0]), float(coords[1])   # GeoJSON: longitude first
                    except (TypeError, ValueError):
                        lat = lon = None
                    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
                        lat = lon = None
                    break
            for ds in thing.get("Datastreams") or []:
                ds_id = (ds or {}).get("@iot.id")
                op = (ds or {}).get("ObservedProperty") or {}
                parameter = parameter_code(op.get("name") if isinstance(op, dict) else None)
                if ds_id is None:
                    out.append(Rejected(self.source, "datastream", "missing_field", "Datastream without @iot.id",
                                        excerpt(ds)))
                    continue
                if parameter is None:
                    out.append(Rejected(self.source, "datastream", "unknown_parameter",
                                        f"ObservedProperty {op.get('name') if isinstance(op, dict) else op!r}",
                                        excerpt(ds), record_key=f"ds:{ds_id}"))
                    continue
                uom = ds.get("unitOfMeasurement") or {}
                info = DatastreamInfo(self.source, str(ds_id), str(thing["@iot.id"]),
                                      unicodedata.normalize("NFC", str(thing.get("name") or f"Thing {thing['@iot.id']}")),
                                      parameter, uom.get("symbol") if isinstance(uom, dict) else None, lat, lon,
                                      dict(props))
                streams[info.datastream_id] = info
                out.append(info)
        self._streams, self._discovered_at = streams, time.monotonic()
        return out

    def _pages(self, url: str, params: dict | None) -> Iterator[dict]:
        """Every item of an entity set, following @iot.nextLink (absolute or relative) until absent."""
        seen: set[str] = set()
        pages = 0
        while url:
            page = self.client.get_json(url, params)
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise SourceUnavailable(f"not a SensorThings collection at {url}: {excerpt(page)[:200]}")
            yield from page["value"]
            nxt = page.get("@iot.nextLink")
            if not nxt:
                return
            nxt = urljoin(url, nxt)
            if nxt in seen:
                raise SourceUnavailable(f"@iot.nextLink loops at {nxt[:200]}")
            seen.add(nxt)
            pages += 1
            if pages >= MAX_PAGES:
                raise SourceUnavailable(f"more than {MAX_PAGES} pages at {url[:200]}")
            url, params = nxt, None

    # --- observations -----------------------------------------------------------------------------
    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()):
        infos = self.discover()
        yield from infos
        for info in [i for i in infos if isinstance(i, DatastreamInfo)]:
            yield from self.observations(info.datastream_id, since, until)

    def observations(self, datastream_id: str, since: int, until: int) -> Iterator[Observation | Rejected]:
        url = f"{self.base_url}/Datastreams({datastream_id})/Observations"
        params = {"$filter": f"phenomenonTime ge {iso(since)} and phenomenonTime lt {iso(until)}",
                  "$orderby": "phenomenonTime asc", "$top": str(PAGE_SIZE),
                  "$select": "@iot.id,phenomenonTime,resultTime,result"}
        seen: set[int] = set()
        horizon = max(until, int(time.time())) + FUTURE_SLACK_S
        for raw in self._pages(url, params):
            item = self.parse_observation(datastream_id, raw, horizon)
            if isinstance(item, Observation):
                if item.t in seen:
                    yield Rejected(self.source, "reading", "duplicate", "same phenomenonTime twice in one poll",
                                   excerpt(raw), f"{datastream_id}@{item.t}")
                    continue
                seen.add(item.t)
            yield item

    def parse_observation(self, datastream_id: str, raw, horizon: int) -> Observation | Rejected:
        key = f"{datastream_id}@{raw.get('phenomenonTime') if isinstance(raw, dict) else '?'}"
        if not isinstance(raw, dict):
            return Rejected(self.source, "reading", "wrong_type", "observation is not an object", excerpt(raw), key)
        pt = raw.get("phenomenonTime")
        if not isinstance(pt, str) or not pt:
            return Rejected(self.source, "reading", "bad_time", "phenomenonTime missing", excerpt(raw), key)
        try:
            t = int(parse_time(pt.split("/")[0]).timestamp())   # interval "start/end": key on the start
        except ValueError as err:
            return Rejected(self.source, "reading", "bad_time", str(err), excerpt(raw), key)
        if t > horizon:
            return Rejected(self.source, "reading", "far_future", f"phenomenonTime {pt} is in the future",
                            excerpt(raw), key)
        result = raw.get("result")
        if result is None:
            return Rejected(self.source, "reading", "null_result", "result is null (not reported)", excerpt(raw), key)
        if isinstance(result, bool) or isinstance(result, (dict, list)):
            return Rejected(self.source, "reading", "wrong_type", f"result is {type(result).__name__}", excerpt(raw), key)
        if isinstance(result, str):
            try:
                result = float(result.strip().replace(",", ".")) if result.strip().lower() != "nan" else math.nan
            except ValueError:
                return Rejected(self.source, "reading", "wrong_type", f"result {result[:40]!r} is not a number",
                                excerpt(raw), key)
        value = float(result)
        if not math.isfinite(value):
            return Rejected(self.source, "reading", "nan_result", "result is NaN or infinite", excerpt(raw), key)
        rt = raw.get("resultTime")
        try:
            result_t = int(parse_time(rt).timestamp()) if rt else None
        except ValueError:
            result_t = None
        return Observation(self.source, datastream_id, t, value, result_t)

    def ping(self) -> dict:
        data = self.client.get_json(self.base_url)
        return {"ok": True, "simulated": bool((data.get("serverSettings") or {}).get("simulated"))
                if isinstance(data, dict) else False}

"""A SensorThings server configured by someone else, answering like FROST-Server: properties named
freely in Vietnamese (with diacritics and abbreviations in parentheses) and English, `definition` URIs,
units the dashboard must convert (a river gauge in cm, °F, CO in mg/m³), interval phenomenonTimes,
null, "NaN" and -9999, a page cap with absolute @iot.nextLink, and a page that repeats the last
observation of the one before. Each observation says what the store must hold for it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakeserver import Answer, FakeServer

T0 = int(datetime(2025, 6, 12, 1, 0, tzinfo=timezone.utc).timestamp())   # 08:00 in Huế
NOW = T0 + 6 * 3600
MAX_TOP = 4                      # FROST's serviceRootUrl/maxTop, small to force paging


def z(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Obs:
    id: int
    start: int
    end: int | None          # None = an instant
    result: object
    expect: float | None     # value stored, in our unit (None = rejected)

    @property
    def key_t(self) -> int:
        return self.end if self.end is not None else self.start


@dataclass
class Stream:
    id: int
    thing: object
    name: str
    definition: str | None
    unit: dict
    expect_parameter: str | None
    obs: list[Obs] = field(default_factory=list)


THINGS = {
    901: {"name": "Trạm quan trắc ao tôm – HTX Quảng Thọ", "coords": [107.541, 16.552]},
    902: {"name": "Trạm không khí chợ Quảng Thọ", "coords": [107.529, 16.544]},
    "song-bo": {"name": "Trạm thủy văn sông Bồ (Phú Ốc)", "coords": [107.506, 16.539]},
    904: {"name": "Bộ ghi dữ liệu <b>#4</b>", "coords": [107.55, 16.55]},
}


def _series(ds_id: int, step: int, values, convert=lambda v: v, interval: bool = False, start: int = T0):
    out = []
    for i, raw in enumerate(values):
        s = start + i * step
        valid = isinstance(raw, (int, float)) and raw != -9999
        out.append(Obs(ds_id * 1000 + i, s, s + step if interval else None, raw,
                       round(convert(float(raw)), 6) if valid else None))
    return out


def streams() -> list[Stream]:
    q = "https://qudt.org/vocab/quantitykind/"
    out = [
        Stream(101, 901, "Oxy hòa tan (DO)", "https://vocab.quantrac.vn/op/do",
               {"name": "miligam trên lít", "symbol": "mg/L", "definition": "http://unitsofmeasure.org/ucum.html#mg/L"},
               "do"),
        Stream(102, 901, "Nhiệt độ nước", q + "Temperature", {"name": "Degree Celsius", "symbol": "Cel"}, "water_temp"),
        Stream(103, 901, "Độ mặn (‰)", None, {"name": "practical salinity unit", "symbol": "PSU"}, "salinity"),
        Stream(201, 902, "Bụi PM2.5", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/6001",
               {"name": "microgram per cubic meter", "symbol": "µg/m³"}, "pm25"),
        Stream(202, 902, "Bụi PM10", "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5",
               {"name": "microgram per cubic meter", "symbol": "ug/m3"}, "pm10"),
        Stream(203, 902, "Nhiệt độ không khí",
               "http://www.qudt.org/qudt/owl/1.0.0/quantity/Instances.html#AreaTemperature",
               {"name": "degree Fahrenheit", "symbol": "[degF]"}, "air_temp"),
        Stream(204, 902, "Độ ẩm không khí", q + "RelativeHumidity", {"name": "percent", "symbol": "%"}, "humidity"),
        Stream(205, 902, "Cacbon monoxit (CO)", None, {"name": "milligram per cubic metre", "symbol": "mg/m3"}, "co"),
        Stream(301, "song-bo", "Mực nước sông", "http://vocab.example.org/hydro/water_level",
               {"name": "centimetre", "symbol": "cm"}, "water_level"),
        Stream(302, "song-bo", "Lượng mưa (10 phút)", "urn:ogc:def:property:OGC:rainfall",
               {"name": "millimetre", "symbol": "mm"}, "rainfall"),
        Stream(401, 904, "Điện áp pin (V)", None, {"name": "volt", "symbol": "V"}, None),
        Stream(402, 904, "Nhiệt độ", None, {"name": "Degree Celsius", "symbol": "°C"}, None),
    ]
    by = {s.id: s for s in out}
    by[101].obs = _series(101, 600, [5.61, 5.8, None, 6.02, "NaN", 6.4, 6.55, -9999, 6.7])
    by[102].obs = _series(102, 600, [28.1, 28.3, 28.6, 28.9, 29.2])
    by[103].obs = _series(103, 1800, [15.2, 15.0, 14.9])
    # hourly means: the interval "08:00/09:00" is keyed 09:00, when the mean is known
    by[201].obs = _series(201, 3600, [31.5, 28.2, None, 40.1, 36.0], interval=True)
    by[202].obs = _series(202, 3600, [52.0, 47.5, 63.2, 58.8], interval=True)
    by[203].obs = _series(203, 900, [82.4, 84.2, 86.0, "NaN", 87.8], convert=lambda f: (f - 32) * 5 / 9)
    by[204].obs = _series(204, 900, [81, 79, 77, 75])
    by[205].obs = _series(205, 3600, [0.9, 1.25, 1.1], convert=lambda v: v * 1000)
    by[301].obs = _series(301, 600, [152, 154, 157, -9999, 161, None, 166, "NaN", 171, 175],
                          convert=lambda cm: cm / 100)
    # rain: an instant reading of 0 at 08:00, then 10-minute totals "08:00/08:10", ... Keyed on the
    # start, the first total would collide with the instant; keyed on the end, all five are distinct.
    by[302].obs = [Obs(302000, T0, None, 0.0, 0.0)] + [
        Obs(302001 + i, T0 + i * 600, T0 + (i + 1) * 600, v, v) for i, v in enumerate([1.2, 0.4, 0.0, 2.6])]
    by[401].obs = _series(401, 600, [12.6, 12.5, 12.5])
    by[402].obs = _series(402, 600, [27.0, 27.4, 27.9])
    return out


def _filter(flt: str | None, obs: list[Obs]) -> list[Obs]:
    """FROST's comparison of phenomenonTime with an instant: `ge` on the start, `lt` on the end."""
    if not flt:
        return obs
    out = obs
    for op, value in re.findall(r"phenomenonTime\s+(ge|lt)\s+(\S+)", flt):
        t = int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        out = [o for o in out if (o.start >= t if op == "ge" else (o.end or o.start) < t + (1 if o.end else 0))]
    return out


class FakeSta:
    def __init__(self, data: list[Stream] | None = None, repeat_last_on_next_page: bool = True):
        self.data = data or streams()
        self.by_id = {s.id: s for s in self.data}
        self.repeat = repeat_last_on_next_page
        self.server = FakeServer()
        self.url = f"{self.server.url}/FROST-Server/v1.1"
        self.server.on("*", self._answer)

    def close(self):
        self.server.close()

    def _page(self, items: list, path: str, query: dict) -> dict:
        top = min(int(query.get("$top", ["100"])[0]), MAX_TOP)
        skip = int(query.get("$skip", ["0"])[0])
        page = items[skip:skip + top]
        out: dict = {}
        if skip + top < len(items):
            nxt = {k: v[0] for k, v in query.items()}
            # a server that repeats the last item of a page at the top of the next (same @iot.id)
            nxt["$skip"], nxt["$top"] = str(skip + top - (1 if self.repeat and skip + top > 1 else 0)), str(top)
            if nxt["$skip"] == str(skip):
                nxt["$skip"] = str(skip + top)
            out["@iot.nextLink"] = f"{self.server.url}{path}?{urlencode(nxt)}"
        out["value"] = page
        return out

    def _datastream(self, s: Stream) -> dict:
        times = [o.start for o in s.obs] + [o.end or o.start for o in s.obs]
        return {"@iot.id": s.id, "@iot.selfLink": f"{self.url}/Datastreams({s.id})", "name": f"DS {s.id}",
                "description": "", "unitOfMeasurement": s.unit,
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "phenomenonTime": f"{z(min(times))}/{z(max(times))}" if times else None,
                "ObservedProperty": {"@iot.id": s.id, "name": s.name, "description": "",
                                     **({"definition": s.definition} if s.definition else {})}}

    def _answer(self, raw_path: str) -> Answer:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query)
        path = parts.path
        rel = path.removeprefix("/FROST-Server/v1.1")
        if rel in ("", "/"):
            return Answer({"value": [{"name": "Things", "url": f"{self.url}/Things"}]})
        if rel == "/Things":
            things = [{"@iot.id": tid, "name": th["name"], "description": "", "properties": {},
                       "Locations": [{"location": {"type": "Point", "coordinates": th["coords"]}}],
                       "Datastreams": [self._datastream(s) for s in self.data if s.thing == tid]}
                      for tid, th in THINGS.items()]
            return Answer(self._page(things, path, query))
        m = re.fullmatch(r"/Datastreams\((\d+)\)/Observations", rel)
        if m and int(m.group(1)) in self.by_id:
            s = self.by_id[int(m.group(1))]
            obs = sorted(_filter(query.get("$filter", [None])[0], s.obs), key=lambda o: o.start,
                         reverse="desc" in query.get("$orderby", [""])[0])
            items = [{"@iot.id": o.id, "@iot.selfLink": f"{self.url}/Observations({o.id})",
                      "phenomenonTime": z(o.start) if o.end is None else f"{z(o.start)}/{z(o.end)}",
                      "resultTime": z(o.end or o.start), "result": o.result} for o in obs]
            return Answer(self._page(items, path, query))
        return Answer(json.dumps({"code": 404, "type": "error", "message": "Nothing found."}), status=404)

    def expected(self, ds_id: int) -> dict[int, float]:
        return {o.key_t: o.expect for o in self.by_id[ds_id].obs if o.expect is not None}

"""OGC SensorThings API v1.1 (FROST-Server is the reference): discover Things/Locations/Datastreams,
then page each Datastream's Observations by @iot.nextLink with a $filter on phenomenonTime.

Servers configured by other people name ObservedProperties freely: what a Datastream measures is read
by domain/vocabulary.py (definition URI, normalised name, declared unit), and an explicit mapping in the
site file (`datastreams:`) overrides that guess. A Datastream nobody can place is still reported, with a
few sample values, so the operator can map it; its history is fetched once it is mapped (ingest keeps a
watermark per Datastream)."""
from __future__ import annotations

import logging
import math
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from itertools import repeat
from operator import itemgetter
from urllib.parse import urljoin

import numpy as np

from core.errors import SourceUnavailable
from core.timeutil import parse_time
from data_sources.base import Adapter
from data_sources.http import origin, plain, safe_url, shape
from domain.parameters import canonical_unit
from domain.vocabulary import fold, match_parameter, unit_symbol
from ingest.records import DatastreamInfo, Observation, ObservationBatch, Rejected, excerpt

log = logging.getLogger(__name__)
# Asked for; a server caps $top at its own maximum (FROST's maxTop) and then pages by @iot.nextLink, which
# _pages follows: a smaller cap costs requests, never observations.
PAGE_SIZE = 10_000


def _epoch_of(text) -> int:
    """Epoch seconds of one ISO time. The shapes nearly every server sends (2025-01-01T00:00:00Z, with
    milliseconds, or with an offset +07:00) go through the C parser, which reads them the same way at a
    fraction of the cost of the general one: a year's back-fill is millions of these. Anything else
    (and any offset parse_time would refuse) takes parse_time."""
    n = len(text) if isinstance(text, str) else 0
    if n >= 20 and text[10] == "T" and (
            (text[-1] == "Z" and n in (20, 24)) or (n == 25 and text[19] in "+-" and text[22] == ":" and text[20:22] <= "14")):
        try:
            return int(datetime.fromisoformat(text).timestamp())
        except ValueError:
            pass
    return int(parse_time(text).timestamp())


def _result_time(rt) -> int | None:
    """resultTime as both paths of parse_observation read it: unknown (None) when absent or unreadable."""
    try:
        return _epoch_of(rt) if rt else None
    except ValueError:
        return None


def observation_from(source: str, datastream_id: str, t: int, value: float, raw: dict) -> Observation:
    """The Observation parse_observation makes of `raw` once its time and value are read (ObservationBatch)."""
    obs_id = raw.get("@iot.id")
    return Observation(source, datastream_id, t, value, _result_time(raw.get("resultTime")),
                       None if obs_id is None or isinstance(obs_id, (dict, list)) else str(obs_id)[:100])


_C = {c: ord(c) for c in "0123456789-:T.Z/+"}
_DIGITS = {19: (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)}
_NUMERIC = frozenset({float, int})
_PHENOMENON_TIME, _RESULT = itemgetter("phenomenonTime"), itemgetter("result")


def _bulk_epochs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Epoch seconds of many ISO times of one shape at once, as _epoch_of's C path reads each of them, or
    None when any one is not in that shape (the caller then reads them one at a time). `codes` is an
    (n, L) array of code points; L = 20 (…:SSZ), 24 (…:SS.fffZ) or 25 (…:SS+HH:MM). Returns (seconds,
    whether each is valid): a row that is well formed but no real time (30 February, 25:00) is invalid."""
    n, width = codes.shape
    if width not in (20, 24, 25):
        return None
    d = codes[:, :19].astype(np.int64) - 48
    digits = d[:, _DIGITS[19]]
    if ((digits < 0) | (digits > 9)).any() or (codes[:, 4] != 45).any() or (codes[:, 7] != 45).any() \
            or (codes[:, 10] != 84).any() or (codes[:, 13] != 58).any() or (codes[:, 16] != 58).any():
        return None
    offset = np.zeros(n, dtype=np.int64)
    frac = None
    if width == 20:
        if (codes[:, 19] != 90).any():
            return None
    elif width == 24:
        f = codes[:, 20:23].astype(np.int64) - 48
        if (codes[:, 19] != 46).any() or (codes[:, 23] != 90).any() or ((f < 0) | (f > 9)).any():
            return None
        frac = f.any(axis=1)
    else:
        o = codes[:, (20, 21, 23, 24)].astype(np.int64) - 48
        sign = codes[:, 19]
        if ((sign != 43) & (sign != 45)).any() or (codes[:, 22] != 58).any() or ((o < 0) | (o > 9)).any():
            return None
        hh, mm = o[:, 0] * 10 + o[:, 1], o[:, 2] * 10 + o[:, 3]
        if (hh > 14).any() or (mm > 59).any():
            return None
        offset = np.where(sign == 43, 1, -1) * (hh * 3600 + mm * 60)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 5] * 10 + d[:, 6], d[:, 8] * 10 + d[:, 9]
    hour, minute, second = d[:, 11] * 10 + d[:, 12], d[:, 14] * 10 + d[:, 15], d[:, 17] * 10 + d[:, 18]
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (hour <= 23) & (minute <= 59) & (second <= 59)
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_first = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    valid &= day <= next_first - first
    seconds = (first + day - 1) * 86400 + hour * 3600 + minute * 60 + second - offset
    if frac is not None:
        seconds = seconds + (frac & (seconds < 0))    # int() of a negative float timestamp rounds up
    return seconds, valid


def _bulk_times(texts: list) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(start, t, valid) of a page's phenomenonTimes, instants or "start/end" intervals all of one shape, or None."""
    widths = set(map(len, texts))
    if len(widths) != 1:
        return None
    width = widths.pop()
    try:
        codes = np.array(texts, dtype=f"<U{width}").view(np.uint32).reshape(len(texts), width)
    except (ValueError, TypeError):
        return None
    if width in (20, 24, 25):
        got = _bulk_epochs(codes)
        return None if got is None else (got[0], got[0], got[1])
    half = (width - 1) // 2
    if width % 2 == 0 or half not in (20, 24, 25) or (codes[:, half] != 47).any():
        return None
    start, end = _bulk_epochs(codes[:, :half]), _bulk_epochs(codes[:, half + 1:])
    if start is None or end is None:
        return None
    return start[0], end[0], start[1] & end[1]
MAX_PAGES = 10_000          # per datastream and poll: a guard against servers that never stop
DISCOVERY_TTL_S = 1800
FUTURE_SLACK_S = 3600
SAMPLES = 5                 # newest results shown for an unmapped Datastream
MAX_SAMPLED = 50            # unmapped Datastreams sampled per discovery
# "No data" sentinels loggers write in place of a value (-9999 is the commonest); never a reading.
NO_DATA_VALUES = frozenset({-9999.0, -999.0, -99999.0, -9999.9, 9999.0, -32768.0})
_NO_DATA = np.array(sorted(NO_DATA_VALUES))


def parameter_code(name: str | None, definition: str | None = None, unit: str | None = None) -> str | None:
    """Our parameter for an ObservedProperty (see domain/vocabulary.py), or None."""
    return match_parameter(name, definition, unit).parameter


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entity_key(ident) -> str:
    """How an @iot.id goes into a URL: numbers bare, strings quoted (OData), quotes doubled."""
    text = str(ident)
    return text if text.isdigit() else "'" + text.replace("'", "''") + "'"


def _text(value) -> str | None:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) and value.strip() else None


class SensorThingsAdapter(Adapter):
    name = "sensorthings"
    protocol = "OGC SensorThings API v1.1"
    lateness_s = 6 * 3600
    read_pages_in_bulk = True       # off only for the benchmark's naive baseline (one observation at a time)

    def __init__(self, base_url, client=None, source=None, mappings: Sequence = ()):
        super().__init__(base_url, client, source)
        self._streams: dict[str, DatastreamInfo] = {}
        self._discovered_at = 0.0
        self.simulated = False
        self.mappings = list(mappings or ())
        self.origin = origin(self.base_url)

    # --- discovery --------------------------------------------------------------------------------
    def _mapping_for(self, ds_id: str, thing_id: str, thing_name: str | None, op_name: str | None):
        """The site file's entry for this Datastream: by its @iot.id first, else Thing + ObservedProperty."""
        for m in self.mappings:
            if m.datastream is not None and str(m.datastream) == ds_id:
                return m
        for m in self.mappings:
            if m.datastream is None and m.thing is not None and op_name is not None \
                    and (str(m.thing) == thing_id or fold(m.thing) == fold(thing_name)) \
                    and fold(m.observed_property) == fold(op_name):
                return m
        return None

    def discover(self, force: bool = False) -> list[DatastreamInfo | Rejected]:
        if self._streams and not force and time.monotonic() - self._discovered_at < DISCOVERY_TTL_S:
            return list(self._streams.values())
        out: list[DatastreamInfo | Rejected] = []
        streams: dict[str, DatastreamInfo] = {}
        url = f"{self.base_url}/Things"
        params = {"$expand": "Locations,Datastreams($expand=ObservedProperty)", "$top": "100"}
        sampled = 0
        for thing in self._pages(url, params):
            if not isinstance(thing, dict) or "@iot.id" not in thing:
                out.append(Rejected(self.source, "thing", "missing_field", "Thing without @iot.id", excerpt(thing)))
                continue
            props = thing.get("properties") or {}
            if not isinstance(props, dict):
                props = {}
            if props.get("simulated"):
                self.simulated = True
            lat, lon = _point(thing.get("Locations"))
            thing_id = str(thing["@iot.id"])
            thing_name = _text(thing.get("name")) or f"Thing {thing_id}"
            for ds in thing.get("Datastreams") or []:
                if not isinstance(ds, dict) or ds.get("@iot.id") is None:
                    out.append(Rejected(self.source, "datastream", "missing_field", "Datastream without @iot.id",
                                        excerpt(ds)))
                    continue
                info = self._describe(ds, thing_id, thing_name, lat, lon, props)
                if info.parameter is None and sampled < MAX_SAMPLED:
                    sampled += 1
                    info = _with(info, samples=self._samples(info.datastream_id))
                streams[info.datastream_id] = info
                out.append(info)
        self._streams, self._discovered_at = streams, time.monotonic()
        return out

    def _describe(self, ds: dict, thing_id: str, thing_name: str, lat, lon, props: dict) -> DatastreamInfo:
        ds_id = str(ds["@iot.id"])
        op = ds.get("ObservedProperty") if isinstance(ds.get("ObservedProperty"), dict) else {}
        op_name, definition = _text(op.get("name")), _text(op.get("definition"))
        uom = ds.get("unitOfMeasurement") if isinstance(ds.get("unitOfMeasurement"), dict) else {}
        unit = unit_symbol(_text(uom.get("symbol")), _text(uom.get("name")), _text(uom.get("definition")))
        since = None
        pt = ds.get("phenomenonTime")
        if isinstance(pt, str) and pt:
            try:
                since = int(parse_time(pt.split("/")[0]).timestamp())
            except ValueError:
                since = None
        common = dict(properties=dict(props), property_name=op_name, definition=definition, phenomenon_since=since)
        mapping = self._mapping_for(ds_id, thing_id, thing_name, op_name)
        if mapping is not None:
            if mapping.unit:
                unit = canonical_unit(mapping.unit)
            return DatastreamInfo(self.source, ds_id, thing_id, thing_name, mapping.parameter, unit, lat, lon,
                                  device_id=mapping.device, mapped_by="site_file", **common)
        match = match_parameter(op_name, definition, unit)
        return DatastreamInfo(self.source, ds_id, thing_id, thing_name, match.parameter, unit, lat, lon,
                              unmapped_reason=match.reason, candidates=match.candidates, **common)

    def _samples(self, ds_id: str) -> tuple[tuple[str, str], ...]:
        """A few of the newest results, for the operator deciding what an unmapped Datastream is."""
        try:
            page = self.client.get_json(f"{self.base_url}/Datastreams({entity_key(ds_id)})/Observations",
                                        {"$top": str(SAMPLES), "$orderby": "phenomenonTime desc",
                                         "$select": "phenomenonTime,result"})
        except SourceUnavailable as err:
            log.info("no samples for datastream %s: %s", ds_id, err)
            return ()
        items = page.get("value") if isinstance(page, dict) else None
        return tuple((plain(o.get("phenomenonTime"), 60), "null" if o.get("result") is None else plain(o["result"], 40))
                     for o in (items or [])[:SAMPLES] if isinstance(o, dict))

    def _pages(self, url: str, params: dict | None) -> Iterator[dict]:
        """Every item of an entity set (see _page_lists)."""
        for items in self._page_lists(url, params):
            yield from items

    def _page_lists(self, url: str, params: dict | None) -> Iterator[list]:
        """Each page's items of an entity set, following @iot.nextLink (absolute or relative) until absent,
        and only within the configured server's origin (scheme, host, port): a link elsewhere stops
        paging with SourceUnavailable, so nothing is fetched from, or stored of, another host."""
        seen: set[str] = set()
        pages = 0
        while url:
            page = self.client.get_json(url, params)
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise SourceUnavailable(f"not a SensorThings collection at {_path(url)}: got {shape(page)}")
            yield page["value"]
            nxt = page.get("@iot.nextLink")
            if not nxt:
                return
            if not isinstance(nxt, str):
                raise SourceUnavailable(f"@iot.nextLink at {_path(url)} is {shape(nxt)}, not a URL; paging stopped")
            try:
                nxt = urljoin(url, nxt)
                there = origin(nxt)
            except ValueError:
                raise SourceUnavailable(f"@iot.nextLink at {_path(url)} is not a readable URL; paging stopped") from None
            if there != self.origin:
                raise SourceUnavailable(
                    f"@iot.nextLink leaves {_origin_text(self.origin)} (points to {_origin_text(there)}); "
                    "paging stopped. Check the server's serviceRootUrl.")
            if nxt in seen:
                raise SourceUnavailable(f"@iot.nextLink loops at {_path(nxt)}")
            seen.add(nxt)
            pages += 1
            if pages >= MAX_PAGES:
                raise SourceUnavailable(f"more than {MAX_PAGES} pages at {_path(url)}")
            url, params = nxt, None

    # --- observations -----------------------------------------------------------------------------
    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()):
        infos = self.discover()
        yield from infos
        for info in [i for i in infos if isinstance(i, DatastreamInfo) and i.parameter is not None]:
            yield from self.observations(info.datastream_id, since, until, batched=True)

    def observations(self, datastream_id: str, since: int, until: int,
                     batched: bool = False) -> Iterator[Observation | ObservationBatch | Rejected]:
        """One Datastream's observations with phenomenonTime (its start, as servers filter) in [since, until).
        Two items at the same time are one observation twice (same @iot.id or none, same value: a
        `duplicate`) or two observations the store cannot both hold at one time (`time_conflict`): the
        first is kept, the second is rejected with both values, never silently merged.

        A page whose items are all in the usual shape (see _bulk_page) is read in bulk; with `batched` its
        observations come as one ObservationBatch (what the Writer takes), else one Observation each. Either
        way the same observations and rejects come as reading them one at a time would give."""
        url = f"{self.base_url}/Datastreams({entity_key(datastream_id)})/Observations"
        params = {"$filter": f"phenomenonTime ge {iso(since)} and phenomenonTime lt {iso(until)}",
                  "$orderby": "phenomenonTime asc", "$top": str(PAGE_SIZE),
                  "$select": "@iot.id,phenomenonTime,resultTime,result"}
        seen: dict[int, Observation] | None = None    # built only once a page is read one item at a time
        batches: list[ObservationBatch] = []
        newest = None           # the latest t read in bulk so far (pages in bulk come in time order)
        horizon = max(until, int(time.time())) + FUTURE_SLACK_S
        for items in self._page_lists(url, params):
            if seen is None and not self.read_pages_in_bulk:
                seen = {}
            if seen is None:
                got = self._bulk_page(datastream_id, items, horizon, newest)
                if got is not None:
                    batch, rejects = got
                    if len(batch):
                        newest = int(batch.t[-1])
                        batches.append(batch)
                        if batched:
                            yield batch
                        else:
                            yield from batch.records()
                    yield from rejects
                    continue
                seen = {o.t: o for b in batches for o in b.records()}
                batches = []
            yield from self._one_by_one(datastream_id, items, horizon, seen)

    def _one_by_one(self, datastream_id: str, items: list, horizon: int, seen: dict) -> Iterator[Observation | Rejected]:
        for raw in items:
            item = self.parse_observation(datastream_id, raw, horizon)
            if isinstance(item, Observation):
                first = seen.get(item.t)
                if first is not None:
                    same = item.value == first.value and (item.obs_id == first.obs_id or None in (item.obs_id, first.obs_id))
                    if same:
                        yield Rejected(self.source, "reading", "duplicate", "the same observation twice in one poll",
                                       excerpt(raw), f"{datastream_id}@{item.t}")
                    else:
                        yield Rejected(self.source, "reading", "time_conflict",
                                       f"two observations at one time: @iot.id {first.obs_id} = {first.value:g} (kept), "
                                       f"@iot.id {item.obs_id} = {item.value:g}", excerpt(raw),
                                       f"{datastream_id}@{item.t}#{item.obs_id}")
                    continue
                seen[item.t] = item
            yield item

    def _bulk_page(self, datastream_id: str, items: list, horizon: int,
                   newest: int | None) -> tuple[ObservationBatch, list[Rejected]] | None:
        """A page read with numpy rather than item by item: every item an object with a phenomenonTime string,
        all of one shape (instant or interval, Z, milliseconds or an offset), resultTime a string or null;
        the observations in strictly increasing time after `newest` (so nothing is a duplicate). Items whose
        value or time is bad in a way parse_observation rejects are handed to it and come back as its
        Rejected. None when the page is not like that: the caller reads it one item at a time."""
        n = len(items)
        if not n:
            return ObservationBatch(self.source, datastream_id, np.empty(0, np.int64), np.empty(0), items,
                                    np.empty(0, np.int64)), []
        try:
            if set(map(type, items)) != {dict}:
                return None
            pts = list(map(_PHENOMENON_TIME, items))         # map over C getters: no Python frame per item
            results = list(map(_RESULT, items))
            rt_types = set(map(type, map(dict.get, items, repeat("resultTime"))))
        except KeyError:
            return None
        if not rt_types <= {str, type(None)} or set(map(type, pts)) != {str}:
            return None
        times = _bulk_times(pts)
        if times is None:
            return None
        start, t, ok = times
        numeric = np.fromiter(map(_NUMERIC.__contains__, map(type, results)), dtype=bool, count=n)
        try:    # a null reads as NaN and a text number as its number: both are left out by `numeric` below
            values = np.array(results, dtype=np.float64)
            if values.shape != (n,):
                raise ValueError("a result is a list")
        except (OverflowError, ValueError, TypeError):
            try:
                values = np.array([r if k else math.nan for r, k in zip(results, numeric)], dtype=np.float64)
            except (OverflowError, ValueError, TypeError):
                return None
        ok &= numeric & np.isfinite(values) & ~np.isin(values, _NO_DATA) & (start <= t) & (t <= horizon)
        good = np.flatnonzero(ok)
        bad = np.flatnonzero(~ok)
        rejects = []
        for i in bad.tolist():
            item = self.parse_observation(datastream_id, items[i], horizon)
            if not isinstance(item, Rejected):
                return None     # read as an observation after all (a text number, say): one at a time
            rejects.append(item)
        kept = t[good]
        if len(kept) and ((newest is not None and kept[0] <= newest) or (np.diff(kept) <= 0).any()):
            return None     # out of order or a time twice: duplicates are judged one at a time
        return ObservationBatch(self.source, datastream_id, kept, values[good], items, good), rejects

    def parse_observation(self, datastream_id: str, raw, horizon: int) -> Observation | Rejected:
        """An interval phenomenonTime "start/end" is keyed on its END: an averaged or accumulated value
        (10-minute rain, hourly PM2.5) is known only when the interval closes, and keying on the start
        would collide with the instant before it and date the value too early."""
        if raw.__class__ is dict:
            # the common case first (a year's back-fill is millions of these): an instant or interval in the
            # usual shapes, a finite number that is no logger's no-data mark; anything else takes the path
            # below, which says why it is rejected
            pt, result = raw.get("phenomenonTime"), raw.get("result")
            rt = raw.get("resultTime")
            if pt.__class__ is str and pt and result.__class__ is float and math.isfinite(result) \
                    and result not in NO_DATA_VALUES and (rt is None or rt.__class__ is str):
                try:
                    cut = pt.find("/")
                    if cut < 0:
                        t = start = _epoch_of(pt)
                    else:
                        start, t = _epoch_of(pt[:cut]), _epoch_of(pt[cut + 1:])
                    result_t = _epoch_of(rt) if rt else None
                except ValueError:
                    t = None    # the general path below says what is wrong (or reads resultTime as unknown)
                if t is not None and start <= t <= horizon:
                    obs_id = raw.get("@iot.id")
                    return Observation(self.source, datastream_id, t, result, result_t,
                                       None if obs_id is None or isinstance(obs_id, (dict, list)) else str(obs_id)[:100])
        key = f"{datastream_id}@{raw.get('phenomenonTime') if isinstance(raw, dict) else '?'}"[:200]   # for rejects
        if not isinstance(raw, dict):
            return Rejected(self.source, "reading", "wrong_type", "observation is not an object", excerpt(raw), key)
        pt = raw.get("phenomenonTime")
        if not isinstance(pt, str) or not pt:
            return Rejected(self.source, "reading", "bad_time", "phenomenonTime missing", excerpt(raw), key)
        try:
            parts = [_epoch_of(p) for p in pt.split("/")]
        except ValueError as err:
            return Rejected(self.source, "reading", "bad_time", plain(err, 200), excerpt(raw), key)
        if len(parts) > 2 or (len(parts) == 2 and parts[1] < parts[0]):
            return Rejected(self.source, "reading", "bad_time", "phenomenonTime is not an instant or a forward interval",
                            excerpt(raw), key)
        t = parts[-1]
        if t > horizon:
            return Rejected(self.source, "reading", "far_future", "phenomenonTime is in the future", excerpt(raw), key)
        result = raw.get("result")
        if result is None:
            return Rejected(self.source, "reading", "null_result", "result is null (not reported)", excerpt(raw), key)
        if isinstance(result, bool) or isinstance(result, (dict, list)):
            return Rejected(self.source, "reading", "wrong_type", f"result is {type(result).__name__}", excerpt(raw), key)
        if isinstance(result, str):
            text = result.strip()
            try:
                result = float(text.replace(",", ".")) if text.lower() != "nan" else math.nan
            except ValueError:
                return Rejected(self.source, "reading", "wrong_type", "result is text, not a number", excerpt(raw), key)
        try:
            value = float(result)
        except (OverflowError, ValueError):
            return Rejected(self.source, "reading", "wrong_type", "result is not a number", excerpt(raw), key)
        if not math.isfinite(value):
            return Rejected(self.source, "reading", "nan_result", "result is NaN or infinite", excerpt(raw), key)
        if value in NO_DATA_VALUES:
            return Rejected(self.source, "reading", "no_data_value", f"result {value:g} is a logger's no-data mark",
                            excerpt(raw), key)
        rt = raw.get("resultTime")
        try:
            result_t = _epoch_of(rt) if rt else None
        except ValueError:
            result_t = None
        obs_id = raw.get("@iot.id")
        return Observation(self.source, datastream_id, t, value, result_t,
                           None if obs_id is None or isinstance(obs_id, (dict, list)) else str(obs_id)[:100])

    def ping(self) -> dict:
        data = self.client.get_json(self.base_url)
        return {"ok": True, "simulated": bool((data.get("serverSettings") or {}).get("simulated"))
                if isinstance(data, dict) else False}


def _point(locations) -> tuple[float | None, float | None]:
    """The first GeoJSON Point of a Thing's Locations (longitude first), or (None, None)."""
    for loc in locations if isinstance(locations, list) else []:
        geo = (loc or {}).get("location") if isinstance(loc, dict) else None
        coords = geo.get("coordinates") if isinstance(geo, dict) else None
        if isinstance(geo, dict) and geo.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            try:
                lon, lat = float(coords[0]), float(coords[1])
            except (TypeError, ValueError):
                return None, None
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
            return None, None
    return None, None


def _with(info: DatastreamInfo, **changes) -> DatastreamInfo:
    return replace(info, **changes)


def _path(url: str) -> str:
    return safe_url(url)


def _origin_text(o: tuple[str, str, int | None]) -> str:
    return plain(f"{o[0]}://{o[1]}:{o[2]}", 120)

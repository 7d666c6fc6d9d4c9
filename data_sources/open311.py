"""Open311 GeoReport v2 (+ the FixMyStreet updates extension). Windows of at most 90 days, the
page/page_size extension where the server has it, open requests re-polled by id for status changes."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator, Sequence

from core.errors import SourceUnavailable
from core.timeutil import iso_local, parse_time
from data_sources.base import Adapter
from data_sources.http import plain, shape
from ingest.records import ReportRecord, ReportUpdateRecord, Rejected, ServiceRecord, excerpt

PAGE_SIZE = 1000
MAX_PAGES = 200
ID_CHUNK = 50


def _text(value, limit: int = 4000) -> str | None:
    if value is None:
        return None
    return unicodedata.normalize("NFC", str(value)).strip()[:limit] or None


def _coord(value, lo: float, hi: float) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and lo <= v <= hi and v != 0.0 else None


def _time(value) -> int | None:
    return int(parse_time(value).timestamp()) if value not in (None, "") else None


class Open311Adapter(Adapter):
    name = "open311"
    protocol = "Open311 GeoReport v2"
    lateness_s = 2 * 86400
    max_window_s = 90 * 86400 - 60

    def __init__(self, base_url, client=None, source=None):
        super().__init__(base_url, client, source)
        self.has_updates: bool | None = None

    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()):
        yield from self.services()
        seen: set[str] = set()
        for item in self.requests(since, until):
            if isinstance(item, ReportRecord):
                seen.add(item.id)
            yield item
        updates = list(self.updates(since, until))
        # open requests re-polled for status changes, and requests filed before this window whose
        # updates arrived in it: fetched by id so no update is left without its request
        wanted = list(dict.fromkeys([*open_ids, *(u.report_id for u in updates if isinstance(u, ReportUpdateRecord))]))
        todo = [i for i in wanted if i not in seen]
        for n in range(0, len(todo), ID_CHUNK):
            chunk = todo[n:n + ID_CHUNK]
            data = self.client.get_json(f"{self.base_url}/requests.json", {"service_request_id": ",".join(chunk)})
            for raw in self._list(data, "requests"):
                yield self.parse_request(raw)
        yield from updates

    def services(self) -> Iterator[ServiceRecord | Rejected]:
        data = self.client.get_json(f"{self.base_url}/services.json")
        for raw in self._list(data, "services"):
            if not isinstance(raw, dict) or not raw.get("service_code"):
                yield Rejected(self.source, "service", "missing_field", "service_code is required", excerpt(raw))
                continue
            yield ServiceRecord(self.source, str(raw["service_code"]),
                                _text(raw.get("service_name")) or str(raw["service_code"]),
                                _text(raw.get("group")), _text(raw.get("description")))

    def requests(self, since: int, until: int) -> Iterator[ReportRecord | Rejected]:
        for page in range(1, MAX_PAGES + 1):
            data = self.client.get_json(f"{self.base_url}/requests.json", {
                "start_date": iso_local(since), "end_date": iso_local(until - 1), "status": "open,closed",
                "page": page, "page_size": PAGE_SIZE})
            items = self._list(data, "requests")
            for raw in items:
                yield self.parse_request(raw)
            if len(items) < PAGE_SIZE:
                return

    def updates(self, since: int, until: int) -> Iterator[ReportUpdateRecord | Rejected]:
        if self.has_updates is False:
            return
        try:
            data = self.client.get_json(f"{self.base_url}/servicerequestupdates.json",
                                        {"start_date": iso_local(since), "end_date": iso_local(until - 1)})
        except SourceUnavailable as err:
            if "HTTP 404" in str(err) or "HTTP 400" in str(err):
                self.has_updates = False   # a plain Open311 server: no updates extension
                return
            raise
        self.has_updates = True
        for raw in self._list(data, "updates"):
            key = str(raw.get("update_id")) if isinstance(raw, dict) else None
            if not isinstance(raw, dict) or not raw.get("service_request_id") or not raw.get("update_id"):
                yield Rejected(self.source, "report_update", "missing_field",
                               "update_id and service_request_id are required", excerpt(raw), key)
                continue
            try:
                t = _time(raw.get("updated_datetime"))
            except ValueError as err:
                yield Rejected(self.source, "report_update", "bad_time", str(err), excerpt(raw), key)
                continue
            if t is None:
                yield Rejected(self.source, "report_update", "bad_time", "updated_datetime missing", excerpt(raw), key)
                continue
            yield ReportUpdateRecord(self.source, str(raw["service_request_id"]), str(raw["update_id"]),
                                     str(raw.get("status") or "").upper() or "OPEN", t, _text(raw.get("description")))

    def _list(self, data, what: str) -> list:
        if isinstance(data, dict):   # some servers wrap: {"service_requests": [...]} or {"requests": [...]}
            for key in ("service_requests", "requests", "services", "service_request_updates", what):
                if isinstance(data.get(key), list):
                    return data[key]
        if not isinstance(data, list):
            raise SourceUnavailable(f"Open311 {what}: expected a list, got {shape(data)}")
        if data and isinstance(data[0], dict) and set(data[0]) <= {"code", "description"} and "code" in data[0]:
            raise SourceUnavailable(f"Open311 error {plain(data[0].get('code'), 10)}: {plain(data[0].get('description'))}")
        return data

    def parse_request(self, raw) -> ReportRecord | Rejected:
        if not isinstance(raw, dict):
            return Rejected(self.source, "report", "wrong_type", "request is not an object", excerpt(raw))
        rid = raw.get("service_request_id")
        key = str(rid) if rid else None
        if not rid:
            return Rejected(self.source, "report", "missing_field", "service_request_id is required", excerpt(raw))
        status = str(raw.get("status") or "").lower()
        if status not in ("open", "closed"):
            return Rejected(self.source, "report", "bad_status", f"status {status!r} is not open|closed", excerpt(raw), key)
        try:
            requested = _time(raw.get("requested_datetime"))
            updated = _time(raw.get("updated_datetime"))
            expected = _time(raw.get("expected_datetime"))
        except ValueError as err:
            return Rejected(self.source, "report", "bad_time", str(err), excerpt(raw), key)
        if requested is None:
            return Rejected(self.source, "report", "bad_time", "requested_datetime missing", excerpt(raw), key)
        return ReportRecord(
            self.source, str(rid), status, requested, _text(raw.get("service_code"), 64),
            _text(raw.get("service_name"), 200), _text(raw.get("description")), _text(raw.get("status_notes")),
            _text(raw.get("agency_responsible"), 200), updated, expected, _text(raw.get("address"), 300),
            _coord(raw.get("lat"), -90, 90), _coord(raw.get("long"), -180, 180), _text(raw.get("media_url"), 500))

    def ping(self) -> dict:
        data = self.client.get_json(f"{self.base_url}/services.json")
        return {"ok": True, "services": len(data) if isinstance(data, list) else 0,
                "simulated": self.discovery_simulated()}

    def discovery_simulated(self) -> bool:
        try:
            data = self.client.get_json(f"{self.base_url}/discovery.json")
        except SourceUnavailable:
            return False
        return bool(isinstance(data, dict) and data.get("simulated"))

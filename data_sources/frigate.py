"""Frigate NVR events API: newest first with no offset, so a window is paged backwards with
before = the oldest start_time seen. Scores sit in data.score/data.top_score since 0.13 (top-level in
older versions). end_time is null while an event is in progress: the runner re-polls those by id."""
from __future__ import annotations

import math
from collections.abc import Sequence

from core.errors import SourceUnavailable
from data_sources.base import Adapter
from data_sources.http import shape
from ingest.records import CameraEventRecord, Rejected, excerpt

PAGE_LIMIT = 500
MAX_PAGES = 2_000


def _num(value) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class FrigateAdapter(Adapter):
    name = "frigate"
    protocol = "Frigate NVR HTTP API"
    lateness_s = 3600

    def poll(self, since: int, until: int, *, open_ids: Sequence[str] = ()):
        seen: set[str] = set()
        before = float(until)
        for _ in range(MAX_PAGES):
            page = self.client.get_json(f"{self.base_url}/api/events",
                                        {"after": since, "before": f"{before:.6f}", "limit": PAGE_LIMIT,
                                         "include_thumbnails": 0})
            if not isinstance(page, list):
                raise SourceUnavailable(f"Frigate /api/events did not return a list but {shape(page)}")
            oldest = before
            fresh = 0
            for raw in page:
                item = self.parse_event(raw)
                if isinstance(item, _Parsed):
                    oldest = min(oldest, item.start_t_exact)
                    if item.record.id in seen:
                        continue
                    seen.add(item.record.id)
                    fresh += 1
                    yield item.record
                else:
                    yield item
            if len(page) < PAGE_LIMIT or fresh == 0 or oldest <= since:
                break
            before = oldest
        for event_id in open_ids:
            if event_id in seen:
                continue
            try:
                raw = self.client.get_json(f"{self.base_url}/api/events/{event_id}")
            except SourceUnavailable as err:
                if "HTTP 404" in str(err):
                    continue   # retention removed it; the store keeps what it had
                raise
            item = self.parse_event(raw)
            yield item.record if isinstance(item, _Parsed) else item

    def parse_event(self, raw) -> "_Parsed | Rejected":
        if not isinstance(raw, dict):
            return Rejected(self.source, "camera_event", "wrong_type", "event is not an object", excerpt(raw))
        eid, camera, label = raw.get("id"), raw.get("camera"), raw.get("label")
        key = str(eid) if eid else None
        if not eid or not camera or not label:
            return Rejected(self.source, "camera_event", "missing_field", "id, camera and label are required",
                            excerpt(raw), key)
        start = _num(raw.get("start_time"))
        if start is None:
            return Rejected(self.source, "camera_event", "bad_time", "start_time is not a number", excerpt(raw), key)
        end = _num(raw.get("end_time"))
        if raw.get("end_time") is not None and end is None:
            return Rejected(self.source, "camera_event", "bad_time", "end_time is not a number", excerpt(raw), key)
        if end is not None and end < start:
            return Rejected(self.source, "camera_event", "bad_time", "end_time before start_time", excerpt(raw), key)
        data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
        score = _num(data.get("score", raw.get("score")))
        top = _num(data.get("top_score", raw.get("top_score")))
        zones = raw.get("zones") if isinstance(raw.get("zones"), list) else []
        has_snapshot = bool(raw.get("has_snapshot"))
        rec = CameraEventRecord(
            self.source, str(eid), str(camera), str(label), int(start), None if end is None else int(math.ceil(end)),
            score, top, raw.get("sub_label") if isinstance(raw.get("sub_label"), str) else None,
            tuple(str(z) for z in zones), has_snapshot, bool(raw.get("has_clip")),
            f"{self.base_url}/api/events/{eid}/snapshot.jpg" if has_snapshot else None)
        return _Parsed(rec, start)

    def ping(self) -> dict:
        stats = self.client.get_json(f"{self.base_url}/api/stats")
        cams = stats.get("cameras", {}) if isinstance(stats, dict) else {}
        return {"ok": True, "simulated": bool(isinstance(stats, dict) and stats.get("simulated")),
                "cameras": {name: (_num((c or {}).get("camera_fps")) or 0.0) > 0 for name, c in cams.items()}}


class _Parsed:
    """A parsed event with its exact start (the record keeps whole seconds) for paging backwards."""
    __slots__ = ("record", "start_t_exact")

    def __init__(self, record: CameraEventRecord, start: float):
        self.record, self.start_t_exact = record, start


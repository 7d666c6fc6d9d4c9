"""Frigate NVR, simulated: events per camera and hour with rhythms by role, hour and weekday; flood-watch
cameras busy in floods; events still in progress at "now"; cameras that go offline for a day."""
from __future__ import annotations

import numpy as np

from core.site import Site
from simulator import noise
from simulator.sensors import flood_index

LOCAL = 7 * 3600
LABELS = {"security": (("person", 0.55), ("motorcycle", 0.2), ("car", 0.1), ("dog", 0.1), ("bicycle", 0.05)),
          "traffic": (("motorcycle", 0.5), ("car", 0.2), ("truck", 0.1), ("bicycle", 0.1), ("person", 0.1)),
          "flood_watch": (("person", 0.6), ("motorcycle", 0.25), ("car", 0.15))}
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class Frigate:
    def __init__(self, site: Site, seed: int):
        self.seed = seed
        self.cams = [d for d in site.devices if d.kind == "camera" and d.source == "frigate"]

    def offline(self, cam_index: int, t) -> np.ndarray:
        day = (np.asarray(t, dtype=np.int64) + LOCAL) // 86400
        return noise.uniform(self.seed, 30_000 + cam_index, day) < 0.02

    def _rate(self, role: str, hour: np.ndarray, weekday: np.ndarray, flood: np.ndarray) -> np.ndarray:
        day = (hour >= 6) & (hour < 22)
        weekend = weekday >= 5
        if role == "traffic":
            peak = np.exp(-((hour - 7) / 1.5) ** 2) + np.exp(-((hour - 17.5) / 1.5) ** 2)
            return np.where(day, 0.8 + 2.5 * peak, 0.15) * np.where(weekend, 0.7, 1.0)
        if role == "flood_watch":
            return 0.08 + 3.0 * flood
        return np.where(day, 0.6, 0.25) * np.where(weekend, 1.2, 1.0)

    def events(self, after: float, before: float, now: int) -> list[dict]:
        """Every event with start_time in (after, before), all cameras, oldest first."""
        h0, h1 = int(after // 3600), int(min(before, now) // 3600)
        if h1 < h0:
            return []
        hours = np.arange(h0, h1 + 1, dtype=np.int64)
        start_hours = hours * 3600
        local_hour = ((start_hours + LOCAL) % 86400) / 3600
        weekday = (((start_hours + LOCAL) // 86400) + 3) % 7   # 1970-01-01 was a Thursday
        flood = flood_index(self.seed, start_hours.astype(float))
        out = []
        for ci, cam in enumerate(self.cams):
            lam = self._rate(cam.role or "security", local_hour, weekday, flood)
            counts = noise.poisson(self.seed, 40_000 + ci, hours, lam)
            counts = np.where(self.offline(ci, start_hours), 0, counts)
            for hi in np.nonzero(counts)[0]:
                for j in range(int(counts[hi])):
                    idx = int(hours[hi]) * 16 + j
                    u = noise.uniform(self.seed, 41_000 + ci, [idx, idx + 7, idx + 11, idx + 13, idx + 17])
                    start = float(hours[hi] * 3600 + u[0] * 3600)
                    if not (after < start < before) or start > now:
                        continue
                    labels = LABELS.get(cam.role or "security", LABELS["security"])
                    acc, label = 0.0, labels[-1][0]
                    for name, share in labels:
                        acc += share
                        if u[1] < acc:
                            label = name
                            break
                    duration = 4 + u[2] * 120
                    end = start + duration
                    score = 0.62 + 0.3 * u[3] + (0.05 if cam.smart else 0.0)
                    zone = cam.zones[int(u[4] * len(cam.zones))] if cam.zones else None
                    eid = f"{start:.6f}-{int(u[4] * 0xFFFFFF):06x}"
                    out.append({
                        "id": eid, "camera": cam.external_id, "label": label,
                        "sub_label": (["Xe máy biển 75", "Người quen", None][int(u[2] * 3)] if cam.smart else None),
                        "start_time": round(start, 6), "end_time": None if end > now else round(end, 6),
                        "zones": [zone] if zone else [], "has_snapshot": u[3] > 0.15, "has_clip": u[3] > 0.3,
                        "retain_indefinitely": False, "plus_id": None, "thumbnail": None,
                        "data": {"score": round(score - 0.04, 3), "top_score": round(min(score, 0.99), 3),
                                 "type": "object", "region": [0, 0, 320, 320], "box": [0.1, 0.2, 0.1, 0.3]},
                    })
        out.sort(key=lambda e: e["start_time"])
        return out

    def query(self, args: dict, now: int) -> list[dict]:
        after = float(args.get("after") or (now - 86400 * 3))
        before = float(args.get("before") or now + 1)
        limit = min(int(args.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
        cams = set(filter(None, (args.get("cameras") or args.get("camera") or "").split(",")))
        labels = set(filter(None, (args.get("labels") or args.get("label") or "").split(",")))
        if "all" in cams:
            cams = set()
        if "all" in labels:
            labels = set()
        evs = [e for e in self.events(after, before, now)
               if (not cams or e["camera"] in cams) and (not labels or e["label"] in labels)]
        evs.reverse()  # newest first, as Frigate answers
        return evs[:limit]

    def event(self, event_id: str, now: int) -> dict | None:
        try:
            start = float(event_id.split("-")[0])
        except ValueError:
            return None
        for e in self.events(start - 1, start + 1, now):
            if e["id"] == event_id:
                return e
        return None

    def stats(self, now: int) -> dict:
        cams = {}
        for ci, cam in enumerate(self.cams):
            off = bool(self.offline(ci, [now])[0])
            cams[cam.external_id] = {"camera_fps": 0.0 if off else 5.0, "process_fps": 0.0 if off else 5.0,
                                     "detection_fps": 0.0 if off else 0.4, "skipped_fps": 0.0, "pid": 1000 + ci}
        return {"cameras": cams, "service": {"uptime": 86400, "version": "0.14.1-sim", "latest_version": "0.14.1"},
                "detection_fps": 3.2, "simulated": True}

    def config(self) -> dict:
        return {"cameras": {c.external_id: {"name": c.external_id, "enabled": True,
                                            "zones": {z: {} for z in c.zones}} for c in self.cams},
                "simulated": True}

"""Takes adapter records into the store: validates and normalises, upserts on natural keys (so a window
polled twice stores nothing twice), keeps hourly and daily rollups current for exactly the buckets it
touched, and keeps every rejected record with its reason."""
from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

import numpy as np
from sqlalchemy import Engine, String, cast, delete, func, select, text, update

from core.site import get_sites
from core.timeutil import DAY, HOUR, LOCAL_OFFSET_S
from data_sources.indicators import BadPeriod, period_bounds
from domain.deadlines import deadline_for
from domain.parameters import PARAMETERS, UnknownUnit, canonical_unit, converter
from ingest.records import (CameraEventRecord, DatastreamInfo, IndicatorRecord, Observation, ObservationBatch, Record,
                            Rejected,
                            ReportRecord, ReportUpdateRecord, ServiceRecord, excerpt)
from ingest import reading_flush
from ingest.reading_flush import LATEST_SQL, ReadingBatch
from ingest.upsert import insert_ignore, upsert
from store import partitions
from store.models import (CameraEvent, Device, EventHourCount, IndicatorValue, Reading, Reject, Report, ReportUpdate,
                          Series, Service, UnmappedDatastream, Village)

log = logging.getLogger(__name__)
FUTURE_SLACK_S = 3600
FLUSH_ROWS = 20_000
PROCESSING = {"INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED"}
RESOLVED = {"FIXED", "CLOSED", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL"}


def stage_of(status: str) -> str:
    s = (status or "").upper()
    if s in RESOLVED:
        return "resolved"
    if s in PROCESSING:
        return "processing"
    return "open"


@dataclass
class StoreStats:
    stored: Counter = field(default_factory=Counter)      # by kind
    rejected: Counter = field(default_factory=Counter)    # by reason
    touched_series: set = field(default_factory=set)
    last_data_t: int | None = None
    simulated: bool = False

    @property
    def stored_total(self) -> int:
        return sum(self.stored.values())

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict:
        return {"stored": self.stored_total, "rejected": self.rejected_total, "stored_by_kind": dict(self.stored),
                "rejected_by_reason": dict(self.rejected)}


@dataclass
class _SeriesInfo:
    id: int
    parameter: str
    convert: object         # None: the source already speaks the canonical unit
    low: float
    high: float


class Writer:
    """One per source poll (or per process): caches series and device lookups."""

    def __init__(self, engine: Engine, now: int | None = None, registered: dict | None = None):
        """registered: Datastreams this back-fill already registered ((source, id) -> (the DatastreamInfo, its
        series)), shared by the Writers of one back-fill's chunks so each Datastream costs its statements once."""
        self.engine = engine
        self.registered = registered
        self.now = int(now if now is not None else time.time())
        self.series: dict[tuple[str, str], _SeriesInfo | str] = {}   # str = why it cannot take readings
        self.mapped: dict[tuple[str, str], int] = {}   # Datastreams that took readings this poll -> series id
        self.stats = StoreStats()
        self._obs: list[dict] = []
        self._rejects: list[dict] = []
        self._cameras: dict[tuple[str, str], str] = {}
        self._villages = None

    # --- entry point ------------------------------------------------------------------------------
    def write(self, records: Iterable[Record]) -> StoreStats:
        batch: dict[type, list] = defaultdict(list)
        series, limit = self.series, self.now + FUTURE_SLACK_S
        for rec in records:
            if rec.__class__ is Observation:
                # the common case inline (a year's back-fill is millions of these): a known series, a value
                # in range; anything else takes _observation's path, which says why it is rejected
                info = series.get((rec.source, rec.datastream_id))
                if info.__class__ is _SeriesInfo and rec.t <= limit:
                    value = rec.value if info.convert is None else info.convert(rec.value)
                    if info.low <= value <= info.high:      # NaN fails both; ±inf lies outside every range
                        self._obs.append((info.id, rec.t, value))
                        if len(self._obs) >= FLUSH_ROWS:
                            self.flush_readings()
                        continue
                self._observation(rec)
            elif rec.__class__ is ObservationBatch:
                self._observation_batch(rec)
            elif isinstance(rec, Rejected):
                self.reject(rec)
            elif isinstance(rec, DatastreamInfo):
                self._datastream(rec)
            else:
                batch[type(rec)].append(rec)
                if len(batch[type(rec)]) >= 2000:
                    self._flush_batch(batch)
        self._flush_batch(batch)
        self.flush_readings()
        self.flush_rejects()
        return self.stats

    def _flush_batch(self, batch: dict[type, list]) -> None:
        order = (ServiceRecord, ReportRecord, ReportUpdateRecord, CameraEventRecord, IndicatorRecord)
        handlers = {ServiceRecord: self._services, ReportRecord: self._reports, ReportUpdateRecord: self._updates,
                    CameraEventRecord: self._events, IndicatorRecord: self._indicators}
        for kind in order:
            if batch.get(kind):
                handlers[kind](batch.pop(kind))

    def reject(self, rec: Rejected) -> None:
        self._rejects.append({"source": rec.source, "kind": rec.kind, "reason": rec.reason,
                              "detail": (rec.detail or "")[:2000], "record_key": (rec.record_key or "")[:200] or None,
                              "excerpt": (rec.excerpt or "")[:2000], "received_t": self.now})
        if len(self._rejects) >= 2000:
            self.flush_rejects()

    def flush_rejects(self) -> None:
        """Keep each bad record once: the lateness overlap re-reads the same window, and a record
        rejected last poll (same source, kind, reason, key) is not a new problem."""
        if not self._rejects:
            return
        rows, self._rejects = self._rejects, []
        table = Reject.__table__
        keys = {r["record_key"] for r in rows if r["record_key"]}
        with self.engine.begin() as conn:
            known = set()
            key_list = list(keys)
            for i in range(0, len(key_list), 500):
                known |= {tuple(row) for row in conn.execute(
                    select(table.c.source, table.c.kind, table.c.reason, table.c.record_key)
                    .where(table.c.record_key.in_(key_list[i:i + 500])))}
            fresh, seen = [], set()
            for r in rows:
                ident = (r["source"], r["kind"], r["reason"], r["record_key"])
                if r["record_key"] and (ident in known or ident in seen):
                    continue
                seen.add(ident)
                fresh.append(r)
            if fresh:
                conn.execute(table.insert(), fresh)
        for r in fresh:
            self.stats.rejected[r["reason"]] += 1

    def _seen(self, t: int) -> None:
        if self.stats.last_data_t is None or t > self.stats.last_data_t:
            self.stats.last_data_t = t

    # --- sensors ----------------------------------------------------------------------------------
    def _datastream(self, info: DatastreamInfo) -> None:
        if info.properties.get("simulated"):
            self.stats.simulated = True
        key = (info.source, info.datastream_id)
        done = self.registered.get(key) if self.registered is not None else None
        if done is not None and done[0] == info:
            # registered by an earlier chunk of this back-fill, described the same: its device, series and
            # unit are what that chunk wrote (seconds ago, by this process), so the four statements are skipped
            self.series[key] = done[1]
            self.mapped[key] = done[1].id
            return
        if info.parameter is None:
            why = info.unmapped_reason or "unknown_parameter"
            hint = f" (could be {', '.join(info.candidates)})" if info.candidates else ""
            self._unmapped(info, why, f"ObservedProperty {info.property_name!r}, unit {info.unit_symbol!r}{hint}")
            return
        param = PARAMETERS.get(info.parameter)
        if param is None:
            self._unmapped(info, "unknown_parameter", f"the site file names parameter {info.parameter!r}, which "
                                                      "the dashboard does not know")
            return
        try:
            convert = converter(info.parameter, info.unit_symbol)
        except UnknownUnit as err:
            self._unmapped(info, "unknown_unit", str(err))
            return
        with self.engine.begin() as conn:
            if info.device_id is not None:     # the site file says which device this is
                device_id = conn.scalar(select(Device.id).where(Device.id == info.device_id))
                if device_id is None:
                    self._unmapped(info, "unknown_device", f"the site file maps it to device {info.device_id!r}, "
                                                           "which the store does not hold", conn=conn)
                    return
            else:
                device_id = self._device_for_thing(conn, info)
            row = conn.execute(select(Series.id, Series.external_id).where(
                Series.device_id == device_id, Series.parameter == info.parameter)).first()
            if row is None:
                row = conn.execute(select(Series.id, Series.external_id).where(
                    Series.source == info.source, Series.external_id == info.datastream_id)).first()
            if row is None:
                sid = conn.execute(Series.__table__.insert().values(
                    device_id=device_id, parameter=info.parameter, unit=param.unit,
                    source_unit=canonical_unit(info.unit_symbol), source=info.source,
                    external_id=info.datastream_id)).inserted_primary_key[0]
            else:
                sid = row[0]
                if row[1] != info.datastream_id:   # remapped: the series it fed before lets go of the id
                    conn.execute(update(Series).where(Series.source == info.source,
                                                      Series.external_id == info.datastream_id, Series.id != sid)
                                 .values(external_id=Series.external_id + "~" + cast(Series.id, String)))
                conn.execute(update(Series).where(Series.id == sid).values(
                    source_unit=canonical_unit(info.unit_symbol), external_id=info.datastream_id))
            conn.execute(update(UnmappedDatastream).where(
                UnmappedDatastream.source == info.source, UnmappedDatastream.datastream_id == info.datastream_id,
                UnmappedDatastream.mapped_t.is_(None)).values(mapped_t=self.now))
        self.series[key] = _SeriesInfo(sid, info.parameter, None if _same_unit(info.parameter, info.unit_symbol) else convert,
                                       *param.possible)
        self.mapped[key] = sid
        if self.registered is not None:
            self.registered[key] = (info, self.series[key])

    def _device_for_thing(self, conn, info: DatastreamInfo) -> str:
        """The device whose external_id is this Thing; registered from the Thing when the site file lacks it."""
        device_id = conn.scalar(select(Device.id).where(Device.source == info.source,
                                                        Device.external_id == info.thing_id))
        if device_id is None:
            device_id = f"{info.source}_{info.thing_id}"[:64]
            village = info.properties.get("village")
            if village and not conn.scalar(select(Village.id).where(Village.id == village)):
                village = None
            upsert(conn, Device.__table__, [{
                "id": device_id, "kind": _kind_for(info.parameter), "name": info.thing_name[:200],
                "village_id": village, "commune_id": self._commune_of(village), "lat": info.lat, "lon": info.lon,
                "source": info.source,
                "external_id": info.thing_id, "role": None, "from_site_file": False,
                "simulated": bool(info.properties.get("simulated")),
                "properties": {"registered_from": "SensorThings Thing"}}], ["id"], update=["name", "lat", "lon"])
        elif info.lat is not None:
            conn.execute(update(Device).where(Device.id == device_id, Device.lat.is_(None))
                         .values(lat=info.lat, lon=info.lon))
        if info.properties.get("simulated"):
            conn.execute(update(Device).where(Device.id == device_id).values(simulated=True))
        return device_id

    def _unmapped(self, info: DatastreamInfo, reason: str, detail: str, conn=None) -> None:
        """Not taken, and visible: a reject (once) and a row on the Data page's list of unmapped
        Datastreams, with what the server says about it and a few of its values."""
        self.series[(info.source, info.datastream_id)] = reason
        self.reject(Rejected(info.source, "datastream", reason, detail, excerpt(repr(info)), f"ds:{info.datastream_id}"))
        row = {"source": info.source, "datastream_id": info.datastream_id[:128], "thing_id": info.thing_id[:128],
               "thing_name": info.thing_name[:200], "property_name": (info.property_name or None) and info.property_name[:200],
               "definition": (info.definition or None) and info.definition[:500],
               "unit": (info.unit_symbol or None) and info.unit_symbol[:64], "reason": reason,
               "candidates": list(info.candidates), "samples": [list(s) for s in info.samples],
               "device_id": info.device_id, "phenomenon_since_t": info.phenomenon_since,
               "first_seen_t": self.now, "last_seen_t": self.now, "mapped_t": None}
        keep = [c for c in row if c not in ("source", "datastream_id", "first_seen_t", "samples")]
        if info.samples:
            keep.append("samples")

        def _store(c):
            if row["device_id"] is None:
                row["device_id"] = c.scalar(select(Device.id).where(Device.source == info.source,
                                                                    Device.external_id == info.thing_id))
            upsert(c, UnmappedDatastream.__table__, [row], ["source", "datastream_id"], update=keep)
        if conn is not None:
            _store(conn)
        else:
            with self.engine.begin() as c:
                _store(c)

    def _observation(self, obs: Observation) -> None:
        info = self.series.get((obs.source, obs.datastream_id))
        if info is None or isinstance(info, str):
            self.reject(Rejected(obs.source, "reading", info or "unknown_datastream",
                                 f"datastream {obs.datastream_id} cannot take readings", excerpt(repr(obs)),
                                 f"{obs.datastream_id}@{obs.t}"))
            return
        t = obs.t
        if t > self.now + FUTURE_SLACK_S:
            self.reject(Rejected(obs.source, "reading", "far_future", f"t={t} is after now", excerpt(repr(obs)),
                                 f"{obs.datastream_id}@{t}"))
            return
        value = obs.value if info.convert is None else info.convert(obs.value)
        if not (info.low <= value <= info.high):    # NaN fails both comparisons; ±inf lies outside every (finite) range
            self.reject(Rejected(obs.source, "reading", "out_of_range",
                                 f"{info.parameter}={value:g} outside {info.low:g}..{info.high:g}",
                                 excerpt(repr(obs)), f"{obs.datastream_id}@{t}"))
            return
        self._obs.append((info.id, t, value))     # a tuple, not a dict: millions of them in a back-fill

    def _observation_batch(self, batch: ObservationBatch) -> None:
        """A page's observations at once: the same checks as write()'s inline path, over numpy arrays; the
        ones that fail them go through _observation one by one, which says why each is rejected."""
        info = self.series.get((batch.source, batch.datastream_id))
        if info.__class__ is not _SeriesInfo:
            for obs in batch.records():
                self._observation(obs)
            return
        t, value = batch.t, batch.value
        if info.convert is not None:
            value = np.fromiter(map(info.convert, value.tolist()), dtype=np.float64, count=len(value))
        ok = (t <= self.now + FUTURE_SLACK_S) & (info.low <= value) & (value <= info.high)
        if ok.all():
            self._obs.extend(zip(repeat(info.id), t.tolist(), value.tolist()))
        else:
            self._obs.extend(zip(repeat(info.id), t[ok].tolist(), value[ok].tolist()))
            for obs in batch.records(np.flatnonzero(~ok).tolist()):
                self._observation(obs)
        if len(self._obs) >= FLUSH_ROWS:
            self.flush_readings()

    def flush_readings(self) -> None:
        """Store the buffered readings, their rollups and the latest values in one transaction
        (ingest.reading_flush says how). On PostgreSQL the transaction commits with
        `synchronous_commit = off`: a crash may lose the last few hundred milliseconds of committed
        flushes, never corrupt them, and that loss is harmless here because ingest is idempotent (natural
        keys) and every source is re-polled from its watermark, which is saved only after the flush."""
        if not self._obs:
            return
        rows, self._obs = self._obs, []
        batch = ReadingBatch.from_rows(rows)
        spans = batch.spans()
        self._seen(int(batch.hi.max()))
        latest = batch.latest()
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            self._ensure_partitions(spans)
        with self.engine.begin() as conn:
            if dialect == "sqlite":
                self.stats.stored["readings"] += self._store_sqlite(conn, batch)
                conn.exec_driver_sql(LATEST_SQL.replace("%s", "?"), latest)
            elif dialect == "postgresql":
                with conn.connection.driver_connection.cursor() as cur:
                    cur.execute("SET LOCAL synchronous_commit = off")
                    self.stats.stored["readings"] += self._store_postgres(cur, batch)
                    cur.executemany(LATEST_SQL, latest)
            else:
                before = self._count_in(conn, spans)
                insert_ignore(conn, Reading.__table__, [{"series_id": a, "t": b, "value": c} for a, b, c in batch.rows()],
                              count=False)
                self.stats.stored["readings"] += self._count_in(conn, spans) - before
                for sid, (lo, hi) in spans.items():
                    refresh_rollups(conn, sid, lo, hi)
        self.stats.touched_series.update(spans)

    @staticmethod
    def _store_sqlite(conn, batch: ReadingBatch) -> int:
        """New history: rows inserted and rollups merged from the batch; series whose span is partly stored:
        rows inserted skipping stored keys and their span's buckets recomputed. Rows go by the driver's
        executemany (SQLAlchemy's per-row processing was half the cost of a flush). Returns the new rows."""
        insert = "INSERT OR IGNORE INTO readings (series_id, t, value) VALUES (?, ?, ?)"
        overlapping, next_stored = reading_flush.probe_sqlite(conn, batch)
        recompute, stored = set(overlapping), 0
        if len(overlapping) < len(batch.series):
            fresh = batch.only(set(batch.series.tolist()) - overlapping) if overlapping else batch
            new = conn.exec_driver_sql(insert, fresh.rows()).rowcount
            stored += new
            if new == len(fresh):
                reading_flush.merge_rollups_sqlite(conn, fresh, next_stored[np.isin(batch.series, fresh.series)])
            else:       # another writer stored some of it since the probe: recompute rather than merge
                recompute |= set(fresh.series.tolist())
        if overlapping:
            stored += conn.exec_driver_sql(insert, batch.only(overlapping).rows()).rowcount
        for sid, (lo, hi) in (batch.only(recompute).spans().items() if recompute else ()):
            refresh_rollups(conn, sid, lo, hi)
        return stored

    @staticmethod
    def _store_postgres(cur, batch: ReadingBatch) -> int:
        """New history by one binary COPY straight into readings and rollups merged from the batch; series
        whose span is partly stored through a temporary table, skipping stored keys, and the buckets that
        got new rows recomputed. Returns the new rows."""
        overlapping, next_stored = reading_flush.probe_postgres(cur, batch)
        stored = 0
        if len(overlapping) < len(batch.series):
            fresh = batch.only(set(batch.series.tolist()) - overlapping) if overlapping else batch
            if reading_flush.copy_new_history(cur, fresh):
                reading_flush.merge_rollups_postgres(cur, fresh, next_stored[np.isin(batch.series, fresh.series)])
                stored = len(fresh)
            else:
                overlapping |= set(fresh.series.tolist())
        if overlapping:
            stored += reading_flush.store_overlapping_postgres(cur, batch.only(overlapping))
        return stored

    def _ensure_partitions(self, spans: dict[int, list[int]]) -> None:
        """The month partitions this batch needs, made before it is inserted (in their own short
        transaction): rows never pile up in the default partition. Known months are remembered per engine."""
        lo = min(a for a, _ in spans.values())
        hi = max(b for _, b in spans.values())
        needed = set(partitions.months(lo, hi))
        known = _PARTITIONS.get(self.engine.url)
        if known is not None and needed <= known:
            return
        with self.engine.begin() as conn:
            if not partitions.is_partitioned(conn):
                _PARTITIONS[self.engine.url] = needed | (known or set())
                return
            have = partitions.existing(conn)
            if not needed <= have:
                have |= set(partitions.ensure(conn, sorted(needed - have)))
        _PARTITIONS[self.engine.url] = have | needed

    @staticmethod
    def _count_in(conn, spans: dict[int, list[int]]) -> int:
        total = 0
        for sid, (lo, hi) in spans.items():
            total += conn.scalar(select(func.count()).select_from(Reading).where(
                Reading.series_id == sid, Reading.t >= lo, Reading.t <= hi))
        return total

    # --- cameras ----------------------------------------------------------------------------------
    def _camera_device(self, conn, source: str, camera: str) -> str:
        key = (source, camera)
        if key not in self._cameras:
            device_id = conn.scalar(select(Device.id).where(Device.source == source, Device.external_id == camera))
            if device_id is None:
                device_id = f"{source}_{camera}"[:64]
                upsert(conn, Device.__table__, [{
                    "id": device_id, "kind": "camera", "name": camera, "village_id": None,
                    "commune_id": self._commune_of(None), "lat": None, "lon": None,
                    "source": source, "external_id": camera, "role": None, "from_site_file": False,
                    "simulated": False, "properties": {"registered_from": "Frigate camera name"}}], ["id"], update=[])
            self._cameras[key] = device_id
        return self._cameras[key]

    def _events(self, recs: list[CameraEventRecord]) -> None:
        with self.engine.begin() as conn:
            rows = []
            for r in recs:
                if r.start_t > self.now + FUTURE_SLACK_S:
                    self.reject(Rejected(r.source, "camera_event", "far_future", f"start_time {r.start_t}",
                                         excerpt(repr(r)), r.id))
                    continue
                rows.append({"id": r.id, "source": r.source, "device_id": self._camera_device(conn, r.source, r.camera),
                             "label": r.label, "sub_label": r.sub_label, "score": r.score, "top_score": r.top_score,
                             "start_t": r.start_t, "end_t": r.end_t, "zones": list(r.zones),
                             "has_snapshot": r.has_snapshot, "has_clip": r.has_clip, "snapshot_url": r.snapshot_url})
                self._seen(r.start_t)
            existing = set(conn.scalars(select(CameraEvent.id).where(CameraEvent.id.in_([r["id"] for r in rows]))))
            upsert(conn, CameraEvent.__table__, rows, ["id"],
                   update=["end_t", "score", "top_score", "sub_label", "zones", "has_snapshot", "has_clip", "snapshot_url"])
            new_t = [r["start_t"] for r in rows if r["id"] not in existing]
            if new_t:       # an update in place keeps its camera, label and start: counts change only for new events
                refresh_event_counts(conn, min(new_t), max(new_t))
        self.stats.stored["camera_events"] += len([r for r in rows if r["id"] not in existing])

    # --- feedback ---------------------------------------------------------------------------------
    def _services(self, recs: list[ServiceRecord]) -> None:
        with self.engine.begin() as conn:
            known = set(conn.scalars(select(Service.code)))
            rows = [{"code": r.code, "source": r.source, "name": r.name, "name_en": None, "group": r.group,
                     "description": r.description, "deadline_working_days": None}
                    for r in {r.code: r for r in recs}.values()]
            # the site file's names and deadlines win; new categories are registered from the source
            upsert(conn, Service.__table__, [r for r in rows if r["code"] not in known], ["code"], update=[])
        self.stats.stored["services"] += len([r for r in rows if r["code"] not in known])

    @staticmethod
    def _commune_of(village: str | None) -> str:
        """The commune whose site file lists this village; a record no village claims (a report without
        address or location, a camera only its NVR knows) goes to the default commune (SITE_FILE's), so
        it is counted somewhere, as it was with one commune, and an operator sees it there."""
        sites = get_sites()
        return next((s.commune.id for s in sites if village and s.village(village)), sites[0].commune.id)

    def _village_for(self, rec: ReportRecord) -> str | None:
        if self._villages is None:
            self._villages = [(v.id, v.name.lower(), v.center) for s in get_sites() for v in s.villages]
        if rec.address:
            text_ = rec.address.lower()
            for vid, name, _ in sorted(self._villages, key=lambda v: -len(v[1])):
                if name in text_:
                    return vid
        if rec.lat is not None and rec.lon is not None and self._villages:
            return min(self._villages, key=lambda v: (v[2][0] - rec.lat) ** 2 + (v[2][1] - rec.lon) ** 2)[0]
        return None

    def _reports(self, recs: list[ReportRecord]) -> None:
        recs = list({r.id: r for r in recs}.values())
        with self.engine.begin() as conn:
            old = {row.id: row for row in conn.execute(
                select(Report.id, Report.status, Report.stage, Report.first_response_t)
                .where(Report.id.in_([r.id for r in recs])))}
            rows, changes = [], []
            for r in recs:
                if r.requested_t > self.now + FUTURE_SLACK_S:
                    self.reject(Rejected(r.source, "report", "far_future", "requested_datetime in the future",
                                         excerpt(repr(r)), r.id))
                    continue
                prev = old.get(r.id)
                stage = "resolved" if r.status == "closed" else (
                    prev.stage if prev is not None and prev.stage == "processing" else "open")
                deadline = deadline_for(r.service_code, r.requested_t)
                rows.append({"id": r.id, "source": r.source, "service_code": r.service_code,
                             "service_name": r.service_name, "status": r.status, "stage": stage,
                             "status_notes": r.status_notes, "description": r.description, "agency": r.agency,
                             "requested_t": r.requested_t, "updated_t": r.updated_t, "expected_t": r.expected_t,
                             "closed_t": (r.updated_t or self.now) if r.status == "closed" else None,
                             "deadline_t": deadline or r.expected_t, "address": r.address,
                             "village_id": (village := self._village_for(r)),
                             "commune_id": self._commune_of(village), "lat": r.lat, "lon": r.lon, "media_url": r.media_url})
                if prev is not None and prev.status != r.status:
                    t = r.updated_t or self.now
                    changes.append({"report_id": r.id, "update_id": f"obs-{t}-{r.status}", "status": r.status.upper(),
                                    "stage": stage, "t": t, "description": r.status_notes})
                self._seen(r.requested_t)
            upsert(conn, Report.__table__, rows, ["id"],
                   update=[c for c in rows[0] if c not in ("id", "first_response_t")] if rows else None)
            if changes:
                insert_ignore(conn, ReportUpdate.__table__, changes)
        self.stats.stored["reports"] += len([r for r in rows if r["id"] not in old])

    def _updates(self, recs: list[ReportUpdateRecord]) -> None:
        with self.engine.begin() as conn:
            known = set(conn.scalars(select(Report.id).where(Report.id.in_({r.report_id for r in recs}))))
            rows = []
            for r in recs:
                if r.report_id not in known:
                    self.reject(Rejected(r.source, "report_update", "unknown_report",
                                         f"update for {r.report_id}, which the store does not hold", excerpt(repr(r)),
                                         r.update_id))
                    continue
                rows.append({"report_id": r.report_id, "update_id": r.update_id, "status": r.status,
                             "stage": stage_of(r.status), "t": r.t, "description": r.description})
            new = insert_ignore(conn, ReportUpdate.__table__, rows)
            for rid in {r["report_id"] for r in rows}:
                refresh_report(conn, rid)
        self.stats.stored["report_updates"] += new

    # --- indicators -------------------------------------------------------------------------------
    def _indicators(self, recs: list[IndicatorRecord]) -> None:
        rows = []
        for r in recs:
            try:
                kind, start = period_bounds(r.period)
            except BadPeriod as err:
                self.reject(Rejected(r.source, "indicator", "bad_period", str(err), excerpt(repr(r))))
                continue
            if r.simulated:
                self.stats.simulated = True
            self._seen(r.generated_t)
            start_t = _local_midnight_epoch(start)
            rows.append({"indicator": r.indicator, "scope": r.scope, "period": r.period, "period_kind": kind,
                         "period_start_t": start_t, "value": r.value, "numerator": r.numerator,
                         "denominator": r.denominator, "note": r.note, "source": r.source,
                         "generated_t": r.generated_t, "simulated": r.simulated})
        rows = list({(r["indicator"], r["scope"], r["period"]): r for r in
                     sorted(rows, key=lambda r: r["generated_t"])}.values())
        if not rows:
            return
        table = IndicatorValue.__table__
        with self.engine.begin() as conn:
            before = conn.scalar(select(func.count()).select_from(table))
            upsert(conn, table, rows, ["indicator", "scope", "period"],
                   where=lambda stmt: stmt.excluded.generated_t >= table.c.generated_t)
            after = conn.scalar(select(func.count()).select_from(table))
        self.stats.stored["indicator_values"] += after - before


def _same_unit(parameter: str, symbol: str | None) -> bool:
    unit = canonical_unit(symbol)
    return unit is None or unit == PARAMETERS[parameter].unit


def _local_midnight_epoch(d) -> int:
    from datetime import datetime, timezone
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()) - LOCAL_OFFSET_S


def _kind_for(parameter: str) -> str:
    group = PARAMETERS[parameter].group
    if parameter == "rainfall":
        return "rain_gauge"
    if parameter == "water_level":
        return "water_gauge"
    return {"air": "air_station", "network": "wifi"}.get(group, "water_station")


# month partitions known to exist, per database (PostgreSQL): checked once a process, not once a flush
_PARTITIONS: dict = {}


def refresh_report(conn, report_id: str) -> None:
    """Stage and first response from the report's history (the latest update sets the stage)."""
    updates = conn.execute(select(ReportUpdate.t, ReportUpdate.stage, ReportUpdate.status)
                           .where(ReportUpdate.report_id == report_id).order_by(ReportUpdate.t)).all()
    if not updates:
        return
    # (Row.t is SQLAlchemy's tuple accessor, so the columns are unpacked by position)
    first_response = next((t for t, _stage, status in updates if status != "OPEN"), None)
    last_t, last_stage, _ = updates[-1]
    values = {"first_response_t": first_response, "stage": last_stage}
    if last_stage == "resolved":
        values["closed_t"] = last_t
    conn.execute(update(Report).where(Report.id == report_id).values(**values))


def refresh_event_counts(conn, lo: int, hi: int) -> None:
    """Re-count the hours that [lo, hi] touches from the events below them (the covering window index
    answers it), so late and repeated events are counted exactly once."""
    h_lo, h_hi = lo - lo % HOUR, hi - hi % HOUR + HOUR
    conn.execute(delete(EventHourCount).where(EventHourCount.t >= h_lo, EventHourCount.t < h_hi))
    conn.execute(text("INSERT INTO event_rollup_hour (t, device_id, label, count) "
                      "SELECT start_t - start_t % 3600, device_id, label, count(*) FROM camera_events "
                      "WHERE start_t >= :lo AND start_t < :hi GROUP BY start_t - start_t % 3600, device_id, label"),
                 {"lo": h_lo, "hi": h_hi})


# The day rollups bucket by local day (Asia/Ho_Chi_Minh) in SQL as `t - ((t + :local_offset) % 86400)`: a
# fixed offset is right because the zone keeps one offset all year (core.timeutil.fixed_offset_s checks
# it); the value is the zone's, bound as a parameter, never written into the SQL.
LOCAL_DAY_OFFSET_S = LOCAL_OFFSET_S

_ROLLUP_SQL = {
    "sqlite": {
        "hour": """
INSERT INTO rollup_hour (series_id, t, count, mean, min, max, last)
SELECT series_id, t - t % 3600 AS b, count(*), avg(value), min(value), max(value),
       (SELECT r2.value FROM readings r2 WHERE r2.series_id = :sid AND r2.t < (readings.t - readings.t % 3600) + 3600
          AND r2.t >= readings.t - readings.t % 3600 ORDER BY r2.t DESC LIMIT 1)
FROM readings WHERE series_id = :sid AND t >= :lo AND t < :hi GROUP BY series_id, b
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
        "day": """
INSERT INTO rollup_day (series_id, t, count, mean, min, max, last)
SELECT series_id, t - ((t + :local_offset) % 86400) AS b, sum(count), sum(mean * count) / sum(count), min(min), max(max),
       (SELECT h2.last FROM rollup_hour h2 WHERE h2.series_id = :sid
          AND h2.t >= rollup_hour.t - ((rollup_hour.t + :local_offset) % 86400)
          AND h2.t < rollup_hour.t - ((rollup_hour.t + :local_offset) % 86400) + 86400 ORDER BY h2.t DESC LIMIT 1)
FROM rollup_hour WHERE series_id = :sid AND t >= :lo AND t < :hi GROUP BY series_id, b
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
    },
    "postgresql": {
        "hour": """
INSERT INTO rollup_hour (series_id, t, count, mean, min, max, last)
SELECT series_id, t - t % 3600 AS b, count(*), avg(value), min(value), max(value),
       (array_agg(value ORDER BY t DESC))[1]
FROM readings WHERE series_id = :sid AND t >= :lo AND t < :hi GROUP BY series_id, b
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
        "day": """
INSERT INTO rollup_day (series_id, t, count, mean, min, max, last)
SELECT series_id, t - ((t + :local_offset) % 86400) AS b, sum(count), sum(mean * count) / sum(count), min(min), max(max),
       (array_agg(last ORDER BY t DESC))[1]
FROM rollup_hour WHERE series_id = :sid AND t >= :lo AND t < :hi GROUP BY series_id, b
ON CONFLICT (series_id, t) DO UPDATE SET count = excluded.count, mean = excluded.mean, min = excluded.min,
  max = excluded.max, last = excluded.last""",
    },
}


def refresh_rollups(conn, series_id: int, lo: int, hi: int) -> None:
    """Re-aggregate the hour and local-day buckets that [lo, hi] touches, from the rows below them:
    right for late, out-of-order and duplicate data alike."""
    sql = _ROLLUP_SQL["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    h_lo, h_hi = lo - lo % HOUR, hi - hi % HOUR + HOUR
    conn.execute(text(sql["hour"]), {"sid": series_id, "lo": h_lo, "hi": h_hi})
    d_lo = lo - (lo + LOCAL_DAY_OFFSET_S) % DAY
    d_hi = hi - (hi + LOCAL_DAY_OFFSET_S) % DAY + DAY
    conn.execute(text(sql["day"]), {"sid": series_id, "lo": d_lo, "hi": d_hi, "local_offset": LOCAL_DAY_OFFSET_S})

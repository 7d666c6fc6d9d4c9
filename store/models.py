"""Typed SQLAlchemy 2.x models. Times are UTC: readings and rollups as INTEGER epoch seconds
(about 24 bytes a reading on SQLite, against ~108 with DateTime text; DESIGN.md), everything else as
integer epoch seconds too so that one convention holds across SQLite and PostgreSQL.
Natural keys are primary keys or unique constraints, so re-polling a window stores nothing twice."""
from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Epoch = BigInteger  # UTC epoch seconds


class Base(DeclarativeBase):
    pass


# --- the site -------------------------------------------------------------------------------------

class Commune(Base):
    __tablename__ = "communes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(200), default="")
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    zoom: Mapped[int] = mapped_column(Integer, default=13)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)   # the deployment's order; 0 = the default commune


class Village(Base):
    __tablename__ = "villages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_id: Mapped[str] = mapped_column(ForeignKey("communes.id"))
    name: Mapped[str] = mapped_column(String(200))
    center_lat: Mapped[float] = mapped_column(Float)
    center_lon: Mapped[float] = mapped_column(Float)
    outline: Mapped[list | None] = mapped_column(JSON, nullable=True)  # [[lat, lon], ...]
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Device(Base):
    """Everything on the map. `from_site_file` False = registered from a source's own metadata."""
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_devices_source_external"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[str | None] = mapped_column(ForeignKey("villages.id"), nullable=True, index=True)
    # the commune it serves: its village's, or the site file's for a device outside every village (a river
    # gauge); null for a device a source registered that no commune claims yet
    commune_id: Mapped[str | None] = mapped_column(ForeignKey("communes.id"), nullable=True, index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="none")
    external_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    from_site_file: Mapped[bool] = mapped_column(Boolean, default=True)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    properties: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Series(Base):
    """One parameter of one device (a SensorThings Datastream). Readings point here by a small integer."""
    __tablename__ = "series"
    __table_args__ = (
        UniqueConstraint("device_id", "parameter", name="uq_series_device_parameter"),
        UniqueConstraint("source", "external_id", name="uq_series_source_external"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    parameter: Mapped[str] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(32))          # canonical unit as stored
    source_unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))  # Datastream @iot.id


class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = ({"sqlite_with_rowid": False},)
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    t: Mapped[int] = mapped_column(Epoch, primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class LatestReading(Base):
    """The newest stored reading of each series, upserted by the writer in the transaction that stores the
    readings: the map's states and the "now" values read one row a series instead of a max(t) probe of
    the readings per series (a 10x site is 530 series). A late reading older than this one leaves it."""
    __tablename__ = "readings_latest"
    __table_args__ = ({"sqlite_with_rowid": False},)
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    t: Mapped[int] = mapped_column(Epoch)
    value: Mapped[float] = mapped_column(Float)


class _Rollup:
    series_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    t: Mapped[int] = mapped_column(Epoch, primary_key=True)  # bucket start, UTC epoch
    count: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)
    last: Mapped[float] = mapped_column(Float)


class HourlyRollup(_Rollup, Base):
    __tablename__ = "rollup_hour"
    __table_args__ = ({"sqlite_with_rowid": False},)


class DailyRollup(_Rollup, Base):
    """Local (Asia/Ho_Chi_Minh) calendar days: bucket t is the UTC epoch of local midnight."""
    __tablename__ = "rollup_day"
    __table_args__ = ({"sqlite_with_rowid": False},)


# --- cameras --------------------------------------------------------------------------------------

class CameraEvent(Base):
    """A Frigate event; updated in place while in progress (end_t null until it ends)."""
    __tablename__ = "camera_events"
    # (start_t, device_id, label) covers the pages' counts over a window: one index scan, no table reads
    __table_args__ = (Index("ix_camera_events_device_start", "device_id", "start_t"),
                      Index("ix_camera_events_window", "start_t", "device_id", "label"))
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    label: Mapped[str] = mapped_column(String(64), index=True)
    sub_label: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    top_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    start_t: Mapped[int] = mapped_column(Epoch)
    end_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    zones: Mapped[list | None] = mapped_column(JSON, nullable=True)
    has_snapshot: Mapped[bool] = mapped_column(Boolean, default=False)
    has_clip: Mapped[bool] = mapped_column(Boolean, default=False)
    snapshot_url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class EventHourCount(Base):
    """Camera events counted per UTC hour, camera and label, kept current at ingest (like the readings'
    rollups): a year of hour x weekday counts reads ~10^4 of these instead of every event. The hour is a
    whole UTC hour, and local time is UTC+7 whole hours, so each row falls in one local hour and day."""
    __tablename__ = "event_rollup_hour"
    __table_args__ = ({"sqlite_with_rowid": False},)
    t: Mapped[int] = mapped_column(Epoch, primary_key=True)          # hour start, UTC epoch
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


# --- citizens' feedback ---------------------------------------------------------------------------

class Service(Base):
    """An Open311 service (category)."""
    __tablename__ = "services"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    deadline_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Report(Base):
    """A scene report (Open311 request). `stage` is ours: open | processing | resolved (DOMAIN.md §2.3)."""
    __tablename__ = "reports"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # service_request_id
    source: Mapped[str] = mapped_column(String(32))
    service_code: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    service_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16))      # open | closed (Open311)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    status_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    agency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    requested_t: Mapped[int] = mapped_column(Epoch, index=True)
    updated_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    expected_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)   # the source's due time
    first_response_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    closed_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    deadline_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)   # ours, working days
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    village_id: Mapped[str | None] = mapped_column(ForeignKey("villages.id"), nullable=True, index=True)
    commune_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # its village's
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ReportUpdate(Base):
    """Status history of a report (FixMyStreet servicerequestupdates, or our own observed changes)."""
    __tablename__ = "report_updates"
    __table_args__ = (UniqueConstraint("report_id", "update_id", name="uq_report_updates_natural"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id"), index=True)
    update_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(16))
    t: Mapped[int] = mapped_column(Epoch)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- indicators -----------------------------------------------------------------------------------

class Indicator(Base):
    """The indicator catalogue (DOMAIN.md §4)."""
    __tablename__ = "indicators"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(64))
    pillar: Mapped[str] = mapped_column(String(32))          # government | economy | society
    direction: Mapped[str] = mapped_column(String(8))        # up | down | none
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    origin: Mapped[str] = mapped_column(String(16))          # feed | open311 | frigate | derived | sta
    link_766: Mapped[str | None] = mapped_column(String(16), nullable=True)


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    indicator: Mapped[str] = mapped_column(ForeignKey("indicators.code"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(96), primary_key=True)   # commune:<id> | village:<id>
    period: Mapped[str] = mapped_column(String(16), primary_key=True)  # YYYY, YYYY-Qn, YYYY-MM, YYYY-Www, YYYY-MM-DD
    period_kind: Mapped[str] = mapped_column(String(8))                # year | quarter | month | week | day
    period_start_t: Mapped[int] = mapped_column(Epoch, index=True)     # local start of the period, UTC epoch
    value: Mapped[float | None] = mapped_column(Float, nullable=True)  # null = not reported
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    generated_t: Mapped[int] = mapped_column(Epoch)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)


# --- the sources themselves -----------------------------------------------------------------------

class SourceHealth(Base):
    """One row per outside system: what the operator reads to see what is down and since when."""
    __tablename__ = "source_health"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    # null: a city-wide system serving every commune (the four sources today); set: one commune's own
    commune_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    protocol: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500))
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    last_attempt_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    last_success_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    last_error_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    down_since_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    watermark_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    last_data_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)  # newest record time seen
    stored_total: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected_total: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_stored: Mapped[int] = mapped_column(Integer, default=0)
    last_poll_rejected: Mapped[int] = mapped_column(Integer, default=0)


class Watermark(Base):
    """Finer watermarks inside a source (per Datastream, per open-request re-poll, ...)."""
    __tablename__ = "watermarks"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    t: Mapped[int] = mapped_column(Epoch)


class PushLink(Base):
    """A push link's state beside its source's health row (the SensorThings MQTT link, ingest/live.py):
    since when it is connected (null: not connected), when the newest message arrived, how many messages
    came this way and how long the newest batch took from arrival to stored. Counts and durations have
    their own typed columns here (migration 0011), not epoch-second watermarks."""
    __tablename__ = "push_links"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    connected_since_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    last_message_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    messages: Mapped[int | None] = mapped_column(BigInteger, nullable=True)    # null until the first message
    lag_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Reject(Base):
    """A record that failed validation, kept with its reason; nothing is silently dropped."""
    __tablename__ = "rejects"
    __table_args__ = (Index("ix_rejects_source_reason", "source", "reason"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))         # reading | camera_event | report | indicator | page
    reason: Mapped[str] = mapped_column(String(64))       # a short code, e.g. bad_time, out_of_range
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    record_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)   # at most 2 000 characters
    received_t: Mapped[int] = mapped_column(Epoch, index=True)


# --- alerts ---------------------------------------------------------------------------------------

class Alert(Base):
    """One alert per (rule, subject) while it is not resolved. Severity only rises while open."""
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_rule_subject_state", "rule_id", "subject", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)     # threshold | level | rate | aqi | camera | ...
    subject: Mapped[str] = mapped_column(String(200))             # device id, source name, report id
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    village_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    commune_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # null: every commune's (a source)
    severity: Mapped[str] = mapped_column(String(16), index=True)  # critical | high | medium | low | info
    state: Mapped[str] = mapped_column(String(16), index=True)     # open | acknowledged | resolved
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    opened_t: Mapped[int] = mapped_column(Epoch, index=True)
    updated_t: Mapped[int] = mapped_column(Epoch)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acknowledged_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    ack_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # a person, or "rule"
    resolved_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    resolve_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AlertEvent(Base):
    """The whole history of an alert: who did what, when, with which note, from which state/severity."""
    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    t: Mapped[int] = mapped_column(Epoch)
    action: Mapped[str] = mapped_column(String(32))   # opened | escalated | acknowledged | resolved | cleared
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    state_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state_to: Mapped[str] = mapped_column(String(16))
    severity_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    severity_to: Mapped[str] = mapped_column(String(16))


class Notification(Base):
    """The outbox: one row per alert event and channel, written in the alert change's transaction and
    delivered by a separate job (pending -> sending -> sent | retry -> ... -> failed). The key makes a
    send for one alert event and channel exist once."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_t"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))   # pending | sending | retry | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    t: Mapped[int] = mapped_column(Epoch)
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    next_attempt_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    lease_until_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)


class UnmappedDatastream(Base):
    """A SensorThings Datastream the store cannot place (what it measures, or in which unit): shown on
    the Data page with the site-file line that maps it. mapped_t is set once a mapping takes it."""
    __tablename__ = "unmapped_datastreams"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    datastream_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    thing_id: Mapped[str] = mapped_column(String(128))
    thing_name: Mapped[str] = mapped_column(String(200))
    property_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    definition: Mapped[str | None] = mapped_column(String(500), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(64))   # unknown_parameter | ambiguous_parameter | unit_mismatch | ...
    candidates: Mapped[list | None] = mapped_column(JSON, nullable=True)
    samples: Mapped[list | None] = mapped_column(JSON, nullable=True)    # [[phenomenonTime, result], ...]
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)   # the device its Thing is, if known
    phenomenon_since_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    first_seen_t: Mapped[int] = mapped_column(Epoch)
    last_seen_t: Mapped[int] = mapped_column(Epoch)
    mapped_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)


# --- the weekly meeting ---------------------------------------------------------------------------

class Meeting(Base):
    """The record of one week's meeting: the figures shown, frozen as a JSON snapshot (so later data
    changes do not alter what was decided on), and the notes. One per commune and ISO week ("2026-W47"):
    each commune holds its own meeting (migration 0011)."""
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("commune_id", "week", name="uq_meetings_commune_week"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    commune_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    week: Mapped[str] = mapped_column(String(8))                       # ISO week, "2026-W47"
    week_start_t: Mapped[int] = mapped_column(Epoch, index=True)       # local Monday 00:00, UTC epoch
    snapshot: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    frozen_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    frozen_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_t: Mapped[int] = mapped_column(Epoch)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_t: Mapped[int] = mapped_column(Epoch)


class MeetingDecision(Base):
    """A decision taken at a meeting: who does what by when, and its follow-up state (open | done;
    "late" is an open decision past its due date, judged when read)."""
    __tablename__ = "meeting_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    who: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(500))
    due: Mapped[str] = mapped_column(String(10))        # local date, ISO "2026-12-04"
    state: Mapped[str] = mapped_column(String(8))       # open | done
    follow_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_t: Mapped[int] = mapped_column(Epoch)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_t: Mapped[int] = mapped_column(Epoch)


class MeetingEvent(Base):
    """The audit trail of meeting records: who froze, noted, decided or followed up what, and when."""
    __tablename__ = "meeting_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    t: Mapped[int] = mapped_column(Epoch)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))     # freeze | notes | decide | follow_up
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)


# --- access control -------------------------------------------------------------------------------

class User(Base):
    """A person who signs in. `password_hash` is argon2id (argon2-cffi), None for single-sign-on users;
    disabling keeps the row, so the audit trail still names who did what."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))            # viewer | operator | administrator
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_t: Mapped[int] = mapped_column(Epoch)
    last_sign_in_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)


class UserCommune(Base):
    """The communes a user may see, in the order the switcher lists them (the first is where they land).
    A user with no row may see every commune (what every user could before there were several)."""
    __tablename__ = "user_communes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    commune_id: Mapped[str] = mapped_column(ForeignKey("communes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class UserSession(Base):
    """One signed-in browser. The cookie carries only this random id: signing out ends the row, so a copy
    of the cookie stops working too, and idle / absolute timeouts are checked against it."""
    __tablename__ = "user_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_t: Mapped[int] = mapped_column(Epoch)
    seen_t: Mapped[int] = mapped_column(Epoch)
    ended_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class WallToken(Base):
    """A read-only link for a wall screen, bound to one playlist. The signed token carries this id;
    revoking sets `revoked_t` and the next request from that wall is refused."""
    __tablename__ = "wall_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    playlist: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_t: Mapped[int] = mapped_column(Epoch)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_used_t: Mapped[int | None] = mapped_column(Epoch, nullable=True)


class AuditEntry(Base):
    """Who did what, when, from where, and whether it was allowed: sign-ins (failed ones too), alert
    actions, uploads, users and tokens, refused requests."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    t: Mapped[int] = mapped_column(Epoch, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)   # username, "wall:<id>", "cli:<user>", "anonymous"
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))               # ok | denied | failed
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)

"""What adapters hand to ingest. Adapters parse a protocol into these plain records and never touch
the store; ingest validates, normalises units, upserts on the natural key and keeps rejects.
Times are UTC epoch seconds (int) or None where the protocol allows it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DatastreamInfo:
    """A SensorThings Datastream with its Thing and Location: registers devices the site file lacks.
    parameter None = unmapped (neither the vocabulary nor the site file says what it measures):
    `unmapped_reason` says why, `samples` holds a few of its newest results for the operator."""
    source: str
    datastream_id: str
    thing_id: str
    thing_name: str
    parameter: str | None        # our parameter code, or None when unmapped
    unit_symbol: str | None      # as declared (or as the site file corrects it)
    lat: float | None = None
    lon: float | None = None
    properties: dict = field(default_factory=dict)   # Thing properties (village, simulated, ...)
    property_name: str | None = None     # ObservedProperty.name as the server writes it
    definition: str | None = None        # ObservedProperty.definition
    device_id: str | None = None         # set by an explicit mapping in the site file
    mapped_by: str = "vocabulary"        # vocabulary | site_file
    unmapped_reason: str | None = None
    candidates: tuple[str, ...] = ()
    samples: tuple[tuple[str, str], ...] = ()   # (phenomenonTime, result as text), newest first
    phenomenon_since: int | None = None  # start of the Datastream's phenomenonTime (FROST keeps it)


@dataclass(frozen=True, slots=True)
class Observation:
    """Natural key: (source, datastream_id, t). t = phenomenonTime, the END of an interval (an averaged
    or accumulated value is known only when its interval closes). obs_id is the server's @iot.id."""
    source: str
    datastream_id: str
    t: int
    value: float
    result_t: int | None = None
    obs_id: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class ObservationBatch:
    """Many observations of one Datastream read from one page in bulk (numpy arrays of t and value): what a
    back-fill's pages mostly are, without an object per observation. `raw` holds the page's items and `index`
    says which of them the batch holds, so `records()` gives exactly the Observations the one-at-a-time path
    gives (resultTime and @iot.id read only then: the store keeps neither)."""
    source: str
    datastream_id: str
    t: object           # numpy int64 array, epoch seconds (the END of an interval phenomenonTime)
    value: object       # numpy float64 array, finite, no logger's no-data mark
    raw: list           # the page's items as parsed from JSON
    index: object       # numpy int array: position in `raw` of each observation

    def __len__(self) -> int:
        return len(self.t)

    def records(self, which=None):
        """The Observations (all, or those at positions `which` of this batch), one object each."""
        from data_sources.sensorthings import observation_from
        picks = range(len(self.t)) if which is None else which
        t, value, index = self.t.tolist(), self.value.tolist(), self.index.tolist()
        return [observation_from(self.source, self.datastream_id, t[k], value[k], self.raw[index[k]]) for k in picks]


@dataclass(frozen=True, slots=True)
class CameraEventRecord:
    """Natural key: id. end_t None while the event is in progress."""
    source: str
    id: str
    camera: str
    label: str
    start_t: int
    end_t: int | None
    score: float | None
    top_score: float | None
    sub_label: str | None = None
    zones: tuple[str, ...] = ()
    has_snapshot: bool = False
    has_clip: bool = False
    snapshot_url: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    source: str
    code: str
    name: str
    group: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """An Open311 request. Natural key: id. status 'open' | 'closed'."""
    source: str
    id: str
    status: str
    requested_t: int
    service_code: str | None = None
    service_name: str | None = None
    description: str | None = None
    status_notes: str | None = None
    agency: str | None = None
    updated_t: int | None = None
    expected_t: int | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class ReportUpdateRecord:
    """A FixMyStreet-style update; natural key (report_id, update_id). status is the raw server status."""
    source: str
    report_id: str
    update_id: str
    status: str
    t: int
    description: str | None = None


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    """Natural key (indicator, scope, period); newer generated_t wins. value None = not reported."""
    source: str
    indicator: str
    scope: str
    period: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    generated_t: int = 0
    simulated: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be used. reason is a short code (bad_time, bad_json, out_of_range,
    unknown_unit, missing_field, wrong_type, far_future, unknown_indicator, ...); excerpt is the raw
    text, cut to 2 000 characters."""
    source: str
    kind: str
    reason: str
    detail: str = ""
    excerpt: str = ""
    record_key: str | None = None


Record = (DatastreamInfo | Observation | ObservationBatch | CameraEventRecord | ServiceRecord | ReportRecord
          | ReportUpdateRecord | IndicatorRecord | Rejected)

EXCERPT_MAX = 2000


def excerpt(raw: object) -> str:
    """A bounded, printable copy of whatever was received."""
    import json
    if isinstance(raw, (bytes, bytearray)):
        text = raw[:EXCERPT_MAX * 4].decode("utf-8", errors="replace")
    elif isinstance(raw, str):
        text = raw
    else:
        try:
            text = json.dumps(raw, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(raw)
    return text[:EXCERPT_MAX]

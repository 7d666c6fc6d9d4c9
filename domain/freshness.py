"""How fresh a source, a device or a value is, judged against its own cadence.

A value is *late* after two of its expected intervals and *stale* after three; a source is *down* after
`down_after_failures` failed polls in a row. "Interval" is the larger of how often we poll the source and
how often the thing itself reports: a river gauge that reports every 10 minutes is not late 3 minutes
after its last value, and a source we poll every 5 minutes is not stale after 6.

One function decides for every view (the `status` command, the Data page, cards, map markers), so they
can never disagree. Sources whose records are events (camera detections, citizens' reports, monthly
indicators) have no data cadence: silence there is normal, so only the polls are judged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from core.site import Cadence, get_site
from core.settings import get_settings

STATES = ("ok", "late", "stale", "down", "never")
# worst last: a card that shows several sources takes the worst state
SEVERITY = {"ok": 0, "late": 1, "stale": 2, "down": 3, "never": 4}
LATE_AFTER_INTERVALS = 2
STALE_AFTER_INTERVALS = 3

# What each protocol usually does when nobody configured it (the site file's `sources:` overrides).
PROTOCOL_DEFAULTS: dict[str, Cadence] = {
    "sensorthings": Cadence(poll_interval_s=60, data_interval_s=600),
    "frigate": Cadence(poll_interval_s=60),
    "open311": Cadence(poll_interval_s=120),
    "indicators": Cadence(poll_interval_s=900),
    # the live MQTT link (ingest/live.py): its heartbeat is its "poll"; late after 2 minutes unseen
    "sensorthings_mqtt": Cadence(poll_interval_s=60),
}
# How often one device of each kind reports (the site file's `device_kinds:` overrides).
DEVICE_KIND_DEFAULTS_S: dict[str, int] = {"water_station": 600, "air_station": 300, "water_gauge": 600,
                                          "rain_gauge": 600, "wifi": 600}


@dataclass(frozen=True)
class Effective:
    """The cadence in force for one source: the site file over the protocol default; a set
    INGEST_INTERVAL_S (tests, soak runs) over every poll interval."""
    poll_interval_s: int
    data_interval_s: int | None
    down_after_failures: int


def cadence(source: str) -> Effective:
    configured = get_site().sources.get(source)
    default = PROTOCOL_DEFAULTS.get(source, Cadence(poll_interval_s=300))
    poll = (configured.poll_interval_s if configured and configured.poll_interval_s else default.poll_interval_s)
    override = get_settings().ingest_interval_s
    if override:
        poll = override
    data = configured.data_interval_s if configured and configured.data_interval_s is not None else default.data_interval_s
    down = configured.down_after_failures if configured else default.down_after_failures
    return Effective(poll_interval_s=int(poll), data_interval_s=data, down_after_failures=down)


def device_interval_s(kind: str) -> int | None:
    configured = get_site().device_kinds.get(kind)
    return configured if configured is not None else DEVICE_KIND_DEFAULTS_S.get(kind)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def age_state(age_s: float | None, interval_s: float | None) -> str:
    """ok / late / stale for something expected every `interval_s` seconds, last seen `age_s` ago."""
    if _missing(age_s):
        return "never"
    if not interval_s:
        return "ok"
    if age_s > STALE_AFTER_INTERVALS * interval_s:
        return "stale"
    if age_s > LATE_AFTER_INTERVALS * interval_s:
        return "late"
    return "ok"


def source_state(now: int, *, last_success_t, last_attempt_t, consecutive_failures, last_data_t,
                 cadence: Effective) -> str:
    """never / down / stale / late / ok for one source row. Missing values may be None or NaN."""
    failures = 0 if _missing(consecutive_failures) else int(consecutive_failures)
    if failures >= cadence.down_after_failures:
        return "down"
    if _missing(last_success_t):
        return "never"
    poll = age_state(now - last_success_t, cadence.poll_interval_s)
    if cadence.data_interval_s is None:
        return poll
    # data can trail the poll by the source's own interval: judge it against whichever is longer
    data = age_state(None if _missing(last_data_t) else now - last_data_t,
                     max(cadence.data_interval_s, cadence.poll_interval_s))
    if data == "never":
        data = "stale"
    return worst(poll, data)


def worst(*states: str) -> str:
    return max(states, key=lambda s: SEVERITY.get(s, 0)) if states else "never"


def state_of_row(row, now: int) -> str:
    """source_state for a source_health row (mapping with the table's columns)."""
    return source_state(now, last_success_t=row["last_success_t"], last_attempt_t=row["last_attempt_t"],
                        consecutive_failures=row["consecutive_failures"], last_data_t=row["last_data_t"],
                        cadence=cadence(row["source"]))

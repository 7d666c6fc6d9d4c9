"""Source health for the operator: what is down and since when, how late, what was rejected and why.

Per commune (`commune`): a commune's own sources and the city-wide ones (source_health.commune_id null);
rejects and unmapped datastreams follow their source (a source with no health row is city-wide), and an
unmapped datastream whose Thing is a known device follows that device's commune. None: everything."""
from __future__ import annotations

import json
import time

import pandas as pd
from sqlalchemy import func, or_, select

from domain.freshness import cadence, state_of_row
from queries.base import frame, none_for_missing_text, records, to_time
from queries.cache import memoize
from store.engine import get_engine
from store.models import Device, PushLink, Reject, SourceHealth, UnmappedDatastream

TIME_COLS = ("last_attempt_t", "last_success_t", "last_error_t", "down_since_t", "watermark_t", "last_data_t")


SOURCE_COLUMNS = ["source", "protocol", "url", "simulated", *TIME_COLS, "last_error", "consecutive_failures",
                  "stored_total", "rejected_total"]


@memoize("health", expire=30)
def sources(now: int | None = None, commune: str | None = None) -> pd.DataFrame:
    """One row per source with its freshness state (domain.freshness), judged on the raw row before
    pandas turns its NULLs into NaN. commune: the sources serving it (its own and the city-wide ones,
    whose commune_id is null); None: every source."""
    rows = _source_rows(now, (commune,) if commune else None)
    return _sources_frame(_serving(rows, commune) if commune else rows)


@memoize("health", expire=30)
def states_by_commune(communes: tuple[str, ...], now: int | None = None) -> dict[str, dict[str, str]]:
    """{commune: {source: state}}: the sources sources(commune=c) lists for each commune with their states,
    read in one query (the city page's "sources down" column; no frame a commune)."""
    rows = _source_rows(now, communes)
    return {c: {r["source"]: r["state"] for r in _serving(rows, c)} for c in communes}


def _serving(rows: list[dict], commune: str) -> list[dict]:
    """The sources serving a commune: its own and the city-wide ones (commune_id null)."""
    return [r for r in rows if r["commune_id"] is None or r["commune_id"] == commune]


def _source_rows(now: int | None, communes: tuple[str, ...] | None) -> list[dict]:
    """The source rows (with their commune_id and state) serving any of the communes (None: every source)."""
    now = int(now or time.time())
    t = SourceHealth.__table__
    with get_engine().connect() as conn:
        stmt = select(*[t.c[c] for c in SOURCE_COLUMNS], t.c.commune_id).order_by(t.c.source)
        if communes:
            stmt = stmt.where(t.c.commune_id.is_(None) | t.c.commune_id.in_(communes))
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
        # a push link (SensorThings MQTT, ingest/live.py) keeps its connection state beside its row;
        # only what is known counts (a link row not yet connected, nothing received, is not shown as one)
        names = ("connected_since", "last_message", "messages", "lag_ms")
        links: dict[str, dict[str, int]] = {}
        for source, *values in conn.execute(select(PushLink.source, PushLink.connected_since_t,
                                                   PushLink.last_message_t, PushLink.messages, PushLink.lag_ms)):
            known = {k: int(v) for k, v in zip(names, values) if v is not None}
            if known:
                links[source] = known
    for row in rows:
        link = links.get(row["source"], {})
        row["push"] = bool(link)
        row["connected_since_t"], row["last_message_t"] = link.get("connected_since"), link.get("last_message")
        row["messages"], row["push_lag_ms"] = link.get("messages"), link.get("lag_ms")
        every = cadence(row["source"])
        row["state"] = state_of_row(row, now)
        row["poll_interval_s"] = every.poll_interval_s
        row["lag_s"] = now - row["watermark_t"] if row["watermark_t"] is not None else None
        row["data_age_s"] = now - row["last_data_t"] if row["last_data_t"] is not None else None
        row["simulated"] = bool(row["simulated"])
    return rows


def _sources_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*SOURCE_COLUMNS, "state", "poll_interval_s", "lag_s", "data_age_s", "push",
                                     "connected_since_t", "last_message_t", "messages", "push_lag_ms"])
    for col in (*TIME_COLS, "connected_since_t", "last_message_t"):
        df[col.replace("_t", "_time")] = pd.to_datetime(df.pop(col), unit="s", utc=True)
    return none_for_missing_text(df)


def source_states(now: int, conn=None) -> dict[str, str]:
    """Each source's freshness state, as `sources()` judges it (the same rule on the same row), from the
    health rows alone: no frame and no push links (the state does not read them). For the map's states,
    which need nothing else of a source. `conn`: an open connection to read in (else one is opened)."""
    t = SourceHealth.__table__
    stmt = select(t.c.source, t.c.last_success_t, t.c.last_attempt_t, t.c.consecutive_failures, t.c.last_data_t)
    if conn is None:
        with get_engine().connect() as own:
            rows = own.execute(stmt).fetchall()
    else:
        rows = conn.execute(stmt).fetchall()
    return {row.source: state_of_row(row._mapping, now) for row in rows}


def _other_communes_sources(commune: str):
    """The sources that are another commune's own (what a commune's view leaves out)."""
    return select(SourceHealth.source).where(SourceHealth.commune_id.is_not(None), SourceHealth.commune_id != commune)


@memoize("health", expire=30)
def rejects_by_reason(source: str | None = None, commune: str | None = None) -> pd.DataFrame:
    stmt = select(Reject.source, Reject.kind, Reject.reason, func.count(), func.max(Reject.received_t)) \
        .group_by(Reject.source, Reject.kind, Reject.reason).order_by(func.count().desc())
    if source:
        stmt = stmt.where(Reject.source == source)
    if commune:
        stmt = stmt.where(Reject.source.not_in(_other_communes_sources(commune)))
    return frame(stmt, ["source", "kind", "reason", "count", "last_time"], ("last_time",))


@memoize("health", expire=30)
def recent_rejects(limit: int = 100, source: str | None = None, commune: str | None = None) -> pd.DataFrame:
    stmt = select(Reject.received_t, Reject.source, Reject.kind, Reject.reason, Reject.detail, Reject.record_key,
                  Reject.excerpt).order_by(Reject.id.desc()).limit(max(1, min(int(limit), 1000)))
    if source:
        stmt = stmt.where(Reject.source == source)
    if commune:
        stmt = stmt.where(Reject.source.not_in(_other_communes_sources(commune)))
    return frame(stmt, ["time", "source", "kind", "reason", "detail", "record_key", "excerpt"], ("time",))


NEVER = {"state": "never", "last_success_time": None, "last_data_time": None, "stale": True, "simulated": False,
         "down_since_time": None}


def freshness(source: str, now: int | None = None) -> dict:
    """The card's view of one source: state, times (None where missing), simulated."""
    return dict(_freshness_views(now).get(source, NEVER))


@memoize("health", expire=30, local=True)
def _freshness_views(now: int | None = None) -> dict[str, dict]:
    """freshness() of every source, kept in this process's memory as long as the tag's version allows: each
    panel's data asks it for each of its sources (a cold page: ~15 calls). Made from the source rows
    sources() reads, judged by the same rule, with the times as sources()'s frame has them, without the
    frame (building it for four sources was 17 ms of every page's cold layout, the rows 0.7 ms). Read
    afresh, not from a kept answer, so a view is never older than sources()'s 30 s."""
    def when(epoch_s):
        return None if epoch_s is None else pd.Timestamp(epoch_s, unit="s", tz="UTC")
    return {r["source"]: {"state": r["state"], "last_success_time": when(r["last_success_t"]),
                          "last_data_time": when(r["last_data_t"]), "stale": r["state"] in ("stale", "down", "never"),
                          "simulated": bool(r["simulated"]), "down_since_time": when(r["down_since_t"]),
                          "last_attempt_time": when(r["last_attempt_t"]), "poll_interval_s": r["poll_interval_s"]}
            for r in _source_rows(now, None)}


@memoize("health", expire=30)
def unmapped_datastreams(source: str = "sensorthings", commune: str | None = None) -> pd.DataFrame:
    """SensorThings Datastreams the store could not place and still cannot: what the server says
    about each (Thing, property, definition, unit), a few of its values, since when it exists (the
    Datastream's own phenomenonTime, else when we first saw it), and the site-file line that maps it.
    commune: those of its devices and those no device claims yet, from its own or a city-wide source."""
    u = UnmappedDatastream.__table__
    cols = ["source", "datastream_id", "thing_id", "thing_name", "property_name", "definition", "unit", "reason",
            "candidates", "samples", "device_id", "phenomenon_since_t", "first_seen_t", "last_seen_t"]
    stmt = select(*[u.c[c] for c in cols]).where(u.c.source == source, u.c.mapped_t.is_(None))
    if commune:
        device_commune = select(Device.commune_id).where(Device.id == u.c.device_id).scalar_subquery()
        stmt = stmt.where(u.c.source.not_in(_other_communes_sources(commune)),
                          or_(u.c.device_id.is_(None), device_commune.is_(None), device_commune == commune))
    df = frame(stmt.order_by(u.c.thing_name, u.c.datastream_id), cols)
    df["since_time"] = to_time(df["phenomenon_since_t"].where(df["phenomenon_since_t"].notna(), df["first_seen_t"]))
    df["last_seen_time"] = to_time(df.pop("last_seen_t"))
    df["yaml_line"] = [mapping_line(r) for r in df.to_dict("records")]
    return df.drop(columns=["phenomenon_since_t", "first_seen_t"])


def mapping_line(row: dict) -> str:
    """The entry to add under `datastreams:` in the site file. The device is the Thing's if known and
    the parameter the best candidate; otherwise a placeholder the operator must replace (the site file
    refuses to load with an unknown device or parameter, so a placeholder cannot slip through)."""
    device = row.get("device_id")
    candidates = row.get("candidates")
    candidates = list(candidates) if isinstance(candidates, (list, tuple)) else []
    parameter = candidates[0] if len(candidates) == 1 else "<" + ("|".join(candidates) or "parameter") + ">"
    device = device if isinstance(device, str) and device else "<device id>"
    return (f"  - {{datastream: {json.dumps(str(row['datastream_id']), ensure_ascii=False)}, "
            f"device: {json.dumps(device, ensure_ascii=False)}, parameter: {json.dumps(parameter)}}}")

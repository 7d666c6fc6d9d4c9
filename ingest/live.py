"""Live push into the store: SensorThings Observations arriving over MQTT (data_sources/sensorthings_mqtt.py)
are written by the same Writer as the HTTP poll, within a second of being published. The poll stays as
the catch-up: whatever was published while the link was down, or before a Datastream was subscribed,
the poll's window still covers, and the store's natural key (series, time) keeps a reading that came both
ways once.

Threads: paho's network thread only queues what arrives (it must keep answering keep-alives); one worker
thread takes the queue in batches (at most BATCH_MAX messages, or what came within one wait), writes them in
one transaction and refreshes the rollups they touched; what a poll then does (invalidate the cache,
evaluate the alert rules) follows for all batches of the last SETTLE_S seconds together.

The link keeps its own source_health row, `sensorthings_mqtt` (so `status`, the Data page and the
source-silence alert judge it like any source): last_success_t is the last time the link was seen up (each
heartbeat and batch), down_since_t/last_error say since when and why it is down, consecutive_failures counts
failed (re)connects, stored_total/rejected_total count readings stored and messages rejected through it.
What that table has no column for is kept beside it in `push_links` under the same source name: connected
since (epoch), the last message's arrival (epoch), messages received (a count) and arrival → stored of
the newest batch (ms)."""
from __future__ import annotations

import logging
import queue
import statistics
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, func, select, update

from core.errors import SourceUnavailable
from core.settings import get_settings
from core.site import get_site
from data_sources.sensorthings import FUTURE_SLACK_S, SensorThingsAdapter
from data_sources.sensorthings_mqtt import Broker, PushClient, observations_topics, parse_broker_url, parse_message
from domain.freshness import cadence
from ingest.records import DatastreamInfo, Observation, Rejected
from ingest.upsert import upsert
from ingest.writer import StoreStats, Writer
from store.models import PushLink, SourceHealth

log = logging.getLogger(__name__)

HEALTH_SOURCE = "sensorthings_mqtt"
PROTOCOL = "SensorThings MQTT"
BATCH_MAX = 500
QUEUE_MAX = 50_000            # beyond this (the store stalled) messages are dropped, counted, and polled later
HEARTBEAT_MAX_S = 30
REDISCOVER_S = 1800           # new Datastreams are also announced on the <root>/Datastreams topic
RETRY_DISCOVERY_S = 30
SETTLE_S = 5                  # cache invalidation and alert rules after pushed readings: at most this often


def configured_url() -> str | None:
    """MQTT_URL, else the site file's `sources: sensorthings: mqtt:`; None = no live push."""
    url = get_settings().mqtt_url
    if url:
        return url
    sta = get_site().sources.get("sensorthings")
    return getattr(sta, "mqtt", None) or None


class LiveIngest:
    def __init__(self, engine: Engine, adapter: SensorThingsAdapter, broker: Broker, *, qos: int = 1,
                 client_id: str | None = None):
        self.engine, self.adapter, self.broker = engine, adapter, broker
        self.source = adapter.source
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_MAX)
        self.writer = Writer(engine)
        self.client = PushClient(broker, self._arrived, self._link, qos=qos, client_id=client_id)
        self.listeners: list[Callable[[list[Observation], float], None]] = []   # (batch, committed at): bench
        self.dropped = 0
        self.batches = 0
        self._links: list[tuple[bool, str | None, int]] = []
        self._links_lock = threading.Lock()
        self._stop = threading.Event()
        self._discover_due = 0.0
        self._touched: set[int] = set()
        self._unsettled = False
        self._settle_due = 0.0
        self._worker: threading.Thread | None = None
        self.ready = threading.Event()        # set once the first discovery has subscribed its topics

    # --- network thread: queue only ---------------------------------------------------------------
    def _arrived(self, topic: str, payload: bytes, received: float) -> None:
        try:
            self.queue.put_nowait((topic, payload, received))
        except queue.Full:
            self.dropped += 1

    def _link(self, up: bool, why: str | None) -> None:
        with self._links_lock:
            self._links.append((up, why, int(time.time())))

    # --- life ---------------------------------------------------------------------------------------
    def start(self) -> "LiveIngest":
        self._ensure_health()
        self.client.want([f"{self.broker.root}/Datastreams"])
        self._discover()
        self.client.start()
        self._worker = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._worker.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self.client.stop()
        if self._worker is not None:
            self._worker.join(timeout_s)
        self._handle_links()
        if self._unsettled:
            self._settle()

    def _run(self) -> None:
        every = max(1, min(HEARTBEAT_MAX_S, cadence(HEALTH_SOURCE).poll_interval_s // 2))
        next_beat = 0.0
        while not self._stop.is_set():
            batch = []
            try:
                batch.append(self.queue.get(timeout=0.5))
                while len(batch) < BATCH_MAX:
                    batch.append(self.queue.get_nowait())
            except queue.Empty:
                pass
            try:
                self._handle_links()
                if time.monotonic() >= self._discover_due:
                    self._discover()
                if batch:
                    self._store(batch)
                if self._unsettled and time.monotonic() >= self._settle_due:
                    self._settle()
                if time.monotonic() >= next_beat:
                    self._heartbeat()
                    next_beat = time.monotonic() + every
            except Exception:  # noqa: BLE001 - a bad batch or a store hiccup costs that batch, not the link
                log.exception("MQTT ingest batch failed (%d messages; the poll will catch them up)", len(batch))

    def _settle(self) -> None:
        """What a poll does after it stored (invalidate the cache, evaluate the alert rules on the touched
        series), for everything stored since the last time, at most every SETTLE_S: the store is current
        within a second, and the web workers' caches are not emptied on every message."""
        from ingest.runner import _after_store   # runner starts this module: imported when first needed
        stats = StoreStats(touched_series=self._touched)
        self._touched, self._unsettled = set(), False
        self._settle_due = time.monotonic() + SETTLE_S
        _after_store(self.engine, self.source, stats, int(time.time()))

    # --- discovery: which topics ----------------------------------------------------------------------
    def _discover(self) -> None:
        """Datastreams as the HTTP path sees them (same adapter, same mapping, same unmapped list);
        subscribe to those that take readings."""
        try:
            infos = [i for i in self.adapter.discover(force=True) if isinstance(i, DatastreamInfo)]
            self.writer.now = int(time.time())
            self.writer.write(infos)
        except SourceUnavailable as err:
            log.warning("MQTT ingest: discovery over HTTP failed (%s); retrying in %d s", err, RETRY_DISCOVERY_S)
            self._discover_due = time.monotonic() + RETRY_DISCOVERY_S
            return
        except Exception:  # noqa: BLE001 - e.g. the poll registering the same series at the same moment
            log.exception("MQTT ingest: discovery failed; retrying in %d s", RETRY_DISCOVERY_S)
            self._discover_due = time.monotonic() + RETRY_DISCOVERY_S
            return
        taking = [i.datastream_id for i in infos if not isinstance(self.writer.series.get((self.source, i.datastream_id)),
                                                                    (str, type(None)))]
        new = self.client.want(t for ds in taking for t in observations_topics(self.broker.root, ds))
        if new:
            log.info("MQTT ingest: %d Datastreams subscribed (%d new topics)", len(taking), len(new))
        self._discover_due = time.monotonic() + REDISCOVER_S
        self.ready.set()

    # --- worker thread: store ---------------------------------------------------------------------------
    def _store(self, batch: list[tuple[str, bytes, float]]) -> None:
        now = time.time()
        horizon = int(now) + FUTURE_SLACK_S
        announce = f"{self.broker.root}/Datastreams"
        records: list[Observation | Rejected] = []
        seen: set[tuple[str, int]] = set()
        for topic, payload, _received in batch:
            if topic == announce:               # a Datastream was created or changed: look again soon
                self._discover_due = min(self._discover_due, time.monotonic() + 2)
                continue
            rec = parse_message(self.adapter, self.broker.root, topic, payload, horizon)
            if isinstance(rec, Observation):
                if (rec.datastream_id, rec.t) in seen:    # published twice: already in this batch
                    continue
                seen.add((rec.datastream_id, rec.t))
            records.append(rec)
        self.writer.now = int(now)
        self.writer.stats = stats = StoreStats()
        self.writer.write(records)
        committed = time.time()
        self.batches += 1
        arrived = [r for _t, _p, r in batch]
        lag_ms = int((committed - statistics.median(arrived)) * 1000)
        self._record(batch, stats, lag_ms, int(max(arrived)))
        self._touched.update(stats.touched_series)
        self._unsettled = True
        observations = [r for r in records if isinstance(r, Observation)]
        for listener in list(self.listeners):
            listener(observations, committed)

    # --- health ---------------------------------------------------------------------------------------
    def _ensure_health(self) -> None:
        with self.engine.begin() as conn:
            upsert(conn, SourceHealth.__table__, [{
                "source": HEALTH_SOURCE, "protocol": PROTOCOL, "url": self.broker.display[:500],
                "simulated": bool(getattr(self.adapter, "simulated", False)), "consecutive_failures": 0,
                "stored_total": 0, "rejected_total": 0, "last_poll_stored": 0, "last_poll_rejected": 0}],
                ["source"], update=["protocol", "url"])
            upsert(conn, PushLink.__table__, [{"source": HEALTH_SOURCE}], ["source"], update=[])

    @staticmethod
    def _link_values(conn, **values) -> None:
        """Set the link's columns (push_links); None clears one (not connected any more)."""
        conn.execute(update(PushLink).where(PushLink.source == HEALTH_SOURCE).values(**values))

    def _record(self, batch, stats: StoreStats, lag_ms: int, last_arrival: int) -> None:
        now = int(time.time())
        with self.engine.begin() as conn:
            h = conn.execute(select(SourceHealth.__table__).where(SourceHealth.source == HEALTH_SOURCE)).first()
            values = {"last_attempt_t": now, "last_poll_stored": stats.stored_total,
                      "last_poll_rejected": stats.rejected_total,
                      "stored_total": (h.stored_total or 0) + stats.stored_total,
                      "rejected_total": (h.rejected_total or 0) + stats.rejected_total}
            if self.client.connected.is_set():
                values["last_success_t"] = now
            if stats.last_data_t and (h.last_data_t is None or stats.last_data_t > h.last_data_t):
                values["last_data_t"] = stats.last_data_t
            if getattr(self.adapter, "simulated", False) or stats.simulated:
                values["simulated"] = True
            conn.execute(update(SourceHealth).where(SourceHealth.source == HEALTH_SOURCE).values(**values))
            # counted in the store (one UPDATE), so two writers never lose each other's messages
            self._link_values(conn, last_message_t=last_arrival, lag_ms=lag_ms,
                              messages=func.coalesce(PushLink.messages, 0) + len(batch))

    def _heartbeat(self) -> None:
        if not self.client.connected.is_set():
            return
        now = int(time.time())
        with self.engine.begin() as conn:
            conn.execute(update(SourceHealth).where(SourceHealth.source == HEALTH_SOURCE)
                         .values(last_success_t=now, last_attempt_t=now))

    def _handle_links(self) -> None:
        with self._links_lock:
            events, self._links = self._links, []
        for up, why, at in events:
            with self.engine.begin() as conn:
                h = conn.execute(select(SourceHealth.__table__).where(SourceHealth.source == HEALTH_SOURCE)).first()
                if up:
                    conn.execute(update(SourceHealth).where(SourceHealth.source == HEALTH_SOURCE).values(
                        last_success_t=at, last_attempt_t=at, consecutive_failures=0, down_since_t=None,
                        last_error=None, last_error_t=None))
                    self._link_values(conn, connected_since_t=at)
                else:
                    conn.execute(update(SourceHealth).where(SourceHealth.source == HEALTH_SOURCE).values(
                        last_attempt_t=at, last_error=(why or "disconnected")[:1000], last_error_t=at,
                        consecutive_failures=(h.consecutive_failures or 0) + 1, down_since_t=h.down_since_t or at))
                    self._link_values(conn, connected_since_t=None)


def start_live(sources: Sequence[str] | None = None, engine: Engine | None = None, urls: dict | None = None,
               url: str | None = None) -> LiveIngest | None:
    """What `manage.py ingest` starts beside the poll when an MQTT URL is configured (None otherwise)."""
    if sources and "sensorthings" not in sources:
        return None
    url = url or configured_url()
    if not url:
        return None
    from ingest.runner import _adapter
    from store.engine import get_engine
    try:
        broker = parse_broker_url(url)
    except ValueError as err:   # polling goes on without the push; the log says why
        log.error("live push not started: %s", err)
        return None
    live = LiveIngest(engine or get_engine(), _adapter("sensorthings", urls), broker, qos=get_settings().mqtt_qos)
    log.info("live push: SensorThings MQTT from %s (the poll stays as the catch-up)", live.broker.display)
    return live.start()

"""The SensorThings API MQTT extension (OGC 18-088 §14, as FROST-Server speaks it): live push beside the
HTTP poll.

A server publishes every new Observation of Datastream <id> on the topic `v1.1/Datastreams(<id>)/Observations`
(a string id quoted as in a URL: `Datastreams('river-7')`), with the Observation entity as the HTTP API
would return it as the payload: @iot.id, phenomenonTime (an instant or "start/end"), resultTime, result,
and the self and navigation links unless the subscriber asked for fewer with `?$select=…` in the topic.
Nothing is retained; QoS is the server's (0 or 1). The topic, not the payload, says which Datastream a
message belongs to, so one subscription is made per Datastream the HTTP discovery found.

Parsing goes through SensorThingsAdapter.parse_observation: one set of rules (intervals keyed on their
end, nulls, "NaN", -9999, text numbers, future times) for both paths, so a reading pushed and later polled
is the same record and the store's natural key (series, time) keeps it once.

This module speaks MQTT and parses; it never touches the store (ingest/live.py does)."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from data_sources.http import plain
from data_sources.sensorthings import SensorThingsAdapter, entity_key
from ingest.records import Observation, Rejected, excerpt

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 64 * 1024      # an Observation is a few hundred bytes; anything this big is not one
DEFAULT_ROOT = "v1.1"
RECONNECT_MIN_S, RECONNECT_MAX_S = 1, 60   # paho doubles the wait between attempts up to the maximum
KEEPALIVE_S = 30
_TOPIC = re.compile(r"/Datastreams\((\d+|'(?:[^']|'')*')\)/Observations(?:\?.*)?")


@dataclass(frozen=True)
class Broker:
    """Where to subscribe: `mqtt://[user:password@]host[:1883][/topic root]` (`mqtts://` for TLS, port 8883).
    The topic root is the path (default `v1.1`, as FROST-Server publishes); tests give each run its own."""
    host: str
    port: int
    root: str
    tls: bool = False
    username: str | None = None
    password: str | None = None

    @property
    def display(self) -> str:
        """The URL without credentials (it goes into source health, the Data page and logs)."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}/{self.root}"


def parse_broker_url(url: str) -> Broker:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"not an MQTT URL (mqtt:// or mqtts://): {plain(url, 80)}")
    tls = parts.scheme in ("mqtts", "ssl")
    if not parts.hostname:
        raise ValueError(f"MQTT URL without a host: {plain(url, 80)}")
    root = parts.path.strip("/") or DEFAULT_ROOT
    return Broker(parts.hostname, parts.port or (8883 if tls else 1883), root, tls,
                  unquote(parts.username) if parts.username else None,
                  unquote(parts.password) if parts.password else None)


def observations_topics(root: str, datastream_id: str) -> list[str]:
    """The topics a Datastream's new Observations arrive on. An id of digits only may be a number or a
    string on the server (both print the same once read as text), so both spellings are subscribed.
    An id with an MQTT wildcard (+, #) or NUL in it cannot be subscribed to exactly (a broker may drop the
    client for the filter): none, and the poll alone reads that Datastream."""
    if any(c in datastream_id for c in "+#\0"):
        return []
    topics = [f"{root}/Datastreams({entity_key(datastream_id)})/Observations"]
    if datastream_id.isdigit():
        topics.append(f"{root}/Datastreams('{datastream_id}')/Observations")
    return topics


def datastream_of(topic: str, root: str) -> str | None:
    """The Datastream @iot.id (as text) a topic is about, or None when it is no Observations topic of ours."""
    if not topic.startswith(root + "/"):
        return None
    m = _TOPIC.fullmatch(topic[len(root):])
    if m is None:
        return None
    key = m.group(1)
    return key[1:-1].replace("''", "'") if key.startswith("'") else key


def parse_message(adapter: SensorThingsAdapter, root: str, topic: str, payload: bytes,
                  horizon: int) -> Observation | Rejected:
    """One MQTT message as the record the HTTP path would make of the same Observation, or the reason
    it cannot be one (too large, not JSON, not an Observations topic, and every reason parse_observation has)."""
    source = adapter.source
    ds_id = datastream_of(topic, root)
    key = plain(topic, 200)
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Rejected(source, "reading", "too_large", f"MQTT payload of {len(payload):,} bytes "
                                                         f"(at most {MAX_PAYLOAD_BYTES:,})", excerpt(payload[:2000]), key)
    if ds_id is None:
        return Rejected(source, "reading", "unknown_topic", f"not a Datastream's Observations topic: {key}",
                        excerpt(payload), key)
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        return Rejected(source, "reading", "bad_json", f"MQTT payload is not JSON: {plain(err, 160)}",
                        excerpt(payload), f"{ds_id}@mqtt:{plain(payload[:60], 60)}"[:200])
    return adapter.parse_observation(ds_id, raw, horizon)


class PushClient:
    """A paho-mqtt client on its own network thread: connects (retrying with paho's doubling backoff,
    1 s up to 60 s), subscribes every wanted topic again on each (re)connect (a clean session keeps no
    subscriptions; what was published while the link was down is the HTTP poll's to catch up), and hands
    each message, with the time it arrived, to `on_message`. It never blocks in that callback's caller:
    the network thread must keep answering the broker's keep-alive."""

    def __init__(self, broker: Broker, on_message: Callable[[str, bytes, float], None],
                 on_link: Callable[[bool, str | None], None] | None = None, qos: int = 1,
                 client_id: str | None = None):
        import paho.mqtt.client as mqtt
        self.broker, self.qos = broker, qos
        self._on_message, self._on_link = on_message, on_link or (lambda up, why: None)
        self._topics: set[str] = set()
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.connects = 0
        self._stopping = False
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"brain-ingest-{uuid.uuid4().hex[:12]}", clean_session=True)
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self.client.on_connect = self._connected
        self.client.on_disconnect = self._disconnected
        self.client.on_message = self._message
        self.client.on_connect_fail = lambda client, userdata: self._on_link(False, "connection failed")

    # --- what to listen to --------------------------------------------------------------------------
    def want(self, topics: Iterable[str]) -> list[str]:
        """Add topics; subscribed at once when connected, else on the next connect. Returns the new ones."""
        with self._lock:
            new = sorted(set(topics) - self._topics)
            self._topics.update(new)
        if new and self.connected.is_set():
            self._subscribe(new)
        return new

    @property
    def topics(self) -> set[str]:
        with self._lock:
            return set(self._topics)

    def _subscribe(self, topics: list[str]) -> None:
        for i in range(0, len(topics), 200):      # brokers cap the topics of one SUBSCRIBE packet
            self.client.subscribe([(t, self.qos) for t in topics[i:i + 200]])

    # --- paho callbacks (network thread) -----------------------------------------------------------
    def _connected(self, client, userdata, flags, reason_code, properties=None):
        if reason_code.is_failure:
            self._on_link(False, f"broker refused the connection: {reason_code}")
            return
        self.connects += 1
        self.connected.set()
        self._subscribe(sorted(self.topics))
        log.info("MQTT connected to %s, %d topics subscribed", self.broker.display, len(self.topics))
        self._on_link(True, None)

    def _disconnected(self, client, userdata, flags, reason_code, properties=None):
        self.connected.clear()
        if self._stopping:
            return
        log.warning("MQTT link to %s lost (%s); reconnecting", self.broker.display, reason_code)
        self._on_link(False, f"disconnected: {reason_code}")

    def _message(self, client, userdata, msg):
        self._on_message(msg.topic, msg.payload, time.time())

    # --- life -----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()

    def stop(self) -> None:
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()

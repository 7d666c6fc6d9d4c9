"""The simulator's MQTT face: each new Observation is published once its resultTime has passed, on
`<root>/Datastreams(<id>)/Observations`, as the full entity the HTTP API returns (no `$select`), not
retained, the way FROST-Server's MQTT extension does, and with what real servers add:

- some Datastreams (every fourth) are addressed by a string id, `Datastreams('8')`, with string
  Observation ids, as a server keyed on text does;
- QoS 0 on odd Datastreams, QoS 1 on even ones;
- now and then (one Observation in 17) the same message twice;
- the nulls, "NaN", -9999 and spikes the HTTP face serves, since both faces serve the same Observations.

Late records (a gateway buffering) are published late, when they reach the server, as over HTTP."""
from __future__ import annotations

import logging
import threading
import time

import orjson

from data_sources.sensorthings_mqtt import parse_broker_url
from simulator.sensors import observations
from simulator.sta import SensorThings, observation_entity

log = logging.getLogger(__name__)
MAX_LATE_S = 5 * 3600 + 60     # the longest a simulated gateway holds a record back (simulator/sensors.py)
DUPLICATE_EVERY = 17


def topic_for(root: str, ds_id: int) -> str:
    return f"{root}/Datastreams('{ds_id}')/Observations" if ds_id % 4 == 0 else f"{root}/Datastreams({ds_id})/Observations"


class ObservationPublisher:
    def __init__(self, sta: SensorThings, url: str, http_base: str, now_fn=time.time, tick_s: float = 1.0):
        import paho.mqtt.client as mqtt
        self.sta, self.now_fn, self.tick_s = sta, now_fn, tick_s
        self.broker = parse_broker_url(url)
        self.http_base = http_base.rstrip("/")
        self.published = 0
        self._stop = threading.Event()
        self._last = int(now_fn())
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"brain-simulator-{id(self):x}")
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        if self.broker.tls:
            self.client.tls_set()
        self.client.reconnect_delay_set(1, 30)
        self._thread: threading.Thread | None = None

    def messages(self, after: int, until: int) -> list[tuple[str, bytes, int]]:
        """(topic, payload, qos) of every Observation whose resultTime falls in (after, until], oldest first."""
        out = []
        for ds in self.sta.streams:
            k, t, result, result_t = observations(self.sta.seed, ds, after - MAX_LATE_S - 2 * ds.step, until + 1, until)
            for i in (j for j in range(len(k)) if result_t[j] > after):
                entity = observation_entity(ds, int(k[i]), int(t[i]), result[i], int(result_t[i]), self.http_base)
                if ds.id % 4 == 0:
                    entity["@iot.id"] = str(entity["@iot.id"])
                payload = orjson.dumps(entity, option=orjson.OPT_SERIALIZE_NUMPY)
                msg = (topic_for(self.broker.root, ds.id), payload, 1 if ds.id % 2 == 0 else 0)
                out.append((int(result_t[i]), msg))
                if (int(k[i]) + ds.id) % DUPLICATE_EVERY == 0:
                    out.append((int(result_t[i]), msg))
        return [m for _t, m in sorted(out, key=lambda x: x[0])]

    def publish_due(self) -> int:
        now = int(self.now_fn())
        if now <= self._last:
            return 0
        msgs = self.messages(self._last, now)
        self._last = now
        for topic, payload, qos in msgs:
            self.client.publish(topic, payload, qos=qos, retain=False)
        self.published += len(msgs)
        return len(msgs)

    def _run(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                self.publish_due()
            except Exception:  # noqa: BLE001 - a server keeps publishing
                log.exception("simulator: MQTT publish failed")

    def start(self) -> "ObservationPublisher":
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name="simulator-mqtt", daemon=True)
        self._thread.start()
        log.info("simulator publishes Observations to %s", self.broker.display)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.client.disconnect()
        self.client.loop_stop()

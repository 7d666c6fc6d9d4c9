"""The live push path against the local Mosquitto: the simulator publishes Observations as FROST-Server's
MQTT extension does, ingest/live.py stores them through the same Writer as the poll, and the poll that
later reads the same window stores nothing twice. Each test has its own topic root on the shared broker.

Waits poll the store until a condition holds (with a generous deadline); nothing asserts on elapsed time
(the publish → stored latency is measured in bench/)."""
from __future__ import annotations

import json
import socket
import time
import uuid

import pytest
from sqlalchemy import func, select

from core.timeutil import to_epoch
from data_sources.sensorthings import SensorThingsAdapter
from data_sources.sensorthings_mqtt import parse_broker_url
from ingest.live import HEALTH_SOURCE, LiveIngest
from ingest.runner import _ensure_health, poll_source
from ingest.site_sync import sync_site
from ingest.status import status_report
from queries import health, readings
from simulator.server import start_in_thread
from tests.conftest import IN_CI
from store.models import PushLink, Reading, Reject, Series, SourceHealth

BROKER = ("127.0.0.1", 1883)
NOW = to_epoch("2025-11-05T12:00:00+07:00")


def _broker_reason() -> str | None:
    try:
        with socket.create_connection(BROKER, timeout=2):
            return None
    except OSError as err:
        return f"Mosquitto not reachable at {BROKER[0]}:{BROKER[1]}: {err}"


@pytest.fixture
def mqtt_url():
    reason = _broker_reason()
    if reason:
        if IN_CI:     # the CI machine runs Mosquitto, as it runs PostgreSQL
            pytest.fail(reason + " (required when CI=true)")
        pytest.skip(reason)
    return f"mqtt://{BROKER[0]}:{BROKER[1]}/test-{uuid.uuid4().hex[:10]}/v1.1"


@pytest.fixture
def sim(mqtt_url, site):
    """The simulator on a clock the test moves, publishing to this test's topic root."""
    clock = {"now": NOW}
    server, base = start_in_thread(port=0, seed=766, site_file="sites/quang_tho.yaml", now_fn=lambda: clock["now"],
                                   mqtt_url=mqtt_url)
    yield base, clock, server.publisher
    server.publisher.stop()
    server.shutdown()


@pytest.fixture
def publisher(mqtt_url):
    """A plain MQTT client publishing what a test hands it (the awkward messages)."""
    import paho.mqtt.client as mqtt
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    client.connect(*BROKER)
    client.loop_start()
    root = parse_broker_url(mqtt_url).root

    def publish(ds: str, payload, qos: int = 1) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        client.publish(f"{root}/Datastreams({ds})/Observations", body, qos=qos).wait_for_publish(5)
    yield publish
    client.loop_stop()
    client.disconnect()


def _adapter(base, site):
    return SensorThingsAdapter(f"{base}/sta/v1.1", mappings=site.datastreams)


@pytest.fixture
def live_for(cache_dir):
    started = []

    def _start(engine, adapter, url, **kw) -> LiveIngest:
        live = LiveIngest(engine, adapter, parse_broker_url(url), **kw).start()
        started.append(live)
        wait_for(lambda: live.client.connected.is_set() and live.ready.is_set(), "the MQTT link to come up")
        return live
    yield _start
    for live in started:
        live.stop()


def wait_for(condition, what: str, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def link(engine, key: str):
    """The push link's value under its status name ("link:messages" -> push_links.messages)."""
    column = {"link:connected_since": PushLink.connected_since_t, "link:last_message": PushLink.last_message_t,
              "link:messages": PushLink.messages, "link:lag_ms": PushLink.lag_ms}[key]
    with engine.connect() as c:
        return c.scalar(select(column).where(PushLink.source == HEALTH_SOURCE))


def readings_of(engine, ds: str, t: int | None = None) -> int:
    with engine.connect() as c:
        stmt = select(func.count()).select_from(Reading).join(Series, Series.id == Reading.series_id).where(
            Series.source == "sensorthings", Series.external_id == ds)
        if t is not None:
            stmt = stmt.where(Reading.t == t)
        return c.scalar(stmt)


def total_readings(engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(Reading))


def test_published_observations_are_stored_and_the_poll_then_stores_nothing_twice(store_url, engine_for, sim, site,
                                                                                  mqtt_url, live_for, use_store):
    base, clock, pub = sim
    engine = engine_for(store_url)
    sync_site(engine, site)
    adapter = _adapter(base, site)
    _ensure_health(engine, "sensorthings", adapter)
    # what the server published before the link came up: the poll's
    first = poll_source("sensorthings", NOW - 6 * 3600, NOW + 1, engine=engine, adapter=adapter, now=NOW, advance=False)
    assert first["ok"] and first["stored"] > 100
    before = total_readings(engine)
    live = live_for(engine, adapter, mqtt_url)

    clock["now"] = NOW + 1200                    # twenty minutes pass on the server: it publishes them
    wait_for(lambda: pub.published > 0, "the simulator to publish")
    # the battery Datastream nobody maps is not subscribed (the poll does not fetch it either)
    heard = [m for m in pub.messages(NOW, NOW + 1200) if m[0] in live.client.topics]
    assert 0 < len(heard) < pub.published
    assert any("('" in topic for topic, _p, _q in heard) and any("('" not in topic for topic, _p, _q in heard)
    assert len(set(heard)) < len(heard)           # some published twice
    wait_for(lambda: (link(engine, "link:messages") or 0) >= len(heard), "every published message to be taken")
    pushed = total_readings(engine) - before
    assert pushed > 50                           # ~110 Datastreams, most report every 10 minutes
    with engine.connect() as c:
        link_row = c.execute(select(SourceHealth.__table__).where(SourceHealth.source == HEALTH_SOURCE)).first()
    assert link_row.stored_total == pushed and link_row.last_success_t is not None and link_row.down_since_t is None
    assert link(engine, "link:connected_since") is not None and link(engine, "link:lag_ms") is not None

    # the catch-up poll over the same window sees every pushed reading again and stores none of them
    again = poll_source("sensorthings", NOW - 6 * 3600, NOW + 1201, engine=engine, adapter=adapter, now=NOW + 1200,
                        advance=False)
    assert again["ok"] and again["stored"] == 0
    assert total_readings(engine) == before + pushed
    assert live.dropped == 0

    # what `manage.py status` and the Data page say about the link
    push = status_report(engine)["sources"][HEALTH_SOURCE]
    assert push["protocol"] == "SensorThings MQTT" and push["state"] == "ok" and push["connected_since"]
    assert push["messages"] >= len(heard) and push["records"]["readings_stored"] == pushed
    use_store(store_url)
    row = health.sources().set_index("source").loc[HEALTH_SOURCE]
    assert row["push"] and row["messages"] >= len(heard) and row["connected_since_time"] is not None
    assert health.sources().set_index("source").loc["sensorthings", "push"] == False  # noqa: E712 - numpy bool


def test_a_duplicate_publish_is_stored_once_on_either_engine(store_url, engine_for, sim, site, mqtt_url, live_for,
                                                             publisher, use_store):
    base, _clock, _pub = sim
    engine = engine_for(store_url)
    sync_site(engine, site)
    live = live_for(engine, _adapter(base, site), mqtt_url)
    use_store(store_url)
    ph_now = lambda: readings.latest(parameter="ph", device_ids=("water_1",))   # noqa: E731
    assert ph_now().empty                        # asked (and memoised) before the reading comes
    t = int(time.time()) - 120
    obs = {"@iot.id": 77, "phenomenonTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "result": 7.4,
           "resultTime": None, "Datastream@iot.navigationLink": f"{base}/sta/v1.1/Observations(77)/Datastream"}
    publisher("2", obs)                          # Datastream 2: pond 1's pH
    wait_for(lambda: readings_of(engine, "2", t) == 1, "the pushed pH reading")
    # the query layer's memo is invalidated after a push, as after a poll
    wait_for(lambda: not ph_now().empty and ph_now()["value"].iloc[0] == 7.4, "the pH reading in the query layer")
    publisher("2", obs)                          # the server publishes it again (QoS 1 redelivery, a retry)
    publisher("'2'", dict(obs, **{"@iot.id": "77"}), qos=0)   # and once more with the id spelled as text
    wait_for(lambda: (link(engine, "link:messages") or 0) >= 3, "all three messages to be taken")
    assert readings_of(engine, "2", t) == 1
    with engine.connect() as c:
        assert c.scalar(select(SourceHealth.stored_total).where(SourceHealth.source == HEALTH_SOURCE)) == 1
    assert live.dropped == 0


def test_bad_payloads_are_rejected_with_their_reason(sqlite_url, engine_for, sim, site, mqtt_url, live_for, publisher):
    base, _clock, _pub = sim
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    live_for(engine, _adapter(base, site), mqtt_url)
    now_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    publisher("2", b'{"phenomenonTime": "2025-11-05T05:00:00Z", "result": 7.1')            # cut short
    publisher("2", b"\xff\xfe not even text")
    publisher("2", {"phenomenonTime": now_iso, "result": None})                          # reported, no value
    publisher("2", b'{"phenomenonTime": "' + now_iso.encode() + b'", "result": 7, "pad": "'
              + b"x" * 70_000 + b'"}')                                                   # far beyond an Observation
    publisher("2", {"phenomenonTime": now_iso, "result": 99.0})                          # pH 99
    wait_for(lambda: (link(engine, "link:messages") or 0) >= 5, "the five messages to be taken")
    with engine.connect() as c:
        rows = c.execute(select(Reject.source, Reject.reason, Reject.detail, Reject.excerpt)).all()
        rejected = c.scalar(select(SourceHealth.rejected_total).where(SourceHealth.source == HEALTH_SOURCE))
    reasons = sorted(r.reason for r in rows if r.source == "sensorthings" and "datastream" not in r.reason)
    assert reasons.count("bad_json") == 2 and "null_result" in reasons and "too_large" in reasons
    assert "out_of_range" in reasons
    assert rejected == 5
    bad = next(r for r in rows if r.reason == "bad_json" and "cut short" not in r.detail)
    assert "not JSON" in bad.detail and bad.excerpt          # what came is kept, bounded
    assert readings_of(engine, "2") == 0


def test_the_link_comes_back_and_resubscribes_after_the_broker_drops_it(sqlite_url, engine_for, sim, site, mqtt_url,
                                                                       live_for, publisher):
    """Another client taking the same client id makes Mosquitto close our connection (a session
    takeover): the broker, not the test, cuts the link."""
    import paho.mqtt.client as mqtt
    base, _clock, _pub = sim
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    client_id = f"test-live-{uuid.uuid4().hex[:8]}"
    live = live_for(engine, _adapter(base, site), mqtt_url, client_id=client_id)
    assert live.client.connects == 1
    thief = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    thief.connect(*BROKER)
    thief.loop_start()
    wait_for(lambda: not live.client.connected.is_set(), "the broker to drop the link")
    thief.disconnect()
    thief.loop_stop()
    with engine.connect() as c:
        down = wait_for(lambda: c.execute(select(SourceHealth.__table__).where(
            SourceHealth.source == HEALTH_SOURCE)).first().last_error or None, "the drop to be recorded")
    assert "disconnected" in down
    wait_for(lambda: live.client.connects >= 2 and live.client.connected.is_set(), "the link to come back")
    t = int(time.time()) - 30
    publisher("2", {"phenomenonTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "result": 7.2})
    wait_for(lambda: readings_of(engine, "2", t) == 1, "a reading published after the reconnect")
    with engine.connect() as c:
        h = c.execute(select(SourceHealth.__table__).where(SourceHealth.source == HEALTH_SOURCE)).first()
    assert h.down_since_t is None and h.consecutive_failures == 0


def test_the_ingest_process_starts_the_push_beside_the_poll_and_stops_cleanly(sqlite_url, engine_for, sim, site,
                                                                              mqtt_url, publisher, tmp_path):
    """`manage.py ingest` as it runs in a deployment (its own process, APScheduler polling): with MQTT_URL
    set it subscribes, and a published reading is stored without waiting for a poll."""
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT
    base, _clock, _pub = sim
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    env = dict(os.environ, DATABASE_URL=sqlite_url, SENSORTHINGS_URL=f"{base}/sta/v1.1", MQTT_URL=mqtt_url,
               CACHE_DIR=str(tmp_path / "cache"), REPORT_SCHEDULE="off", INGEST_INTERVAL_S="3600", LOG_LEVEL="INFO")
    proc = subprocess.Popen([sys.executable, "manage.py", "ingest", "--source", "sensorthings"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: link(engine, "link:connected_since") is not None, "the ingest process's MQTT link", 60)
        t = int(time.time()) - 45
        publisher("2", {"phenomenonTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "result": 7.3})
        wait_for(lambda: readings_of(engine, "2", t) == 1, "the reading pushed to the ingest process")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out[-2000:]
    assert "live push: SensorThings MQTT" in out

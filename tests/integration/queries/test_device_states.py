"""The map's device states on both engines: each state for the reason it has (pond tiers, gauge alarms,
cameras, stale devices, sources down, devices never heard), and the answer equal (values and dtypes) to
the one built from the memoised pieces the pages also show, as device_states computed it before it read
its rows in one connection."""
import pickle

import pandas as pd
import pytest

from ingest.records import CameraEventRecord, DatastreamInfo, Observation
from ingest.site_sync import sync_site
from ingest.writer import Writer
from queries import health, kpis, readings, site
from queries.base import records
from queries.cache import clear
from store.models import SourceHealth

NOW = 1_790_000_000
HOUR = 3600


def states_from_the_pieces(now: int, commune: str | None = None) -> pd.DataFrame:
    """device_states as it was built before (main at 3ca423d): from site.devices, readings.latest,
    events.camera_status, kpis.gauges_now and health.sources, each memoised on its own."""
    from domain import freshness, pond
    from queries.events import camera_status
    devs = site.devices(commune=commune)
    latest = readings.latest(device_ids=tuple(devs["id"]) if commune else None)
    cams = camera_status(now=now).set_index("device")
    gauges = kpis.gauges_now(now, commune)
    gauge_alarm = dict(zip(gauges["device"], gauges["alarm"])) if not gauges.empty else {}
    cam_online = dict(zip(cams.index, cams["online"])) if not cams.empty else {}
    sources = health.sources(now)
    source_states = dict(zip(sources["source"], sources["state"]))
    newest_t, values = {}, {}
    for dev, t, p, v in zip(latest["device"], latest["time"], latest["parameter"], latest["value"]):
        if dev not in newest_t or t > newest_t[dev]:
            newest_t[dev] = t
        values.setdefault(dev, []).append((p, v))
    out = []
    for d in records(devs):
        state, fresh = "none", None
        if d["kind"] == "camera":
            on = cam_online.get(d["id"])
            state = "unknown" if on is None else ("ok" if on else "offline")
            fresh = source_states.get("frigate", "never")
        elif d["source"] == "none":
            state = "none"
        elif d["id"] not in newest_t:
            state, fresh = "unknown", "never"
        else:
            fresh = freshness.worst(freshness.age_state(now - newest_t[d["id"]].timestamp(),
                                                        freshness.device_interval_s(d["kind"])),
                                    "down" if source_states.get(d["source"]) == "down" else "ok")
            state = "offline" if fresh in ("stale", "down") else "ok"
            if state == "ok" and d["kind"] == "water_station":
                worst = max((pond.tier(p, v) or 0) for p, v in values[d["id"]])
                state = "alarm" if worst >= 2 else ("warning" if worst == 1 else "ok")
            if state == "ok" and d["kind"] == "water_gauge" and d["id"] in gauge_alarm:
                alarm = gauge_alarm[d["id"]]
                alarm = 0 if alarm is None or alarm != alarm else alarm
                state = "alarm" if alarm >= 2 else ("warning" if alarm == 1 else "ok")
        out.append({**d, "state": state, "freshness": fresh})
    return pd.DataFrame(out)


STREAMS = {"water_1": "1", "water_2": "2", "water_3": "3", "water_4": "4", "air_1": "5", "gauge_phu_oc": "6",
           "gauge_niem_pho": "7", "gauge_nga_tu": "8"}


def health_row(engine, source: str, **values) -> None:
    with engine.begin() as conn:
        conn.execute(SourceHealth.__table__.delete().where(SourceHealth.source == source))
        conn.execute(SourceHealth.__table__.insert().values(
            source=source, protocol=source, url=f"http://127.0.0.1:9/{source}", simulated=False, stored_total=0,
            rejected_total=0, last_poll_stored=0, last_poll_rejected=0, **{"consecutive_failures": 0, **values}))


def healthy(engine, source: str) -> None:
    health_row(engine, source, last_success_t=NOW - 20, last_attempt_t=NOW - 20, last_data_t=NOW - 60, watermark_t=NOW - 20)


@pytest.fixture
def scene(store_url, use_store, engine_for, site):
    """Every state the map draws, each for one reason, at NOW."""
    use_store(store_url)
    engine = engine_for(store_url)
    sync_site(engine, site)
    obs = []

    def stream(device, parameter, unit, points):
        ext = STREAMS[device] + ":" + parameter
        obs.append(DatastreamInfo("sensorthings", ext, STREAMS[device], device, parameter, unit))
        obs.extend(Observation("sensorthings", ext, t, v) for t, v in points)
    recent = lambda v: [(NOW - 1800, v + 1.0), (NOW - 300, v)]      # noqa: E731 - newest value v
    stream("water_1", "do", "mg/L", recent(1.5))            # DO < 2: tier 2/3 -> alarm
    stream("water_1", "ph", "pH", recent(7.5))
    stream("water_2", "do", "mg/L", recent(2.5))            # DO < 3: tier 1 -> warning
    stream("water_2", "h2s", "mg/L", recent(0.005))
    stream("water_3", "do", "mg/L", recent(5.0))            # safe -> ok
    stream("water_3", "nh3", "mg/L", recent(0.04))          # between safe and tier 1: tier 1 -> warning
    stream("water_4", "do", "mg/L", [(NOW - 2 * HOUR, 5.0)])    # 12 intervals ago -> offline (stale)
    stream("air_1", "pm25", "µg/m³", recent(30.0))
    stream("gauge_phu_oc", "water_level", "m", recent(3.2))     # >= alarm II (3.0) -> alarm
    stream("gauge_niem_pho", "water_level", "m", recent(1.5))   # >= alarm I (1.2) -> warning
    # newest reading after NOW (asked about a moment in the past): the level of the 3 hours before NOW counts
    stream("gauge_nga_tu", "water_level", "m", [(NOW - 4 * HOUR, 3.0), (NOW - 1200, 2.0), (NOW + 600, 0.5)])
    obs += [CameraEventRecord("frigate", "ev-1", "cam_01", "person", NOW - 600, NOW - 590, 0.8, 0.9),
            CameraEventRecord("frigate", "ev-2", "cam_02", "car", NOW - 7 * HOUR, NOW - 7 * HOUR + 5, 0.8, 0.9)]
    writer = Writer(engine, now=NOW + 700)
    writer.write(obs)
    writer.flush_readings()
    healthy(engine, "sensorthings")
    healthy(engine, "frigate")
    clear()
    return engine


def by_id(df: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    return {r["id"]: (r["state"], r["freshness"]) for r in records(df)}


def test_each_state_for_its_reason_and_as_the_pieces_say(scene):
    states = kpis.device_states(NOW)
    got = by_id(states)
    assert got["water_1"] == ("alarm", "ok") and got["water_2"] == ("warning", "ok")
    assert got["water_3"] == ("warning", "ok")                      # NH3 0.04: neither safe nor tier 1 -> 1
    assert got["water_4"] == ("offline", "stale")
    assert got["air_1"] == ("ok", "ok")
    assert got["gauge_phu_oc"] == ("alarm", "ok") and got["gauge_niem_pho"] == ("warning", "ok")
    assert got["gauge_nga_tu"] == ("alarm", "ok")                   # 2.0 m at NOW-20 min, not 0.5 m after NOW
    assert got["rain_1"] == ("unknown", "never")                    # never heard from
    assert got["cam_01"] == ("ok", "ok") and got["cam_02"] == ("offline", "ok") and got["cam_03"] == ("offline", "ok")
    assert got["loa_1"] == ("none", None)
    assert list(states["id"]) == list(site.devices()["id"])         # every device, in the device list's order
    clear()
    pd.testing.assert_frame_equal(states, states_from_the_pieces(NOW))
    # the same at other moments: later (every reading ages), and before the newest readings
    for now in (NOW + 3 * HOUR, NOW - 2 * HOUR, NOW + 40 * 86400):
        clear()
        mine = kpis.device_states(now, "quang_tho")
        clear()
        pd.testing.assert_frame_equal(mine, states_from_the_pieces(now, "quang_tho"))


def test_sources_down_make_their_devices_offline_or_unknown(scene):
    health_row(scene, "sensorthings", last_success_t=NOW - 600, last_attempt_t=NOW - 10, consecutive_failures=50)
    health_row(scene, "frigate", last_success_t=None, last_attempt_t=NOW - 30, down_since_t=NOW - 3600,
               consecutive_failures=40)
    clear()
    got = by_id(kpis.device_states(NOW))
    assert got["water_1"] == ("offline", "down") and got["gauge_phu_oc"] == ("offline", "down")
    assert got["cam_01"] == ("unknown", "down")                      # Frigate down: we do not guess
    assert got["rain_1"] == ("unknown", "never")
    clear()
    mine = kpis.device_states(NOW)
    clear()
    pd.testing.assert_frame_equal(mine, states_from_the_pieces(NOW))


def test_an_empty_commune_has_no_states(scene):
    assert kpis.device_states(NOW, "no_such_commune").empty


def test_the_map_states_are_one_cache_entry(scene):
    """Cold, device_states writes one entry (its own), not one per piece it is judged on."""
    from queries.cache import get_cache
    states = kpis.device_states(NOW)
    cache = get_cache().cache
    entries = [key for key in cache.iterkeys() if key.startswith("k:")]      # (the others: tag versions)
    assert len(entries) == 1
    pd.testing.assert_frame_equal(cache.get(entries[0]), states)
    pd.testing.assert_frame_equal(kpis.device_states(NOW), states)


def test_values_under_a_megabyte_stay_inside_the_cache_database(tmp_path):
    """A frame of a few hundred rows (here ~200 KB pickled, above diskcache's default 32 KB) is a blob in the
    cache's SQLite file, not a file of its own; a larger one still gets a file; both read back equal."""
    from queries.cache import DiskStore
    store = DiskStore(tmp_path / "c")
    frame = pd.DataFrame({"id": [f"device_{i}" for i in range(8000)], "value": [i / 7 for i in range(8000)]})
    assert 32 * 1024 < len(pickle.dumps(frame)) < 2**20
    store.set(("k", 1), frame, expire=60)
    assert list((tmp_path / "c").rglob("*.val")) == []
    pd.testing.assert_frame_equal(store.get(("k", 1)), frame)
    big = pd.concat([frame] * 16, ignore_index=True)         # ~1.8 MB
    store.set(("k", 2), big, expire=60)
    assert len(list((tmp_path / "c").rglob("*.val"))) == 1
    pd.testing.assert_frame_equal(store.get(("k", 2)), big)

"""The SensorThings adapter's fast path for the common observation gives exactly what the general path
gives (the same Observation, or the same Rejected), whatever the server sends."""
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from data_sources.sensorthings import SensorThingsAdapter

instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
offsets = st.sampled_from([0, 7 * 60, -3 * 60, 5 * 60 + 30, 14 * 60, -12 * 60])


def shape(d: datetime, offset_min: int) -> str:
    if offset_min == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.replace(tzinfo=timezone(timedelta(minutes=offset_min))).isoformat()


def _general(adapter, ds, raw, horizon):
    """parse_observation with the fast path stepped around (raw as a dict subclass)."""
    class Raw(dict):
        pass
    return adapter.parse_observation(ds, Raw(raw), horizon)


results = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10), st.none(),
                    st.sampled_from([-9999.0, "5,5", True, "NaN"]))


@settings(max_examples=300, deadline=None)
@given(instants, offsets, st.booleans(), results, st.one_of(st.none(), instants), st.integers(-5, 5))
def test_an_observation_reads_the_same_by_either_path(d, offset_min, interval, result, rt, ahead_h):
    adapter = SensorThingsAdapter("http://sta.example/v1.1")
    pt = shape(d, offset_min)
    if interval:
        pt = f"{pt}/{shape(d + timedelta(minutes=10), offset_min)}"
    raw = {"@iot.id": 42, "phenomenonTime": pt, "result": result, "resultTime": None if rt is None else shape(rt, 0)}
    horizon = int(d.replace(tzinfo=timezone.utc).timestamp()) + ahead_h * 3600
    assert adapter.parse_observation("7", raw, horizon) == _general(adapter, "7", raw, horizon)


odd_times = st.one_of(st.text(alphabet="0123456789-:TZ+ ./", max_size=30), st.sampled_from(
    ["", "2025-06-12T24:00:00Z", "2025-06-12T01:00:00.000Z", "2025-06-12T01:00:00+07:00/2025-06-12T00:00:00+07:00",
     "2025-06-12T01:00:00Z/2025-06-12T01:10:00Z/2025-06-12T01:20:00Z", "2025-02-30T01:00:00Z"]))


@settings(max_examples=300, deadline=None)
@given(odd_times, st.one_of(st.none(), odd_times), results)
def test_odd_times_read_the_same_by_either_path(pt, rt, result):
    adapter = SensorThingsAdapter("http://sta.example/v1.1")
    raw = {"phenomenonTime": pt, "resultTime": rt, "result": result}
    assert adapter.parse_observation("7", raw, 4_000_000_000) == _general(adapter, "7", raw, 4_000_000_000)

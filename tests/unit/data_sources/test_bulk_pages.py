"""A page of observations read in bulk (numpy over the page's times and values) gives exactly what reading
it one item at a time gives: the same Observations, the same Rejected, whatever the server sends."""
from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from data_sources.sensorthings import SensorThingsAdapter, _bulk_times, _epoch_of
from ingest.records import Observation, ObservationBatch, Rejected

BASE = datetime(2025, 6, 1)
HORIZON = int(datetime(2025, 7, 1, tzinfo=timezone.utc).timestamp())


def text(d: datetime, style: str) -> str:
    if style == "Z":
        return d.replace(microsecond=0).isoformat() + "Z"
    if style == "ms":
        return d.replace(microsecond=0).isoformat() + f".{d.microsecond // 1000:03d}Z"
    return d.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=int(style)))).isoformat()


class _Pages:
    """A client answering one Observations request with the given pages (relative nextLinks between them)."""

    def __init__(self, pages):
        self.pages = pages

    def get_json(self, url, params=None):
        k = int(url.rsplit("=", 1)[1]) if "page=" in url else 0
        out = {"value": self.pages[k]}
        if k + 1 < len(self.pages):
            out["@iot.nextLink"] = f"Observations?page={k + 1}"
        return out


def read(pages, bulk: bool, batched: bool = False):
    adapter = SensorThingsAdapter("http://sta.example/v1.1", _Pages(pages))
    adapter.read_pages_in_bulk = bulk
    out = []
    for item in adapter.observations("7", 0, HORIZON - 3600, batched=batched):
        out.extend(item.records() if isinstance(item, ObservationBatch) else [item])
    return out


def canonical(items):
    """Order aside (a bulk page gives its observations, then its rejects), the same records."""
    obs = [i for i in items if isinstance(i, Observation)]
    rej = sorted((r for r in items if isinstance(r, Rejected)), key=lambda r: (r.record_key or "", r.reason, r.detail))
    return obs, rej


results = st.one_of(st.floats(min_value=-50, max_value=50), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-10, 10), st.none(), st.sampled_from([-9999.0, -9999, "5,5", True, "NaN", [1]]))
styles = st.sampled_from(["Z", "ms", "0", "420", "-180", "330", "840", "-720"])


@st.composite
def pages(draw):
    style = draw(styles)
    interval = draw(st.booleans())
    n = draw(st.integers(0, 40))
    steps = draw(st.lists(st.integers(-2, 20), min_size=n, max_size=n))   # 0 or negative: a time again, out of order
    t, items = BASE + timedelta(milliseconds=draw(st.integers(0, 999)) if style == "ms" else 0), []
    for k, step in enumerate(steps):
        t += timedelta(minutes=step)
        pt = text(t, style)
        if interval:
            pt = f"{pt}/{text(t + timedelta(minutes=draw(st.sampled_from([10, 10, 10, -5]))), style)}"
        raw = {"@iot.id": draw(st.sampled_from([k, k, 3, None, "x'y"])), "phenomenonTime": pt,
               "resultTime": draw(st.sampled_from([None, text(t, "Z"), text(t, "420"), "", "soon"])),
               "result": draw(results)}
        odd = draw(st.integers(0, 30))
        if odd == 0:
            raw["phenomenonTime"] = draw(st.sampled_from(["2025-02-30T01:00:00Z", "2025-06-12T24:00:00Z", "",
                                                          "2025-06-12T01:00:00+07:00", "2040-01-01T00:00:00Z"]))
        elif odd == 1:
            del raw["result"]
        elif odd == 2:
            raw = draw(st.sampled_from([[1, 2], "text", None]))
        items.append(raw)
    cut = draw(st.integers(0, len(items)))
    return [items[:cut], items[cut:]] if draw(st.booleans()) else [items]


@settings(max_examples=400, deadline=None)
@given(pages())
def test_a_page_reads_the_same_in_bulk_or_one_item_at_a_time(ps):
    one_by_one = read(ps, bulk=False)
    assert canonical(read(ps, bulk=True)) == canonical(one_by_one)
    assert canonical(read(ps, bulk=True, batched=True)) == canonical(one_by_one)


def test_a_clean_page_comes_as_one_batch_and_a_page_with_a_time_twice_one_item_at_a_time():
    times = [text(BASE + timedelta(minutes=5 * k), "420") for k in range(6)]
    clean = [{"@iot.id": k, "phenomenonTime": t, "resultTime": None, "result": 1.5 + k} for k, t in enumerate(times)]
    clean[2]["result"] = None       # a null: rejected, the rest still in the batch
    adapter = SensorThingsAdapter("http://sta.example/v1.1", _Pages([clean]))
    got = list(adapter.observations("7", 0, HORIZON - 3600, batched=True))
    assert [type(g).__name__ for g in got] == ["ObservationBatch", "Rejected"]
    assert len(got[0]) == 5 and got[1].reason == "null_result"
    twice = clean + [dict(clean[-1], result=9.0)]
    got = list(SensorThingsAdapter("http://sta.example/v1.1", _Pages([twice])).observations("7", 0, HORIZON - 3600,
                                                                                            batched=True))
    assert not any(isinstance(g, ObservationBatch) for g in got)
    assert [g.reason for g in got if isinstance(g, Rejected)] == ["null_result", "time_conflict"]


instants = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@settings(max_examples=300, deadline=None)
@given(st.lists(instants, min_size=1, max_size=8), styles)
def test_bulk_times_are_the_epoch_seconds_of_each_time(ds, style):
    texts = [text(d, style) for d in ds]
    start, t, ok = _bulk_times(texts)
    assert ok.all() and start.tolist() == t.tolist() == [_epoch_of(x) for x in texts]


def test_impossible_times_are_marked_and_other_shapes_left_to_the_one_at_a_time_path():
    _s, _t, ok = _bulk_times(["2025-02-28T01:00:00Z", "2025-02-29T01:00:00Z", "2024-02-29T01:00:00Z",
                              "2025-06-12T24:00:00Z"])
    assert ok.tolist() == [True, False, True, False]
    assert _bulk_times(["2025-06-12T01:00:00Z", "2025-06-12T01:00:00.5Z"]) is None      # two shapes
    assert _bulk_times(["2025-06-12T01:00:00+0700"]) is None
    assert _bulk_times(["2025-06-12 01:00:00Z"]) is None
    assert _bulk_times(["2025-06-12T01:00:00+15:00"]) is None
    assert np.asarray(_bulk_times(["2025-06-12T01:00:00Z/2025-06-12T01:10:00Z"])[1]).tolist() == [1749690600]

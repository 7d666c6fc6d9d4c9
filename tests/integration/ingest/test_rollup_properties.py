"""The rollups the writer keeps equal a from-scratch aggregation of the stored readings, on both engines,
after any mix of batches: new history (merged from the batch), spans partly stored (recomputed), late and
out-of-order data, times repeated inside a batch and across batches, whole hours and days at once, month
boundaries. The stored readings keep the first value written for each time, `readings_latest` holds the
newest stored reading, and each write reports the readings that were new."""
import itertools
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.timeutil import DAY, HOUR, LOCAL_OFFSET_S, to_epoch
from ingest.records import DatastreamInfo, Observation
from ingest.site_sync import sync_site
from ingest.writer import Writer

BASE = to_epoch("2025-06-30T18:00:00+07:00")    # local evening, a UTC month boundary 13 hours later
NOW = BASE + 30 * DAY
_things = itertools.count(1)


@pytest.fixture
def engine(store_url, engine_for, site):
    e = engine_for(store_url)
    sync_site(e, site)
    return e


def new_streams(n: int) -> list[DatastreamInfo]:
    """Datastreams on a Thing of their own: each example writes series no other example touched."""
    thing = next(_things)
    return [DatastreamInfo("sensorthings", f"p{thing}-{k}", f"prop-{thing}", "Trạm thử", "do", "mg/L")
            for k in range(n)]


def expected_rollups(rows: list[tuple[int, int, float]], width: int, offset: int) -> dict:
    buckets: dict = {}
    for sid, t, v in sorted(rows):
        buckets.setdefault((sid, t - (t + offset) % width), []).append(v)
    return {k: (len(vs), sum(vs) / len(vs), min(vs), max(vs), vs[-1]) for k, vs in buckets.items()}


def check_store(engine, series: list[int], model: dict) -> None:
    """Readings, both rollup levels and the latest values against a recomputation from the readings."""
    ids = ",".join(map(str, series))
    with engine.connect() as c:
        stored = [tuple(r) for r in c.execute(text(f"SELECT series_id, t, value FROM readings WHERE series_id IN ({ids})"))]
        assert sorted(stored) == sorted((sid, t, v) for (sid, t), v in model.items())
        for table, width, offset in (("rollup_hour", HOUR, 0), ("rollup_day", DAY, LOCAL_OFFSET_S)):
            got = {(sid, t): (n, mean, lo, hi, last) for sid, t, n, mean, lo, hi, last in c.execute(text(
                f"SELECT series_id, t, count, mean, min, max, last FROM {table} WHERE series_id IN ({ids})"))}
            want = expected_rollups(stored, width, offset)
            assert set(got) == set(want), table
            for key, (n, mean, lo, hi, last) in want.items():
                g = got[key]
                assert (g[0], g[2], g[3], g[4]) == (n, lo, hi, last), (table, key)
                assert math.isclose(g[1], mean, rel_tol=1e-9, abs_tol=1e-9), (table, key, g[1], mean)
        latest = {sid: (t, v) for sid, t, v in c.execute(text(
            f"SELECT series_id, t, value FROM readings_latest WHERE series_id IN ({ids})"))}
    newest = {}
    for (sid, t), v in model.items():
        if sid not in newest or t > newest[sid][0]:
            newest[sid] = (t, v)
    assert latest == newest


def write_batches(engine, streams, batches) -> dict:
    """Write each batch with its own Writer, as polls do; returns the model of what must be stored."""
    model: dict = {}
    ids: dict = {}
    for batch in batches:
        writer = Writer(engine, NOW)
        stats = writer.write(streams + [Observation("sensorthings", streams[k].datastream_id, t, v)
                                        for k, t, v in batch])
        ids.update({streams[k].datastream_id: writer.mapped[(s.source, s.datastream_id)]
                    for k, s in enumerate(streams)})
        sids = [ids[s.datastream_id] for s in streams]
        new = 0
        for k, t, v in batch:
            if (sids[k], t) not in model:
                model[(sids[k], t)] = v
                new += 1
        assert stats.stored["readings"] == new
    return model


# a batch: runs of readings (a stream, a start, a step, a length), so whole hours and days come at once,
# plus scattered points; times on a minute grid over ~3 days, so repeats and overlaps are common
run = st.tuples(st.integers(0, 2), st.integers(0, 4300), st.sampled_from([1, 5, 10, 60]), st.integers(1, 200))
point = st.tuples(st.integers(0, 2), st.integers(0, 4300))
value = st.sampled_from([0.0, 1.5, 2.25, 5.0, 7.75, 24.5])


@st.composite
def batch_of(draw):
    out = []
    for k, start, step, length in draw(st.lists(run, max_size=3)):
        vals = draw(st.lists(value, min_size=1, max_size=5))
        out += [(k, BASE + (start + i * step) * 60, vals[i % len(vals)]) for i in range(length)]
    out += [(k, BASE + m * 60, draw(value)) for k, m in draw(st.lists(point, max_size=15))]
    if draw(st.booleans()):
        draw(st.randoms(use_true_random=False)).shuffle(out)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(batches=st.lists(batch_of(), min_size=1, max_size=5))
def test_rollups_equal_a_recomputation_after_any_mix_of_batches(engine, batches):
    streams = new_streams(3)
    model = write_batches(engine, streams, [b for b in batches if b])
    if model:
        check_store(engine, sorted({sid for sid, _t in model}), model)


def test_late_data_before_between_and_after_stored_readings_of_a_bucket(engine):
    """New history that lands in buckets the store already holds part of: the merge adds counts and sums,
    and `last` stays the stored one when the store holds a later reading in that bucket."""
    streams = new_streams(2)
    h = BASE + 2 * HOUR
    batches = [
        [(0, h + 1800, 5.0), (0, h + 2400, 7.0), (1, h, 3.0)],
        [(0, h + 600, 1.5), (0, h + 1200, 2.25)],           # before the stored ones, same hour: last stays
        [(0, h + 3000, 24.5)],                              # after: the batch's last wins
        [(0, h - 3 * HOUR + k * 60, 5.0) for k in range(240)] + [(1, h + 60, 7.75)],   # whole hours before
        [(0, h + 2000, 0.0), (0, h + 2000, 9.0), (0, h + 2100, 1.5)],   # between, a time twice
        [(0, h + 2400, 2.25), (1, h + 30 * 60, 5.0), (1, h, 24.5)],     # stored times again, and new ones
    ]
    model = write_batches(engine, streams, batches)
    check_store(engine, sorted({sid for sid, _t in model}), model)


def test_a_large_back_fill_in_pages_then_its_pages_again_and_a_late_gap_filled(engine):
    """Back-fill shape: pages of several days per series (most buckets whole inside a page), written twice
    (nothing new the second time), then a gap left in the middle filled by a late batch."""
    streams = new_streams(3)
    rng = random.Random(21)
    minutes = [m for m in range(0, 6 * 1440, 10) if not 2000 <= m < 2300]
    pages = [[(k, BASE + m * 60, round(rng.uniform(0, 25), 2)) for m in minutes[i:i + 300]]
             for k in range(3) for i in range(0, len(minutes), 300)]
    gap = [(k, BASE + m * 60, 1.5) for k in range(3) for m in range(2000, 2300, 10)]
    model = write_batches(engine, streams, pages + pages[:4] + [gap])
    check_store(engine, sorted({sid for sid, _t in model}), model)

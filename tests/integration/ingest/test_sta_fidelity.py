"""SensorThings as other servers write it (tests/fake_sta.py), through the real adapter, runner and
writer, on both engines: every valid observation stored exactly once, at its time (interval end) and in
our unit; re-polling stores nothing; Datastreams nobody can place are listed with samples, and once the
site file maps one its history is fetched."""
import pytest
from sqlalchemy import select

from core.site import DatastreamMapping
from ingest import runner
from ingest.runner import backfill, run_once
from ingest.site_sync import sync_site
from store.models import Reading, Reject, Series, UnmappedDatastream, Watermark
from tests.fake_sta import NOW, FakeSta


@pytest.fixture
def sta():
    server = FakeSta()
    yield server
    server.close()


def readings_by_stream(engine) -> dict[str, dict[int, float]]:
    with engine.connect() as c:
        rows = c.execute(select(Series.external_id, Series.parameter, Reading.t, Reading.value)
                         .join(Reading, Reading.series_id == Series.id)).all()
    out: dict[str, dict[int, float]] = {}
    for ext, _param, t, value in rows:
        out.setdefault(ext, {})[t] = round(value, 6)
    return out


def use_mappings(monkeypatch, site, *mappings):
    monkeypatch.setattr(runner, "get_sites", lambda: (site.model_copy(update={"datastreams": list(mappings)}),))


def test_every_valid_observation_once_at_its_time_in_our_unit(store_url, engine_for, site, sta, monkeypatch):
    use_mappings(monkeypatch, site)
    engine = engine_for(store_url)
    sync_site(engine, site)
    first = backfill(2, sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, progress=False,
                     now=NOW)
    assert first["sensorthings"]["ok"], first
    got = readings_by_stream(engine)
    mapped = [s for s in sta.data if s.expect_parameter]
    for s in mapped:
        assert got.get(str(s.id)) == pytest.approx(sta.expected(s.id)), f"datastream {s.id} ({s.name})"
    with engine.connect() as c:
        params = dict(c.execute(select(Series.external_id, Series.parameter)).all())
    assert {k: v for k, v in params.items()} == {str(s.id): s.expect_parameter for s in mapped}
    assert got["301"][min(got["301"])] == pytest.approx(1.52)          # a river gauge in cm, stored in m
    assert len(got["302"]) == 5                                         # the instant and four 10-minute totals
    assert "401" not in got and "402" not in got

    with engine.connect() as c:
        reasons = sorted(r for (r,) in c.execute(select(Reject.reason).where(Reject.kind == "reading")))
        unmapped = {r.datastream_id: r for r in c.execute(select(UnmappedDatastream.__table__))}
    # null, "NaN" and -9999 are kept as rejects with their reason; page overlaps are duplicates, not data
    assert reasons.count("null_result") == 3 and reasons.count("nan_result") == 3
    assert reasons.count("no_data_value") == 2 and "time_conflict" not in reasons
    assert set(unmapped) == {"401", "402"}
    assert unmapped["401"].reason == "unknown_parameter" and unmapped["401"].unit == "V"
    assert unmapped["401"].property_name == "Điện áp pin (V)" and unmapped["401"].samples[0][1] == "12.5"
    assert unmapped["402"].reason == "ambiguous_parameter" and set(unmapped["402"].candidates) == {"air_temp",
                                                                                                     "water_temp"}
    assert unmapped["402"].phenomenon_since_t is not None and unmapped["402"].mapped_t is None

    again = run_once(sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, now=NOW + 60)
    assert again["sensorthings"]["ok"] and again["sensorthings"]["stored"] == 0
    assert readings_by_stream(engine) == got


def test_a_datastream_mapped_later_gets_its_history(store_url, engine_for, site, sta, monkeypatch):
    engine = engine_for(store_url)
    sync_site(engine, site)
    use_mappings(monkeypatch, site)
    backfill(2, sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, progress=False, now=NOW)
    assert "402" not in readings_by_stream(engine)
    # the operator adds one line to the site file: Thing 904's "Nhiệt độ" is the pond's water temperature
    use_mappings(monkeypatch, site, DatastreamMapping(thing="Bộ ghi dữ liệu <b>#4</b>", observed_property="nhiệt độ",
                                                      device="water_4", parameter="water_temp"))
    # 20 hours later: the history (before the poll window, from the back-fill horizon) is fetched too
    later = run_once(sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, now=NOW + 20 * 3600)
    assert later["sensorthings"]["ok"], later
    assert readings_by_stream(engine)["402"] == pytest.approx(sta.expected(402))
    with engine.connect() as c:
        series = c.execute(select(Series.device_id, Series.parameter).where(Series.external_id == "402")).one()
        row = c.execute(select(UnmappedDatastream.__table__).where(UnmappedDatastream.datastream_id == "402")).one()
        marks = set(c.scalars(select(Watermark.key).where(Watermark.source == "sensorthings")))
    assert tuple(series) == ("water_4", "water_temp") and row.mapped_t is not None
    assert "ds:402" in marks and "ds:401" not in marks
    # the line is removed again: the Datastream is listed once more and loses its watermark, so that a
    # later mapping fetches the months it spent unmapped
    use_mappings(monkeypatch, site)
    run_once(sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, now=NOW + 21 * 3600)
    with engine.connect() as c:
        row = c.execute(select(UnmappedDatastream.__table__).where(UnmappedDatastream.datastream_id == "402")).one()
        marks = set(c.scalars(select(Watermark.key).where(Watermark.source == "sensorthings")))
    assert row.mapped_t is None and "ds:402" not in marks and "ds:101" in marks


def test_the_data_page_lists_unmapped_datastreams_with_the_line_to_add(sqlite_url, use_store, engine_for, site, sta,
                                                                       monkeypatch):
    use_store(sqlite_url)
    use_mappings(monkeypatch, site)
    engine = engine_for(sqlite_url)
    sync_site(engine, site)
    backfill(2, sources=["sensorthings"], engine=engine, urls={"sensorthings": sta.url}, progress=False, now=NOW)
    import app  # noqa: F401 - registers the pages
    from flask import Flask

    from pages import data
    from queries.health import unmapped_datastreams
    lines = dict(zip(unmapped_datastreams()["datastream_id"], unmapped_datastreams()["yaml_line"]))
    assert lines["402"] == '  - {datastream: "402", device: "<device id>", parameter: "<air_temp|water_temp>"}'
    with Flask(__name__).test_request_context("/", headers={"Cookie": "lang=vi"}):
        text = str(data.update_unmapped(0))
    for shown in ("Điện áp pin (V)", "Bộ ghi dữ liệu <b>#4</b>", "12,5", "Có thể là nhiều thông số", lines["401"]):
        assert shown in text, shown

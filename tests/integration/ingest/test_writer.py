"""The writer on both engines: idempotent, rollups right for late and out-of-order data, units
converted, each bad record kept with its reason, newer indicator values win, dry runs store nothing."""
import pytest
from sqlalchemy import func, select

from core.timeutil import to_epoch
from ingest.files import import_bytes
from ingest.records import (CameraEventRecord, DatastreamInfo, IndicatorRecord, Observation, Rejected, ReportRecord,
                            ReportUpdateRecord)
from ingest.site_sync import sync_site
from ingest.writer import Writer
from store.models import (CameraEvent, DailyRollup, Device, HourlyRollup, IndicatorValue, Reading, Reject, Report,
                          ReportUpdate, Series)

T0 = to_epoch("2025-06-12T00:00:00+07:00")   # a local midnight
NOW = T0 + 86400


@pytest.fixture
def engine(store_url, engine_for, site):
    e = engine_for(store_url)
    sync_site(e, site)
    return e


def ds(ext="7", thing="1", parameter="do", unit="mg/L"):
    return DatastreamInfo("sensorthings", ext, thing, "Trạm nước ao 1", parameter, unit, 16.55, 107.54,
                          {"simulated": True})


def rows(engine, model, *where):
    with engine.connect() as c:
        return c.execute(select(model.__table__).where(*where)).all()


def test_same_batch_twice_stores_once_and_rollups_follow_late_data(engine):
    batch = [ds(), Observation("sensorthings", "7", T0 + 600, 5.0), Observation("sensorthings", "7", T0 + 1200, 7.0)]
    assert Writer(engine, NOW).write(batch).stored["readings"] == 2
    assert Writer(engine, NOW).write(batch).stored["readings"] == 0
    # a late, out-of-order record for the same hour changes the hour's mean, min and last-by-time
    Writer(engine, NOW).write([ds(), Observation("sensorthings", "7", T0 + 300, 3.0)])
    (hour,) = rows(engine, HourlyRollup)
    assert (hour.count, hour.mean, hour.min, hour.max, hour.last) == (3, 5.0, 3.0, 7.0, 7.0)
    (day,) = rows(engine, DailyRollup)
    assert day._mapping["t"] == T0 and day.count == 3 and day.mean == 5.0


def test_units_are_converted_and_devices_registered_from_the_source(engine):
    Writer(engine, NOW).write([ds("99", "77", "water_level", "cm"), Observation("sensorthings", "99", T0, 250.0)])
    (dev,) = rows(engine, Device, Device.id == "sensorthings_77")
    assert dev.from_site_file is False and dev.kind == "water_gauge" and dev.simulated
    (series,) = rows(engine, Series, Series.external_id == "99")
    assert series.unit == "m" and series.source_unit == "cm"
    assert rows(engine, Reading)[0].value == 2.5


def test_every_bad_record_is_kept_with_its_reason_and_good_ones_stored(engine):
    stats = Writer(engine, NOW).write([
        ds(), ds("8", parameter="ph", unit="furlongs"),
        Observation("sensorthings", "7", T0, 5.0),
        Observation("sensorthings", "7", T0 + 60, 99.0),            # DO of 99 mg/L: impossible
        Observation("sensorthings", "7", NOW + 86400, 5.0),         # far future
        Observation("sensorthings", "8", T0, 7.0),                  # its datastream has an unknown unit
        Observation("sensorthings", "404", T0, 7.0),                # a datastream nobody described
        Rejected("sensorthings", "reading", "null_result", "result is null", '{"result": null}', "7@x"),
    ])
    assert stats.stored["readings"] == 1
    reasons = sorted(r.reason for r in rows(engine, Reject))
    assert reasons == ["far_future", "null_result", "out_of_range", "unknown_datastream", "unknown_unit", "unknown_unit"]
    assert all(r.excerpt for r in rows(engine, Reject))
    # the same bad record seen again on the next overlapping poll is not counted twice
    Writer(engine, NOW).write([Rejected("sensorthings", "reading", "null_result", "again", "{}", "7@x")])
    assert len(rows(engine, Reject)) == 6


def test_camera_events_update_in_place_when_they_end(engine):
    ev = CameraEventRecord("frigate", "1.0-a", "cam_01", "person", T0, None, 0.8, 0.85, zones=("san",))
    Writer(engine, NOW).write([ev])
    Writer(engine, NOW).write([CameraEventRecord("frigate", "1.0-a", "cam_01", "person", T0, T0 + 30, 0.8, 0.9)])
    (row,) = rows(engine, CameraEvent)
    assert row.end_t == T0 + 30 and row.top_score == 0.9 and row.device_id == "cam_01"
    Writer(engine, NOW).write([CameraEventRecord("frigate", "2.0-b", "cam_99", "car", T0, None, None, None)])
    assert rows(engine, Device, Device.id == "frigate_cam_99")[0].from_site_file is False


def test_reports_stage_history_deadline_and_village(engine):
    rep = ReportRecord("open311", "QT-1", "open", T0 + 8 * 3600, "giao_thong", "Giao thông", address="Thôn 3")
    Writer(engine, NOW).write([rep, ReportUpdateRecord("open311", "QT-1", "u1", "INVESTIGATING", T0 + 10 * 3600)])
    (r,) = rows(engine, Report)
    assert r.stage == "processing" and r.first_response_t == T0 + 10 * 3600 and r.village_id == "thon_3"
    assert r.deadline_t > r.requested_t + 15 * 86400   # 15 working days, weekends skipped
    closed = ReportRecord("open311", "QT-1", "closed", T0 + 8 * 3600, "giao_thong", updated_t=T0 + 50 * 3600)
    Writer(engine, NOW + 3 * 86400).write([closed])
    (r,) = rows(engine, Report)
    assert r.stage == "resolved" and r.closed_t == T0 + 50 * 3600
    assert {u.status for u in rows(engine, ReportUpdate)} == {"INVESTIGATING", "CLOSED"}
    stats = Writer(engine, NOW).write([ReportUpdateRecord("open311", "QT-404", "u9", "FIXED", T0)])
    assert stats.rejected["unknown_report"] == 1


def test_newer_indicator_values_win_and_older_ones_do_not_overwrite(engine):
    def rec(value, gen):
        return IndicatorRecord("feed", "cashless_rate", "commune:quang_tho", "2025-06", value, generated_t=gen)
    Writer(engine, NOW).write([rec(70.0, 100)])
    Writer(engine, NOW).write([rec(72.5, 200)])
    Writer(engine, NOW).write([rec(60.0, 150)])    # arrives late but is older
    (row,) = rows(engine, IndicatorValue)
    assert row.value == 72.5 and row.period_kind == "month" and row.period_start_t == to_epoch("2025-06-01T00:00:00+07:00")


def test_upload_dry_run_stores_nothing_then_confirm_stores_the_good_rows(engine):
    csv = ("indicator,scope,period,value,numerator,denominator,note\n"
           "cashless_rate,commune:quang_tho,2025-06,71.5,,,\n"
           "cashless_rate,commune:quang_tho,2025-07,140,,,\n").encode()
    preview = import_bytes(csv, "x.csv", dry_run=True, engine=engine)
    assert preview["valid"] == 1 and preview["errors"][0]["row"] == 3 and preview["errors"][0]["reason"] == "out_of_range"
    with engine.connect() as c:
        assert c.scalar(select(func.count()).select_from(IndicatorValue)) == 0
    done = import_bytes(csv, "x.csv", dry_run=False, engine=engine)
    assert done["stored"] == 1 and len(rows(engine, Reject)) == 1
    assert import_bytes(b"\x00\x01garbage", "x.xlsx", engine=engine)["file_error"]


def _batch(ds_id, ts, values):
    import numpy as np

    from ingest.records import ObservationBatch
    raw = [{"@iot.id": k, "phenomenonTime": "-", "resultTime": None, "result": v} for k, v in enumerate(values)]
    return ObservationBatch("sensorthings", ds_id, np.array(ts, dtype=np.int64), np.array(values, dtype=float), raw,
                            np.arange(len(ts)))


def test_a_batch_of_observations_is_stored_and_rejected_as_the_same_observations_one_by_one(engine):
    """The bulk intake (a page read at once) against the one-at-a-time intake on the same store, emptied between:
    converted units, values out of range, a time in the future, an unmapped Datastream."""
    from sqlalchemy import delete
    ts = [T0 + 600 * k for k in range(6)] + [NOW + 7200]
    cm = [250.0, 310.0, -5000.0, 120.0, 99999.0, 260.0, 255.0]       # water level in cm: -50 m and 999 m out of range
    infos = [ds("99", "77", "water_level", "cm"), ds("8", parameter="ph", unit="furlongs")]
    outcomes = []
    for bulk in (True, False):
        batches = [_batch("99", ts, cm), _batch("8", ts[:2], [7.0, 7.1])]
        records = batches if bulk else [o for b in batches for o in b.records()]
        stats = Writer(engine, NOW).write([*infos, *records])
        with engine.begin() as c:
            stored = c.execute(select(Reading.t, Reading.value).order_by(Reading.t)).all()
            rejects = sorted(c.execute(select(Reject.reason, Reject.record_key, Reject.detail)).all())
            c.execute(delete(Reading))
            c.execute(delete(Reject))
        outcomes.append((stats.stored["readings"], dict(stats.rejected), stored, rejects))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 4 and [v for _t, v in outcomes[0][2]] == [2.5, 3.1, 1.2, 2.6]
    assert outcomes[0][1] == {"out_of_range": 2, "far_future": 1, "unknown_unit": 3}


def test_a_backfill_registers_each_datastream_once_and_again_when_it_changes(engine):
    """Writers of one back-fill's chunks share what they registered: the same description costs no statement;
    a changed one (another unit) is registered again and converts from then on."""
    registered = {}
    first = Writer(engine, NOW, registered=registered)
    first.write([ds("99", "77", "water_level", "cm"), Observation("sensorthings", "99", T0, 250.0)])
    assert set(registered) == {("sensorthings", "99")}
    statements = []
    from sqlalchemy import event

    def count(*_a, **_k):
        statements.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        second = Writer(engine, NOW, registered=registered)
        second.write([ds("99", "77", "water_level", "cm")])
        assert statements == [] and second.mapped == {("sensorthings", "99"): first.mapped[("sensorthings", "99")]}
        third = Writer(engine, NOW, registered=registered)
        third.write([ds("99", "77", "water_level", "mm"), Observation("sensorthings", "99", T0 + 600, 2500.0)])
        assert statements      # registered again: the unit changed
    finally:
        event.remove(engine, "before_cursor_execute", count)
    (series,) = rows(engine, Series, Series.external_id == "99")
    assert series.source_unit == "mm" and sorted(r.value for r in rows(engine, Reading)) == [2.5, 2.5]

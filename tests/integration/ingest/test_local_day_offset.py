"""The day rollups bucket readings by the local day of Asia/Ho_Chi_Minh on both engines, with the offset
taken from the zone (core.timeutil), not a number written into the SQL."""
from datetime import datetime

import pytest
from sqlalchemy import text

from core.timeutil import LOCAL_OFFSET_S, LOCAL_TZ, fixed_offset_s, to_epoch
from ingest.records import DatastreamInfo, Observation
from ingest.site_sync import sync_site
from ingest.writer import LOCAL_DAY_OFFSET_S, Writer


@pytest.fixture
def engine(store_url, engine_for, site):
    e = engine_for(store_url)
    sync_site(e, site)
    return e


def test_the_offset_is_the_zones_and_a_zone_with_daylight_saving_is_refused():
    from zoneinfo import ZoneInfo
    assert LOCAL_DAY_OFFSET_S == LOCAL_OFFSET_S == 7 * 3600
    assert LOCAL_OFFSET_S == int(LOCAL_TZ.utcoffset(datetime(2026, 11, 30)).total_seconds())
    assert fixed_offset_s(ZoneInfo("Asia/Tokyo")) == 9 * 3600
    with pytest.raises(ValueError):
        fixed_offset_s(ZoneInfo("Europe/Paris"))


def test_readings_either_side_of_local_midnight_fall_in_their_local_days(engine):
    ds = DatastreamInfo("sensorthings", "7", "1", "Trạm nước ao 1", "do", "mg/L", 16.55, 107.54, {})
    before = to_epoch("2026-11-29T23:30:00+07:00")       # 16:30 UTC on the 29th
    after = to_epoch("2026-11-30T00:30:00+07:00")        # 17:30 UTC on the 29th: the same UTC day, the next local one
    Writer(engine, after + 3600).write([ds, Observation("sensorthings", "7", before, 4.0),
                                        Observation("sensorthings", "7", after, 8.0)])
    with engine.connect() as conn:
        days = [tuple(r) for r in conn.execute(text("SELECT t, count, mean FROM rollup_day ORDER BY t"))]
    assert days == [(to_epoch("2026-11-29T00:00:00+07:00"), 1, 4.0), (to_epoch("2026-11-30T00:00:00+07:00"), 1, 8.0)]

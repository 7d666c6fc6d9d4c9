"""Stores in states a deployment reaches, for tests of every layer."""
from __future__ import annotations

import time


def degraded_store(db: str) -> None:
    """What a month of real servers can leave behind: SensorThings fine; Frigate down since an hour with
    no error text (NULL), its only event with every optional field missing; Open311 requests with only
    the fields GeoReport v2 requires; an indicator with no value; indicators never polled."""
    from ingest.records import CameraEventRecord, DatastreamInfo, IndicatorRecord, Observation, ReportRecord
    from ingest.site_sync import sync_site
    from ingest.writer import Writer
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.models import SourceHealth
    upgrade(db)
    engine = make_engine(db)
    sync_site(engine)
    now = int(time.time())
    stream = DatastreamInfo("sensorthings", "1", "1", "Trạm nước ao 1", "do", "mg/L")
    air = DatastreamInfo("sensorthings", "2", "5", "Trạm không khí", "pm25", "µg/m³")
    writer = Writer(engine, now=now)
    writer.write([stream, air] + [Observation("sensorthings", "1", now - i * 600, 5.0 + i * 0.01) for i in range(30)]
                 + [Observation("sensorthings", "2", now - i * 300, 30.0) for i in range(30)]
                 + [CameraEventRecord("frigate", "ev-min", "cam_01", "person", now - 5000, None, None, None),
                    CameraEventRecord("frigate", "ev-full", "cam_02", "car", now - 9000, now - 8000, 0.8, 0.9,
                                      sub_label="xe tải", zones=("cong",), has_snapshot=True)]
                 + [ReportRecord("open311", f"req-{i}", "open", now - i * 86400) for i in range(3)]
                 + [ReportRecord("open311", "req-full", "open", now - 7200, service_code="moi_truong",
                                 service_name="Môi trường", description="Rác thải", address="Thôn 2",
                                 lat=16.55, lon=107.54)]
                 + [IndicatorRecord("indicators", "smartphone_rate", "commune", "2026-10", None)])
    writer.flush_readings()
    writer.flush_rejects()
    rows = {"sensorthings": dict(last_success_t=now - 20, last_attempt_t=now - 20, last_data_t=now - 60,
                                 consecutive_failures=0, watermark_t=now - 20),
            "frigate": dict(last_success_t=None, last_attempt_t=now - 30, last_error=None, last_error_t=None,
                            down_since_t=now - 3600, consecutive_failures=40),
            "open311": dict(last_success_t=now - 30, last_attempt_t=now - 30, consecutive_failures=0),
            # mixed with a row that has error text, so pandas reads the others' NULL as NaN
            "indicators": dict(last_attempt_t=now - 30, last_error="HTTP 503", last_error_t=now - 30,
                               consecutive_failures=1)}
    with engine.begin() as conn:
        for source, values in rows.items():
            conn.execute(SourceHealth.__table__.insert().values(
                source=source, protocol=source, url=f"http://127.0.0.1:9/{source}", simulated=False, stored_total=0,
                rejected_total=0, last_poll_stored=0, last_poll_rejected=0, **{"consecutive_failures": 0, **values}))
    engine.dispose()

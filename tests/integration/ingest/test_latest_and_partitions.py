"""The latest-value table the writer keeps beside the readings (both engines), and PostgreSQL's monthly
partitions of the readings: made ahead of the rows that need them, never leaving rows in the default,
and migration 0010 carrying a store's readings over into them."""
import uuid

import pytest
from sqlalchemy import select, text

from core.timeutil import to_epoch
from ingest.records import DatastreamInfo, Observation
from ingest.site_sync import sync_site
from ingest.writer import Writer
from queries import readings as rq
from store import partitions
from store.models import LatestReading, Reading

T0 = to_epoch("2025-06-12T00:00:00+07:00")
NOW = T0 + 86400


@pytest.fixture
def engine(store_url, engine_for, site):
    e = engine_for(store_url)
    sync_site(e, site)
    return e


def ds(ext="7", parameter="do"):
    unit = {"do": "mg/L", "ph": "pH", "salinity": "‰"}[parameter]
    return DatastreamInfo("sensorthings", ext, "1", "Trạm nước ao 1", parameter, unit, 16.55, 107.54, {})


def obs(t, v, ext="7"):
    return Observation("sensorthings", ext, t, v)


def latest_rows(engine):
    with engine.connect() as c:
        # (Row.t is SQLAlchemy's tuple accessor: columns by position)
        return {sid: (t, v) for sid, t, v in c.execute(select(LatestReading.series_id, LatestReading.t,
                                                                LatestReading.value))}


def test_latest_value_follows_the_newest_reading_and_ignores_late_ones(engine):
    Writer(engine, NOW).write([ds(), obs(T0 + 600, 5.0), obs(T0 + 1800, 6.5), obs(T0 + 1200, 9.0)])
    (only,) = latest_rows(engine).values()
    assert only == (T0 + 1800, 6.5)
    # a late reading (older than the newest) is stored but does not become "now"
    Writer(engine, NOW).write([ds(), obs(T0 + 60, 1.0)])
    assert list(latest_rows(engine).values()) == [(T0 + 1800, 6.5)]
    # the same newest time again with another value: the stored reading stays, and so does "now"
    Writer(engine, NOW).write([ds(), obs(T0 + 1800, 7.7)])
    assert list(latest_rows(engine).values()) == [(T0 + 1800, 6.5)]
    Writer(engine, NOW).write([ds(), obs(T0 + 2400, 8.0)])
    assert list(latest_rows(engine).values()) == [(T0 + 2400, 8.0)]


def test_latest_value_matches_the_newest_stored_reading_of_every_series(engine, monkeypatch):
    """Whatever the order of the batches, each series' row is its newest stored reading (the max(t) path
    the query layer used before)."""
    import random
    rng = random.Random(7)
    params = [("7", "do"), ("8", "ph"), ("9", "salinity")]
    batches = []
    for ext, _p in params:
        times = list(range(T0, T0 + 40 * 600, 600))
        rng.shuffle(times)
        batches += [[obs(t, round(rng.uniform(0.5, 9.5), 2), ext) for t in times[i:i + 7]] for i in range(0, 40, 7)]
    rng.shuffle(batches)
    for batch in batches:
        Writer(engine, NOW).write([ds(e, p) for e, p in params] + batch)
    with engine.connect() as c:
        want = {sid: (t, v) for sid, t, v in c.execute(text(
            "SELECT r.series_id, r.t, r.value FROM readings r WHERE r.t = "
            "(SELECT max(t) FROM readings x WHERE x.series_id = r.series_id)"))}
    assert latest_rows(engine) == want and len(want) == 3
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    from core.settings import get_settings
    from queries.cache import clear
    from store.engine import get_engine
    get_settings.cache_clear()
    get_engine.cache_clear()
    clear()
    frame = rq.latest.uncached(device_ids=("water_1",))
    assert sorted(frame["parameter"]) == ["do", "ph", "salinity"]
    assert {int(t.timestamp()) for t in frame["time"]} == {t for t, _v in want.values()}
    get_engine.cache_clear()


# --- PostgreSQL: monthly partitions ----------------------------------------------------------------

def _partition_of(conn, series_id: int, t: int) -> str:
    return conn.scalar(text("SELECT tableoid::regclass::text FROM readings WHERE series_id = :s AND t = :t"),
                       {"s": series_id, "t": t})


@pytest.mark.postgres
def test_postgres_readings_go_to_their_month_partition_made_by_the_writer(store_url, engine_for, site):
    if not store_url.startswith("postgresql"):
        pytest.skip("partitions are PostgreSQL's")
    engine = engine_for(store_url)
    sync_site(engine, site)
    old = to_epoch("2019-03-15T12:00:00+00:00")        # far before any partition the migration made
    Writer(engine, NOW).write([ds(), obs(old, 5.0), obs(T0, 6.0)])
    with engine.connect() as c:
        assert partitions.is_partitioned(c)
        sid = c.scalar(select(LatestReading.series_id))
        assert _partition_of(c, sid, old) == "readings_2019_03"
        assert _partition_of(c, sid, T0) == "readings_2025_06"
        assert c.scalar(text("SELECT count(*) FROM readings_default")) == 0
    # idempotent through COPY as well: the same batch again stores nothing
    again = Writer(engine, NOW).write([ds(), obs(old, 5.0), obs(T0, 6.0), obs(T0 + 600, 6.5)])
    assert again.stored["readings"] == 1
    with engine.connect() as c:
        assert c.scalar(select(text("count(*)")).select_from(Reading)) == 3


def test_a_time_twice_in_one_new_batch_is_stored_once_with_the_first_value(engine):
    """The flush keeps the first of a time repeated inside a batch before anything is written (as SQLite's
    OR IGNORE would), so new history still goes straight in (by COPY on PostgreSQL)."""
    stats = Writer(engine, NOW).write([ds(), obs(T0, 5.0), obs(T0 + 600, 6.0), obs(T0, 9.0)])
    assert stats.stored["readings"] == 2
    with engine.connect() as c:
        assert c.execute(select(Reading.t, Reading.value).order_by(Reading.t)).all() == [(T0, 5.0), (T0 + 600, 6.0)]
    assert list(latest_rows(engine).values()) == [(T0 + 600, 6.0)]


@pytest.mark.postgres
def test_postgres_rows_in_the_default_partition_move_when_their_month_is_made(store_url, engine_for, site):
    if not store_url.startswith("postgresql"):
        pytest.skip("partitions are PostgreSQL's")
    engine = engine_for(store_url)
    sync_site(engine, site)
    Writer(engine, NOW).write([ds(), obs(T0, 6.0)])
    t = to_epoch("2018-07-04T00:00:00+00:00")
    with engine.begin() as c:       # as an older process without partition-making would have written it
        sid = c.scalar(select(LatestReading.series_id))
        c.execute(text("INSERT INTO readings (series_id, t, value) VALUES (:s, :t, 4.2)"), {"s": sid, "t": t})
        assert _partition_of(c, sid, t) == "readings_default"
    with engine.begin() as c:
        assert partitions.ensure(c, partitions.months(t, t)) == [partitions.month_start(t)]
    with engine.connect() as c:
        assert _partition_of(c, sid, t) == "readings_2018_07"
        assert c.scalar(text("SELECT count(*) FROM readings_default")) == 0


@pytest.mark.postgres
def test_postgres_migration_0010_carries_the_readings_into_month_partitions(pg_template, site):
    """A store at 0009 with readings in the plain table: after 0010 they are in month partitions, the
    latest-value table holds each series' newest, and a downgrade gives the plain table back."""
    import psycopg
    from tests.conftest import PG_ADMIN_URL
    from store.engine import make_engine
    from store.migrate import alembic_config, upgrade
    from alembic import command
    name = f"brain_m_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url, "0009")
        engine = make_engine(url)
        sync_site(engine, site)
        with engine.begin() as c:
            sid = c.execute(text("INSERT INTO series (device_id, parameter, unit, source, external_id) "
                                 "VALUES ('water_1', 'do', 'mg/L', 'sensorthings', '7') RETURNING id")).scalar()
            times = [to_epoch("2025-01-31T23:50:00+00:00"), to_epoch("2025-02-01T00:00:00+00:00"), T0]
            for k, t in enumerate(times):
                c.execute(text("INSERT INTO readings VALUES (:s, :t, :v)"), {"s": sid, "t": t, "v": 1.0 + k})
        engine.dispose()
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as c:
            assert partitions.is_partitioned(c)
            where = [_partition_of(c, sid, t) for t in times]
            assert where == ["readings_2025_01", "readings_2025_02", "readings_2025_06"]
            assert c.execute(text("SELECT t, value FROM readings_latest WHERE series_id = :s"), {"s": sid}).one() \
                == (T0, 3.0)
        engine.dispose()
        cfg = alembic_config(url)
        command.downgrade(cfg, "0009")
        engine = make_engine(url)
        with engine.connect() as c:
            assert not partitions.is_partitioned(c)
            assert c.scalar(text("SELECT count(*) FROM readings")) == 3
        engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sqlite_migration_0010_fills_the_latest_values_from_the_stored_readings(tmp_path, site):
    from store.engine import make_engine
    from store.migrate import upgrade
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0009")
    engine = make_engine(url)
    sync_site(engine, site)
    with engine.begin() as c:
        sid = c.execute(text("INSERT INTO series (device_id, parameter, unit, source, external_id) "
                             "VALUES ('water_1', 'do', 'mg/L', 'sensorthings', '7') RETURNING id")).scalar()
        for k, t in enumerate((T0 + 600, T0 + 1200, T0)):
            c.execute(text("INSERT INTO readings VALUES (:s, :t, :v)"), {"s": sid, "t": t, "v": 1.0 + k})
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT series_id, t, value FROM readings_latest")).all() == [(sid, T0 + 1200, 2.0)]
    engine.dispose()

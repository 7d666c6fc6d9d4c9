"""A source's freshness (queries.health.freshness, on every panel's data) is read from one view of every
source kept per tag version: the same answer as the source's row of sources(), a source without a row is
"never", and an invalidation of "health" reaches the copy kept in memory."""
import time

import pytest
from sqlalchemy import insert, update

from queries import health
from queries.base import records
from queries.cache import invalidate
from store.models import SourceHealth


@pytest.fixture
def store(store_url, use_store, engine_for):
    use_store(store_url)
    return engine_for(store_url)


def _row(source, **values):
    return {"source": source, "protocol": "http", "url": "http://x", "simulated": False, "consecutive_failures": 0,
            "stored_total": 0, "rejected_total": 0, "last_poll_stored": 0, "last_poll_rejected": 0,
            **{c: None for c in ("last_attempt_t", "last_success_t", "last_error_t", "down_since_t", "last_data_t")},
            **values}


def _as_before(source):
    """What freshness() answered before: the source's first row of sources(), built for it alone."""
    df = health.sources()
    rows = records(df[df["source"] == source])
    if not rows:
        return {"state": "never", "last_success_time": None, "last_data_time": None, "stale": True,
                "simulated": False, "down_since_time": None}
    r = rows[0]
    return {"state": r["state"], "last_success_time": r["last_success_time"], "last_data_time": r["last_data_time"],
            "stale": r["state"] in ("stale", "down", "never"), "simulated": bool(r["simulated"]),
            "down_since_time": r["down_since_time"], "last_attempt_time": r["last_attempt_time"],
            "poll_interval_s": r["poll_interval_s"]}


def test_freshness_is_the_sources_row_and_follows_invalidation(store):
    now = int(time.time())
    with store.begin() as conn:
        conn.execute(insert(SourceHealth), [
            _row("sensorthings", last_attempt_t=now - 30, last_success_t=now - 30, last_data_t=now - 60),
            _row("frigate", simulated=True, last_attempt_t=now - 10, last_error_t=now - 10, down_since_t=now - 7200,
                 consecutive_failures=9, last_success_t=now - 7200),
            _row("open311")])
    invalidate("health")
    for source in ("sensorthings", "frigate", "open311", "no-such-source"):
        assert health.freshness(source) == _as_before(source)
    assert health.freshness("frigate")["simulated"] is True and health.freshness("no-such-source")["state"] == "never"
    # a caller changing its answer changes nobody else's
    health.freshness("sensorthings")["state"] = "changed"
    assert health.freshness("sensorthings")["state"] != "changed"
    before = health.freshness("sensorthings")["state"]
    with store.begin() as conn:
        conn.execute(update(SourceHealth).where(SourceHealth.source == "sensorthings")
                     .values(last_success_t=now - 30 * 86400, last_attempt_t=now - 30 * 86400, consecutive_failures=50,
                             down_since_t=now - 30 * 86400))
    invalidate("health")
    after = health.freshness("sensorthings")
    assert after == _as_before("sensorthings") and after["state"] != before

"""The query cache on Redis (CACHE_URL): shared by processes, invalidated by the ingest process, keyed per
database, and never in the way of a page when Redis is down. Redis is required when CI=true."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import IN_CI, ROOT, free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/10")


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_URL}: {err} (required when CI=true)")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {err}")
    return REDIS_URL


@pytest.fixture
def redis_cache(redis_url, sqlite_url, use_store, monkeypatch):
    """CACHE_URL pointing at Redis, for a fresh database; its keys removed afterwards."""
    monkeypatch.setenv("CACHE_URL", redis_url)
    use_store(sqlite_url)
    from queries import cache
    yield cache
    cache.clear()


def test_values_are_kept_in_redis_until_their_tag_is_invalidated(redis_cache):
    from queries.cache import RedisStore, get_cache
    assert isinstance(get_cache(), RedisStore)
    calls = []

    @redis_cache.memoize("readings")
    def answer(x, *, unit="mm"):
        calls.append(x)
        return {"x": x, "unit": unit}

    assert answer(1) == answer(1) == {"x": 1, "unit": "mm"} and calls == [1]
    assert answer(1, unit="cm") == {"x": 1, "unit": "cm"} and calls == [1, 1]
    before = redis_cache.data_version()
    assert redis_cache.invalidate("events") is True          # another tag: this value stays
    answer(1)
    assert calls == [1, 1] and redis_cache.data_version() == before + 1
    assert redis_cache.invalidate("readings") is True
    answer(1)
    assert calls == [1, 1, 1]


def test_answers_are_kept_under_the_data_version_and_dropped_by_any_write(redis_cache):
    key = redis_cache.response_key(("overview", "vi"))
    redis_cache.set_response(key, (b"{}", {"Content-Type": "application/json"}), expire=30)
    assert redis_cache.get_response(key) == (b"{}", {"Content-Type": "application/json"})
    redis_cache.invalidate("alerts")
    assert redis_cache.response_key(("overview", "vi")) != key
    assert redis_cache.get_response(redis_cache.response_key(("overview", "vi"))) is None


def test_each_database_has_its_own_versions_and_values(redis_cache, sqlite_template, use_store, tmp_path):
    """Two deployments (or two tests) on one Redis server: one's ingest does not touch the other's cache."""
    import shutil
    first_url = os.environ["DATABASE_URL"]
    first = redis_cache.data_version()
    other = tmp_path / "other.db"
    shutil.copy(sqlite_template, other)
    redis_cache.invalidate("readings")
    use_store(f"sqlite:///{other}")
    assert redis_cache.data_version() == 0
    redis_cache.invalidate("readings")
    redis_cache.invalidate("readings")
    assert redis_cache.data_version() == 2
    redis_cache.clear()                                          # this database's keys only
    assert redis_cache.data_version() == 0
    use_store(first_url)
    assert redis_cache.data_version() == first + 1


def test_a_dead_redis_costs_a_page_nothing_but_the_cache(sqlite_url, use_store, monkeypatch, caplog):
    """Nothing listens on the port: every call computes, invalidation says False, no answer is kept; and the
    process rests Redis after the first failure instead of waiting for a timeout on each call."""
    monkeypatch.setenv("CACHE_URL", f"redis://127.0.0.1:{free_port()}/10")
    use_store(sqlite_url)
    from queries import cache
    calls = []

    @cache.memoize("readings")
    def answer(x):
        calls.append(x)
        return x * 2

    assert [answer(2), answer(2)] == [4, 4] and calls == [2, 2]
    assert cache.invalidate("readings") is False
    assert cache.data_version() is None
    key = cache.response_key(("p",))
    cache.set_response(key, (b"x", {}), expire=30)
    assert cache.get_response(key) is None
    store = cache.get_cache()
    assert store._resting_until > 0                                  # resting: the next call asks nothing
    with pytest.raises(cache.CacheUnavailable, match="resting"):
        store.get("anything")
    assert sum("redis cache unavailable" in r.message for r in caplog.records) <= 2


@pytest.mark.postgres
def test_invalidation_by_the_ingest_process_reaches_the_web_process(redis_url, store_url, use_store, engine_for,
                                                                     site, simulator_url, monkeypatch):
    """PostgreSQL + Redis: this process serves a callback and keeps its answer; `manage.py ingest --once`, a
    separate OS process on the same database and Redis, writes and invalidates; the next identical request
    here is computed afresh, then kept again."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the cross-process path is the PostgreSQL deployment's")
    monkeypatch.setenv("CACHE_URL", redis_url)
    use_store(store_url)
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from queries import cache
    from tests.integration.test_app import signed_in_client
    from tests.integration.test_hostile_input import SignedIn
    from tests.integration.test_served import pond_request, post
    sync_site(engine_for(store_url), site)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    client = SignedIn(signed_in_client(app_module.app, "viewer"))
    client.get("/")
    try:
        assert post(client, pond_request()).headers.get("X-Answer") is None
        assert post(client, pond_request()).headers.get("X-Answer") == "kept"
        version = cache.data_version()

        env = dict(os.environ, DATABASE_URL=store_url, CACHE_URL=redis_url, SENSORTHINGS_URL=f"{simulator_url}/sta/v1.1",
                   LOG_LEVEL="WARNING", CACHE_DIR=os.environ["CACHE_DIR"] + "-ingest")
        done = subprocess.run([sys.executable, "manage.py", "ingest", "--once", "--source", "sensorthings"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        assert '"stored"' in done.stdout

        assert cache.data_version() > version                    # the other process's INCR, read here
        assert post(client, pond_request()).headers.get("X-Answer") is None
        assert post(client, pond_request()).headers.get("X-Answer") == "kept"
    finally:
        cache.clear()


def test_pages_answer_while_redis_is_down(sqlite_url, use_store, engine_for, site, monkeypatch):
    """A callback through the whole web stack with CACHE_URL pointing at nothing: answered, never kept."""
    monkeypatch.setenv("CACHE_URL", f"redis://127.0.0.1:{free_port()}/10")
    use_store(sqlite_url)
    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from tests.integration.test_app import signed_in_client
    from tests.integration.test_hostile_input import SignedIn
    from tests.integration.test_served import pond_request, post
    sync_site(engine_for(sqlite_url), site)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    client = SignedIn(signed_in_client(app_module.app, "viewer"))
    assert client.get("/").status_code == 200
    for _ in range(2):
        r = post(client, pond_request())
        assert r.status_code == 200 and r.headers.get("X-Answer") is None
        assert "Trạm nước ao" in json.dumps(r.json["response"], ensure_ascii=False)    # the pond chart, drawn


def test_values_kept_in_worker_memory_follow_invalidation_and_an_emptied_store(redis_cache):
    """memoize(local=True): a second call asks the store for the version only (no value read, nothing
    unpickled); an invalidation by any process (here: a bump straight in Redis, as another host's) or the
    store emptied (its epoch changes, so versions counting again from 0 are not mistaken) reaches it."""
    from queries.cache import _tag_key, get_cache
    calls = []

    @redis_cache.memoize("site", local=True)
    def names():
        calls.append(1)
        return ["quang_tho", "demo_b"][: 3 - len(calls)]

    store = get_cache()
    assert names() == ["quang_tho", "demo_b"] and len(calls) == 1
    reads = []
    real_get = store.get
    store.get = lambda *a, **k: reads.append(a) or real_get(*a, **k)
    try:
        first = names()
        first.append("changed by the caller")              # a copy: the kept list is not changed
        assert names() == ["quang_tho", "demo_b"] and reads == [] and len(calls) == 1
    finally:
        store.get = real_get
    store.bump([_tag_key("site")])                          # another host's ingest invalidated "site"
    assert names() == ["quang_tho"] and len(calls) == 2
    redis_cache.clear()                                     # emptied: the version is 0 again ...
    store.bump([_tag_key("site")])                          # ... and counts back up to the one kept above
    assert names() == [] and len(calls) == 3                # not the copy kept under the old epoch


def test_a_kept_answer_costs_two_exchanges_with_redis_and_no_database_query(redis_url, sqlite_url, use_store,
                                                                            engine_for, site, monkeypatch):
    """The hit path of a callback a signed-in viewer repeats: the versions read once (pinned for the
    request), the answer read once; the session, its communes and the commune list from the worker's memory,
    checked against those versions. Counted, not timed."""
    monkeypatch.setenv("CACHE_URL", redis_url)
    use_store(sqlite_url)
    from sqlalchemy import event

    from core.settings import get_settings
    from ingest.site_sync import sync_site
    from queries import cache
    from store.engine import get_engine
    from tests.integration.test_app import signed_in_client
    from tests.integration.test_hostile_input import SignedIn
    from tests.integration.test_served import pond_request, post
    sync_site(engine_for(sqlite_url), site)
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "10000 per minute")
    get_settings.cache_clear()
    import app as app_module
    client = SignedIn(signed_in_client(app_module.app, "viewer"))
    client.get("/")
    try:
        assert post(client, pond_request()).headers.get("X-Answer") is None
        assert post(client, pond_request(tick=2)).headers.get("X-Answer") == "kept"   # session now kept too
        store = cache.get_cache()
        exchanges, queries = [], []
        real_call = store._call
        monkeypatch.setattr(store, "_call", lambda fn, **kw: exchanges.append(1) or real_call(fn, **kw))
        listen = lambda *a, **k: queries.append(a[2])  # noqa: E731
        event.listen(get_engine(), "before_cursor_execute", listen)
        try:
            r = post(client, pond_request(tick=3))
        finally:
            event.remove(get_engine(), "before_cursor_execute", listen)
        assert r.status_code == 200 and r.headers.get("X-Answer") == "kept"
        assert len(exchanges) == 2 and queries == []
    finally:
        cache.clear()


def test_a_request_that_writes_reads_what_it_wrote(redis_cache):
    """Versions are pinned for a request; a write in it (invalidate) unpins them, so the same request's next
    memoised read is computed afresh, not the value from before its own write."""
    source = {"state": "open"}

    @redis_cache.memoize("alerts")
    def state():
        return dict(source)

    redis_cache.pin_versions()
    try:
        assert state() == {"state": "open"}
        source["state"] = "acknowledged"                   # a command's write ...
        assert state() == {"state": "open"}                # (kept, as it should be until told)
        redis_cache.invalidate("alerts")                   # ... and its invalidation
        assert state() == {"state": "acknowledged"}
    finally:
        redis_cache.unpin_versions()

"""Memoisation shared by every worker process, keyed by the database too (tests and deployments switch
databases), tagged by data kind so ingest can drop exactly what it changed.

Two stores behind one interface, chosen by CACHE_URL:
- unset (the embedded default): diskcache in CACHE_DIR, shared by the processes of one host;
- `redis://…` (or `rediss://`, `unix://`): Redis, shared by every host, so an ingest process on one host
  invalidates what the web workers of another keep.

The idea is the same on both: each tag has a version number, bumped atomically by `invalidate` (INCR in
Redis); a key carries the versions of its tag, so a bump makes every older key unreachable at once, whatever
process or host wrote it, and the old values fall away when they expire. Values are pickled with an expiry.

A store that does not answer never breaks a page: the caller computes the value instead. After a Redis
failure the process leaves Redis alone for a few seconds, so a dead server costs one short timeout per
worker, not one per query."""
from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import threading
import time
from pathlib import Path

import diskcache

from core.settings import get_settings

log = logging.getLogger(__name__)
_TAG_VERSIONS = "__tag_versions__"
_DATA_VERSION = "__data_version__"     # bumped by every invalidate(): the version of "everything stored"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
REDIS_RETRY_AFTER_S = 5.0              # after a failure, Redis is not asked again for this long
REDIS_CONNECT_TIMEOUT_S = 0.5
REDIS_TIMEOUT_S = 1.0


class CacheUnavailable(Exception):
    """The shared store did not answer (or is resting after it did not)."""


class DiskStore:
    """diskcache in one folder: every process of this host sees it, no other host does."""

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        self.cache = diskcache.Cache(str(path), size_limit=512 * 2**20)

    def get(self, key, default=None):
        return self.cache.get(key, default=default)

    def set(self, key, value, expire: int) -> None:
        self.cache.set(key, value, expire=expire)

    def get_many(self, keys: list, default=None) -> list:
        return [self.cache.get(k, default=default) for k in keys]

    def set_many(self, items: list[tuple], expire: int) -> None:
        for key, value in items:
            self.cache.set(key, value, expire=expire)

    def versions(self, names: list[str]) -> list[int]:
        return [int(self.cache.get(n, 0)) for n in names]

    def bump(self, names: list[str]) -> None:
        for name in names:
            self.cache.incr(name, default=0)

    def clear(self) -> None:
        self.cache.clear()


class RedisStore:
    """Redis through redis-py: values pickled under a hash of their key with an expiry (SET EX), versions as
    plain counters (INCR, never expiring: run Redis with `maxmemory-policy volatile-lru` so only values are
    evicted). Every key of a database lives under its own prefix, so deployments and tests can share a
    server. Redis is trusted like the database (it holds pickles): keep it on a private network."""

    def __init__(self, url: str):
        import redis
        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
                                           socket_timeout=REDIS_TIMEOUT_S, health_check_interval=30)
        self._resting_until = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def _prefix() -> str:
        return "cdb:" + _digest(get_settings().database_url)[:16] + ":"

    def _key(self, key) -> str:
        if isinstance(key, str):
            return self._prefix() + key
        return self._prefix() + "k:" + _digest(pickle.dumps(key, protocol=5))

    def _call(self, fn, *, force: bool = False):
        """Run one Redis exchange; a failure (connection, timeout, server error) becomes CacheUnavailable
        and rests Redis for a few seconds in this process. `force` asks even while resting (invalidation:
        rare, and worth a try)."""
        import redis
        if not force and time.monotonic() < self._resting_until:
            raise CacheUnavailable("redis resting after a failure")
        try:
            return fn()
        except redis.RedisError as err:
            with self._lock:
                first = time.monotonic() >= self._resting_until
                self._resting_until = time.monotonic() + REDIS_RETRY_AFTER_S
            if first:
                log.warning("redis cache unavailable (%s); computing without it for %.0f s", err, REDIS_RETRY_AFTER_S)
            raise CacheUnavailable(str(err)) from err

    def get(self, key, default=None):
        raw = self._call(lambda: self.client.get(self._key(key)))
        return default if raw is None else pickle.loads(raw)

    def set(self, key, value, expire: int) -> None:
        data = pickle.dumps(value, protocol=5)
        self._call(lambda: self.client.set(self._key(key), data, ex=max(1, int(expire))))

    def get_many(self, keys: list, default=None) -> list:
        """Several values in one round trip (MGET)."""
        if not keys:
            return []
        raws = self._call(lambda: self.client.mget([self._key(k) for k in keys]))
        return [default if raw is None else pickle.loads(raw) for raw in raws]

    def set_many(self, items: list[tuple], expire: int) -> None:
        """Several values, each with its expiry, in one round trip (a pipeline of SET EX)."""
        if not items:
            return
        data = [(self._key(key), pickle.dumps(value, protocol=5)) for key, value in items]

        def _set():
            pipe = self.client.pipeline(transaction=False)
            for key, raw in data:
                pipe.set(key, raw, ex=max(1, int(expire)))
            pipe.execute()
        self._call(_set)

    def versions(self, names: list[str]) -> list[int]:
        values = self._call(lambda: self.client.mget([self._key(n) for n in names]))
        return [int(v or 0) for v in values]

    def bump(self, names: list[str]) -> None:
        def _incr():
            pipe = self.client.pipeline(transaction=True)
            for name in names:
                pipe.incr(self._key(name))
            pipe.execute()
        self._call(_incr, force=True)

    def clear(self) -> None:
        """Every key of this database (values and versions), not the rest of the server."""
        def _delete():
            batch = []
            for key in self.client.scan_iter(match=self._prefix() + "*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self.client.delete(*batch)
                    batch = []
            if batch:
                self.client.delete(*batch)
        self._call(_delete, force=True)


def _digest(data: str | bytes) -> str:
    return hashlib.blake2b(data.encode() if isinstance(data, str) else data, digest_size=20).hexdigest()


_stores: dict[str, DiskStore | RedisStore] = {}


def get_cache() -> DiskStore | RedisStore:
    """The store CACHE_URL names (Redis), else diskcache in CACHE_DIR; one per process and location."""
    settings = get_settings()
    url = (settings.cache_url or "").strip()
    where = url if url.startswith(REDIS_SCHEMES) else str(settings.cache_dir)
    if where not in _stores:
        _stores[where] = RedisStore(url) if url.startswith(REDIS_SCHEMES) else DiskStore(Path(where))
    return _stores[where]


def backend_name() -> str:
    """For logs and the start-up banner: where the cache lives (no password)."""
    store = get_cache()
    if isinstance(store, RedisStore):
        pool = store.client.connection_pool.connection_kwargs
        where = pool.get("path") or f"{pool.get('host')}:{pool.get('port')}"
        return f"redis {where} db {pool.get('db', 0)}"
    return f"diskcache {store.cache.directory}"


def _log_failure(what: str) -> None:
    """A resting or unreachable Redis was already reported once by RedisStore; anything else is a bug or a
    broken disk and is logged with its traceback."""
    import sys
    if isinstance(sys.exc_info()[1], CacheUnavailable):
        log.debug("%s: %s", what, sys.exc_info()[1])
    else:
        log.exception(what)


def _tag_key(tag: str) -> str:
    return f"{_TAG_VERSIONS}:{tag}"


def memoize(tag: str, expire: int = 60):
    """Cache a function's result for `expire` seconds or until `invalidate(tag)`. Bumping a tag's version
    makes every older key unreachable at once, whatever process wrote it."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                cache = get_cache()
                [version] = cache.versions([_tag_key(tag)])
                key = (fn.__module__, fn.__qualname__, get_settings().database_url, version, args,
                       tuple(sorted(kwargs.items())))
                hit = cache.get(key, default=_MISS)
            except Exception:  # noqa: BLE001 - a broken cache must not break a page
                _log_failure("cache unavailable")
                return fn(*args, **kwargs)
            if hit is not _MISS:
                return hit.copy() if hasattr(hit, "copy") else hit
            value = fn(*args, **kwargs)
            try:
                cache.set(key, value, expire=expire)
            except Exception:  # noqa: BLE001
                _log_failure("cache write failed")
            return value
        def many(calls: list[tuple], compute):
            """fn's value for each tuple of positional arguments in `calls`, each read under the very key
            `wrapper(*args)` uses (one round trip for all), those missing computed together by
            `compute(missing calls) -> their values in order` (one set-based query instead of one per
            call) and kept under their own keys: a value is the same whichever way it was asked."""
            try:
                cache = get_cache()
                [version] = cache.versions([_tag_key(tag)])
                keys = [(fn.__module__, fn.__qualname__, get_settings().database_url, version, args, ())
                        for args in calls]
                hits = cache.get_many(keys, default=_MISS)
            except Exception:  # noqa: BLE001 - a broken cache must not break a page
                _log_failure("cache unavailable")
                return list(compute(list(calls)))
            missing = [i for i, hit in enumerate(hits) if hit is _MISS]
            values = [hit.copy() if hasattr(hit, "copy") else hit for hit in hits]
            if missing:
                computed = list(compute([calls[i] for i in missing]))
                for i, value in zip(missing, computed):
                    values[i] = value
                try:
                    cache.set_many([(keys[i], value) for i, value in zip(missing, computed)], expire=expire)
                except Exception:  # noqa: BLE001
                    _log_failure("cache write failed")
            return values
        wrapper.uncached = fn
        wrapper.many = many
        return wrapper
    return deco


class _Miss:
    pass


_MISS = _Miss()


def invalidate(*tags: str) -> bool:
    """Bump the tags' versions and the data version, in every process and host that shares this store.
    Never raises (a cache problem must not stop ingest or a command): False when the store did not answer,
    and then what it keeps ages out within its expiry (60 s for memoised queries, 30 s for answers)."""
    try:
        get_cache().bump([_tag_key(t) for t in tags] + [_DATA_VERSION])
        return True
    except CacheUnavailable as err:
        log.warning("cache invalidation of %s failed: %s", ", ".join(tags), err)
        return False
    except Exception:  # noqa: BLE001
        log.exception("cache invalidation failed for %s", ", ".join(tags))
        return False


def data_version() -> int | None:
    """One number that changes whenever any tag is invalidated: a key over it outlives no write. None when
    the store does not answer (nothing is then read or kept under it)."""
    try:
        return get_cache().versions([_DATA_VERSION])[0]
    except Exception:  # noqa: BLE001
        _log_failure("cache unavailable")
        return None


def response_key(parts: tuple) -> tuple:
    """The key of a serialised answer: its parts (the request as it matters) and the data version read
    now, before the answer is computed, so an answer computed while ingest wrote is kept under the older
    version and never served as the newer one."""
    return ("response", get_settings().database_url, data_version(), parts)


def get_response(key: tuple):
    """What `set_response` kept under the key, or None (also when the cache is unavailable: the caller
    then computes the answer)."""
    if key[2] is None:
        return None
    try:
        return get_cache().get(key, default=None)
    except Exception:  # noqa: BLE001 - a broken cache must not break a page
        _log_failure("cache unavailable")
        return None


def set_response(key: tuple, value, expire: int) -> None:
    """Keep a serialised answer (bytes and the headers that describe them) for `expire` seconds or until the
    next invalidate(), whichever comes first: a hit then costs one read, not a figure built and encoded."""
    if key[2] is None:
        return
    try:
        get_cache().set(key, value, expire=expire)
    except Exception:  # noqa: BLE001
        _log_failure("cache write failed")


def clear() -> None:
    get_cache().clear()

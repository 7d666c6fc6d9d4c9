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

import contextvars
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
# a random number set once in an empty store: copies kept in a process's memory carry it, so a store
# emptied (FLUSHDB, clear()) while workers run, whose versions then count again from 0, is not mistaken
# for the one they were read from
_EPOCH = "__epoch__"
LOCAL_MAX_ENTRIES = 512                # per memoised function kept in process memory (memoize(local=True))
# the tags every request reads (the sign-in and commune checks: "sessions", "access", "site", named by
# auth.web): pin_versions() reads them with the data version in one exchange; any other tag is read when a
# memoised call first needs it and then kept with them for the rest of the request
_TAGS: set[str] = set()
# the versions read once for the current request (pin_versions); None outside one, or when unread
_pinned: contextvars.ContextVar[dict | None] = contextvars.ContextVar("cache_pinned_versions", default=None)
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
REDIS_RETRY_AFTER_S = 5.0              # after a failure, Redis is not asked again for this long
REDIS_CONNECT_TIMEOUT_S = 0.5
REDIS_TIMEOUT_S = 1.0


class CacheUnavailable(Exception):
    """The shared store did not answer (or is resting after it did not)."""


DISK_INLINE_BELOW = 2**20             # values smaller than this stay in diskcache's SQLite file, not one file each


class DiskStore:
    """diskcache in one folder: every process of this host sees it, no other host does.

    Values under 1 MB are kept inside diskcache's SQLite database (its default puts anything above 32 KB in
    a file of its own): a query frame of a few hundred rows is 50-400 KB pickled, and creating, writing and
    later deleting a file per value cost 2.3 CPU-ms and ~15 ms of wall time per write on this machine (the
    570-device map's states: 111 KB), against 0.8 ms as a blob. Reading either is about 1 ms."""

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        self.cache = diskcache.Cache(str(path), size_limit=512 * 2**20, disk_min_file_size=DISK_INLINE_BELOW)

    @staticmethod
    def _key(key) -> str:
        """A tuple key as a digest of its pickle (as RedisStore does): diskcache would pickle it and run
        `pickletools.optimize` (pure Python) over it on every get and set, 13-20 µs a key against 1-2 µs
        (a kept answer reads several memoised keys; a cold query layer call two a piece)."""
        if isinstance(key, str):
            return key
        return "k:" + _digest(pickle.dumps(key, protocol=5))

    def get(self, key, default=None):
        return self.cache.get(self._key(key), default=default)

    def set(self, key, value, expire: int) -> None:
        self.cache.set(self._key(key), value, expire=expire)

    def get_many(self, keys: list, default=None) -> list:
        return [self.get(k, default=default) for k in keys]

    def set_many(self, items: list[tuple], expire: int) -> None:
        for key, value in items:
            self.set(key, value, expire=expire)

    def versions(self, names: list[str]) -> list[int]:
        return [int(self.cache.get(n, 0)) for n in names]

    def bump(self, names: list[str]) -> None:
        for name in names:
            self.cache.incr(name, default=0)

    def ensure_epoch(self, name: str, value: int) -> None:
        self.cache.add(name, value)

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
        return _prefix_of(get_settings().database_url)

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

    def ensure_epoch(self, name: str, value: int) -> None:
        """Set once (SET NX, never expiring like the versions)."""
        self._call(lambda: self.client.set(self._key(name), value, nx=True))

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


@functools.lru_cache(maxsize=16)
def _prefix_of(database_url: str) -> str:
    """A database's key prefix in Redis (computed once: every key of every request carries it)."""
    return "cdb:" + _digest(database_url)[:16] + ":"


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


def watch_tags(*tags: str) -> None:
    """Tags pin_versions() reads at the start of every request (those every request needs)."""
    _TAGS.update(tags)


def pin_versions() -> None:
    """Read the watched tags' versions and the data version in one exchange, and use them for the rest of
    the current request (this thread's context): a request then asks the store for each version once, not
    once per memoised call, and a kept answer's request asks for all it needs in one exchange. The versions
    are those of when the request started, as the kept answer's key always was (response_key): a value
    computed meanwhile is kept under the older version, never served as newer. A request that writes
    (invalidate) reads versions afresh after its write, so it sees what it wrote. A store that does not
    answer pins nothing: every call then asks (and falls back) as before."""
    names = sorted(_TAGS)
    try:
        store = get_cache()
        values = store.versions([_tag_key(t) for t in names] + [_DATA_VERSION, _EPOCH])
        if not values[-1]:
            values[-1] = _epoch(store)
    except Exception:  # noqa: BLE001 - a broken cache must not break a page
        _log_failure("cache unavailable")
        _pinned.set(None)
        return
    _pinned.set(dict(zip(names + [_DATA_VERSION, _EPOCH], values)))


def unpin_versions() -> None:
    """The end of a request: its versions are not used by the next one this thread serves."""
    _pinned.set(None)


def tag_version(tag: str) -> int | None:
    """The tag's version (pinned for this request, else read now); None when the store does not answer."""
    pinned = _pinned.get()
    if pinned is not None and tag in pinned:
        return pinned[tag]
    try:
        version = get_cache().versions([_tag_key(tag)])[0]
        if pinned is not None:
            pinned[tag] = version
        return version
    except Exception:  # noqa: BLE001
        _log_failure("cache unavailable")
        return None


def _epoch(store) -> int:
    """The store's epoch, set now if it has none (an empty store)."""
    import secrets
    store.ensure_epoch(_EPOCH, secrets.randbits(62) or 1)
    return store.versions([_EPOCH])[0]


def _copy(value):
    return value.copy() if hasattr(value, "copy") else value


def memoize(tag: str, expire: int = 60, local: bool = False):
    """Cache a function's result for `expire` seconds or until `invalidate(tag)`. Bumping a tag's version
    makes every older key unreachable at once, whatever process wrote it.

    local=True also keeps the value in this process's memory under the same key (for small values read on
    every request: the communes, a user's communes): a hit then costs no exchange with the store and no
    unpickling. The key carries the tag's version, read from the store as for any call, so an invalidation
    by any process or host reaches the copy in memory as fast as the shared one; both expire alike."""

    def deco(fn):
        kept: dict = {}

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                cache = get_cache()
                pinned = _pinned.get()
                version = pinned.get(tag) if pinned is not None else None
                epoch = pinned.get(_EPOCH) if pinned is not None else None
                if version is None and local and epoch is None:
                    version, epoch = cache.versions([_tag_key(tag), _EPOCH])
                elif version is None:
                    [version] = cache.versions([_tag_key(tag)])
                    if pinned is not None:
                        pinned[tag] = version      # read once for the rest of the request
                key = (fn.__module__, fn.__qualname__, get_settings().database_url, version, args,
                       tuple(sorted(kwargs.items())))
                if local:
                    epoch = epoch or _epoch(cache)
                    mine = kept.get((epoch, key))
                    if mine is not None and mine[0] > time.monotonic():
                        return _copy(mine[1])
                hit = cache.get(key, default=_MISS)
            except Exception:  # noqa: BLE001 - a broken cache must not break a page
                _log_failure("cache unavailable")
                return fn(*args, **kwargs)
            if hit is _MISS:
                value = fn(*args, **kwargs)
                try:
                    cache.set(key, value, expire=expire)
                except Exception:  # noqa: BLE001
                    _log_failure("cache write failed")
            else:
                value = hit
            if local:
                if len(kept) >= LOCAL_MAX_ENTRIES:
                    kept.clear()
                kept[(epoch, key)] = (time.monotonic() + expire, value)
            return _copy(value) if hit is not _MISS or local else value
        wrapper.uncached = fn
        wrapper.kept_locally = kept
        def many(calls: list[tuple], compute):
            """fn's value for each tuple of positional arguments in `calls`, each read under the very key
            `wrapper(*args)` uses (one round trip for all), those missing computed together by
            `compute(missing calls) -> their values in order` (one set-based query instead of one per
            call) and kept under their own keys: a value is the same whichever way it was asked."""
            try:
                cache = get_cache()
                pinned = _pinned.get()
                version = pinned.get(tag) if pinned is not None else None
                if version is None:
                    [version] = cache.versions([_tag_key(tag)])
                    if pinned is not None:
                        pinned[tag] = version
                keys = [(fn.__module__, fn.__qualname__, get_settings().database_url, version, args, ())
                        for args in calls]
                hits = cache.get_many(keys, default=_MISS)
            except Exception:  # noqa: BLE001 - a broken cache must not break a page
                _log_failure("cache unavailable")
                return list(compute(list(calls)))
            missing = [i for i, hit in enumerate(hits) if hit is _MISS]
            values = [_copy(hit) for hit in hits]
            if missing:
                computed = list(compute([calls[i] for i in missing]))
                for i, value in zip(missing, computed):
                    values[i] = value
                try:
                    cache.set_many([(keys[i], value) for i, value in zip(missing, computed)], expire=expire)
                except Exception:  # noqa: BLE001
                    _log_failure("cache write failed")
            return values
        wrapper.many = many
        return wrapper
    return deco


class _Miss:
    pass


_MISS = _Miss()


def invalidate(*tags: str, answers: bool = True) -> bool:
    """Bump the tags' versions and the data version, in every process and host that shares this store.
    Never raises (a cache problem must not stop ingest or a command): False when the store did not answer,
    and then what it keeps ages out within its expiry (60 s for memoised queries, 30 s for answers).
    answers=False leaves the data version (hence every kept answer) alone: for tags no answer depends on
    except through its key (a session ended, a user's role changed: the key carries the role).
    The rest of the current request reads versions afresh (none pinned): it sees its own write."""
    _pinned.set(None)
    try:
        get_cache().bump([_tag_key(t) for t in tags] + ([_DATA_VERSION] if answers else []))
        return True
    except CacheUnavailable as err:
        log.warning("cache invalidation of %s failed: %s", ", ".join(tags), err)
        return False
    except Exception:  # noqa: BLE001
        log.exception("cache invalidation failed for %s", ", ".join(tags))
        return False


def data_version() -> int | None:
    """One number that changes whenever any tag is invalidated: a key over it outlives no write. None when
    the store does not answer (nothing is then read or kept under it). Pinned for the request when it was."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned[_DATA_VERSION]
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

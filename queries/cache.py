"""diskcache memoisation shared by every worker process, keyed by the database too (tests and
deployments switch databases), tagged by data kind so ingest can drop exactly what it changed."""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import diskcache

from core.settings import get_settings

log = logging.getLogger(__name__)
_caches: dict[Path, diskcache.Cache] = {}
_TAG_VERSIONS = "__tag_versions__"
_DATA_VERSION = "__data_version__"     # bumped by every invalidate(): the version of "everything stored"


def get_cache() -> diskcache.Cache:
    path = Path(get_settings().cache_dir)
    if path not in _caches:
        path.mkdir(parents=True, exist_ok=True)
        _caches[path] = diskcache.Cache(str(path), size_limit=512 * 2**20)
    return _caches[path]


def _version(cache: diskcache.Cache, tag: str) -> int:
    return int(cache.get(f"{_TAG_VERSIONS}:{tag}", 0))


def memoize(tag: str, expire: int = 60):
    """Cache a function's result for `expire` seconds or until `invalidate(tag)`. Bumping a tag's version
    makes every older key unreachable at once, whatever process wrote it."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                cache = get_cache()
                key = (fn.__module__, fn.__qualname__, get_settings().database_url, _version(cache, tag), args,
                       tuple(sorted(kwargs.items())))
                hit = cache.get(key, default=_MISS)
            except Exception:  # noqa: BLE001 - a broken cache must not break a page
                log.exception("cache unavailable")
                return fn(*args, **kwargs)
            if hit is not _MISS:
                return hit.copy() if hasattr(hit, "copy") else hit
            value = fn(*args, **kwargs)
            try:
                cache.set(key, value, expire=expire)
            except Exception:  # noqa: BLE001
                log.exception("cache write failed")
            return value
        wrapper.uncached = fn
        return wrapper
    return deco


class _Miss:
    pass


_MISS = _Miss()


def invalidate(*tags: str) -> None:
    cache = get_cache()
    for tag in tags:
        cache.incr(f"{_TAG_VERSIONS}:{tag}", default=0)
    cache.incr(_DATA_VERSION, default=0)


def data_version() -> int:
    """One number that changes whenever any tag is invalidated: a key over it outlives no write."""
    return int(get_cache().get(_DATA_VERSION, 0))


def response_key(parts: tuple) -> tuple:
    """The key of a serialised answer: its parts (the request as it matters) and the data version read
    now, before the answer is computed, so an answer computed while ingest wrote is kept under the older
    version and never served as the newer one."""
    return ("response", get_settings().database_url, data_version(), parts)


def get_response(key: tuple):
    """What `set_response` kept under the key, or None (also when the cache is unavailable: the caller
    then computes the answer)."""
    try:
        return get_cache().get(key, default=None)
    except Exception:  # noqa: BLE001 - a broken cache must not break a page
        log.exception("cache unavailable")
        return None


def set_response(key: tuple, value, expire: int) -> None:
    """Keep a serialised answer (bytes and the headers that describe them) for `expire` seconds or until the
    next invalidate(), whichever comes first: a hit then costs one read, not a figure built and encoded."""
    try:
        get_cache().set(key, value, expire=expire)
    except Exception:  # noqa: BLE001
        log.exception("cache write failed")


def clear() -> None:
    get_cache().clear()

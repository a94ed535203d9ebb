"""The listing cache in Redis: one entry per filter set, never stale after a write commits.

Entries live under exactly ``marketplace:list:{filters_hash}``. Redis is reached through
django-cacheops' client (``cacheops.redis.redis_client``, configured by
``CACHEOPS_REDIS``, socket timeouts included). cacheops' own ``cache.set`` cannot
compare-and-set and ``cached_as`` cannot name its keys, so the package does it itself,
with a **generation** counter (``marketplace:generation``) and no index of its keys:

- a request reads the entry and the generation together (one ``MGET``) before the
  database is queried; an entry is a HIT only if it was stored under the generation
  read, which it carries in its first line;
- a computed page is stored, tagged with the generation read, only if the generation
  is still that one (``STORE``, a small Lua script run atomically by Redis);
- invalidation is one ``INCR`` of the generation (in a script that first recreates a
  missing one): every entry of an older generation is
  a MISS from then on and expires by ``CACHE_TIMEOUT``. Nothing lists the keys, so
  there is nothing to grow and nothing to delete in one blocking script.

A page computed from a snapshot taken before a write committed was computed after its
generation was read; the write's invalidation runs after its commit and bumps the
generation, so the page is either refused when stored (after the bump) or a MISS when
read (stored before it: its tag is older than the generation). A generation that is
missing (a new, flushed or evicted Redis) is created from the clock, above any tag an
entry still living could carry. Redis errors never fail a request: the page is served from the
database, a warning is logged, and Redis is left alone for ``CACHE_BACKOFF`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from redis.exceptions import RedisError

from tutor_marketplace.conf import marketplace_settings

logger = logging.getLogger("tutor_marketplace")

KEY_PREFIX = "marketplace:list:"
GENERATION_KEY = "marketplace:generation"

# Store ARGV[2], tagged with the generation, only if the generation is still the one read
# (ARGV[1]; '' when there was none: then it is created from the clock, ARGV[4]).
_STORE = """
local current = redis.call('GET', KEYS[2])
if ARGV[1] == '' then
  if current then return 0 end
  current = ARGV[4]
  redis.call('SET', KEYS[2], current)
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], current .. ' ' .. ARGV[2], 'EX', ARGV[3])
return 1
"""

# A missing generation starts from the clock (ARGV[1], microseconds), never from 0: an
# entry stored under an evicted generation must not match a new one.
_INVALIDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('INCR', KEYS[1])
"""


def filters_hash(params: Mapping[str, Any]) -> str:
    """A digest equal for equal parameters in any order (values already normalised)."""
    canonical = json.dumps(
        {key: value for key, value in params.items() if value not in (None, "")},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def listing_key(params: Mapping[str, Any]) -> str:
    """``marketplace:list:{filters_hash}`` of the cleaned parameters.

    They come with their defaults filled in (``ordering``, ``page_size``), so an absent
    parameter and its default spelled out are one key, and a changed ``PAGE_SIZE`` is
    another key rather than a page of the old size.
    """
    return KEY_PREFIX + filters_hash(params)


def cacheable_query(params: Mapping[str, Any]) -> bool:
    """Whether the page of these cleaned parameters is cached at all.

    Not a free-text search (``q``: any text is another page, and the database answers it
    through an index), nor a page size outside ``CACHED_PAGE_SIZES``: what a client can
    vary freely must not multiply the pages in Redis.
    """
    sizes = {marketplace_settings.PAGE_SIZE, *marketplace_settings.CACHED_PAGE_SIZES}
    return not params.get("q") and params.get("page_size") in sizes


def _clock() -> int:
    return time.time_ns() // 1000


def _untagged(entry: bytes | None, generation: bytes | None) -> bytes | None:
    """The value of ``entry`` if it was stored under ``generation``, else ``None``."""
    if entry is None or generation is None:
        return None
    tag, separator, value = entry.partition(b" ")
    return value if separator and tag == generation else None


class ListingCache:
    def __init__(self) -> None:
        self._client: Any = None
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            from cacheops.redis import redis_client

            self._client = redis_client
        return self._client

    @client.setter
    def client(self, value: Any) -> None:
        """Point the cache at another Redis client (tests, a dedicated instance)."""
        self._client = value
        self._down_until = 0.0

    def _usable(self) -> bool:
        return marketplace_settings.CACHE_ENABLED and time.monotonic() >= self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + float(marketplace_settings.CACHE_BACKOFF)
        logger.warning(
            "marketplace cache unavailable; serving from the database",
            extra={
                "event": "marketplace_cache_error",
                "operation": operation,
                "error": repr(error),
            },
        )

    def fetch(self, key: str, compute: Callable[[], tuple[bytes, bool]]) -> tuple[bytes, bool]:
        """``(value, hit)``: the cached value, else ``compute()``'s, stored unless stale.

        ``compute() -> (value, cacheable)``: a value that is not cacheable is never stored.
        """
        if not self._usable():
            return compute()[0], False
        try:
            entry, generation = self.client.mget([key, GENERATION_KEY])
        except RedisError as error:
            self._failed("read", error)
            return compute()[0], False
        cached = _untagged(entry, generation)
        if cached is not None:
            return cached, True
        value, cacheable = compute()
        if not cacheable:
            return value, False
        try:
            self.client.eval(
                _STORE,
                2,
                key,
                GENERATION_KEY,
                generation or b"",
                value,
                int(marketplace_settings.CACHE_TIMEOUT),
                _clock(),
            )
        except RedisError as error:
            self._failed("store", error)
        return value, False

    def invalidate(self, *, reason: str = "") -> int | None:
        """Bump the generation (every entry becomes a MISS); the new one, ``None`` on error."""
        if not marketplace_settings.CACHE_ENABLED:
            return 0
        try:
            generation = self.client.eval(_INVALIDATE, 1, GENERATION_KEY, _clock())
        except RedisError as error:
            # Entries that survive expire within CACHE_TIMEOUT.
            self._failed("invalidate", error)
            return None
        logger.info(
            "marketplace listing cache invalidated",
            extra={
                "event": "marketplace_cache_invalidated",
                "reason": reason,
                "generation": generation,
            },
        )
        return int(generation)


listing_cache = ListingCache()

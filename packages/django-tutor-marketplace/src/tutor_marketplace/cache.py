"""The listing cache in Redis: one entry per filter set, never stale after a write commits.

Entries live under exactly ``marketplace:list:{filters_hash}``. Redis is reached through
django-cacheops' client (``cacheops.redis.redis_client``, configured by
``CACHEOPS_REDIS``, socket timeouts included). cacheops' own ``cache.set`` cannot
compare-and-set and ``cached_as`` cannot name its keys, so two small Lua scripts, run
atomically by Redis, do the work:

- a **generation** counter (``marketplace:generation``) is read together with the entry
  (one ``MGET``) before the database is queried;
- a computed page is stored only if the generation is still the one read (``STORE``);
- invalidation increments the generation and deletes every entry (``INVALIDATE``); the
  keys stored are kept in a set (``marketplace:keys``) so no ``SCAN`` is needed.

A page computed from a snapshot taken before a write committed was computed after its
generation was read; the write's invalidation runs after its commit and bumps the
generation, so the page is either deleted (stored before the bump) or refused (stored
after it). Redis errors never fail a request: the page is served from the database, a
warning is logged, and Redis is left alone for ``CACHE_BACKOFF`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from tutor_marketplace.conf import marketplace_settings

logger = logging.getLogger("tutor_marketplace")

KEY_PREFIX = "marketplace:list:"
GENERATION_KEY = "marketplace:generation"
INDEX_KEY = "marketplace:keys"

_STORE = """
local current = redis.call('GET', KEYS[2]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('SADD', KEYS[3], KEYS[1])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
"""

_INVALIDATE = """
redis.call('INCR', KEYS[1])
local keys = redis.call('SMEMBERS', KEYS[2])
for i = 1, #keys, 500 do
  redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call('DEL', KEYS[2])
return #keys
"""


def filters_hash(params: dict[str, Any]) -> str:
    """A digest equal for equal parameters in any order (values already normalised)."""
    canonical = json.dumps(
        {key: value for key, value in params.items() if value not in (None, "")},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def listing_key(params: dict[str, Any]) -> str:
    return KEY_PREFIX + filters_hash(params)


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

    def fetch(self, key: str, compute: Callable[[], bytes]) -> tuple[bytes, bool]:
        """``(value, hit)``: the cached value, else ``compute()`` stored unless stale."""
        if not self._usable():
            return compute(), False
        try:
            cached, generation = self.client.mget([key, GENERATION_KEY])
        except RedisError as error:
            self._failed("read", error)
            return compute(), False
        if cached is not None:
            return cached, True
        value = compute()
        try:
            self.client.eval(
                _STORE,
                3,
                key,
                GENERATION_KEY,
                INDEX_KEY,
                generation or b"0",
                value,
                int(marketplace_settings.CACHE_TIMEOUT),
            )
        except RedisError as error:
            self._failed("store", error)
        return value, False

    def invalidate(self, *, reason: str = "") -> int | None:
        """Bump the generation and drop every entry; ``None`` if Redis failed."""
        if not marketplace_settings.CACHE_ENABLED:
            return 0
        try:
            dropped = self.client.eval(_INVALIDATE, 2, GENERATION_KEY, INDEX_KEY)
        except RedisError as error:
            # Entries that survive expire within CACHE_TIMEOUT.
            self._failed("invalidate", error)
            return None
        logger.info(
            "marketplace listing cache invalidated",
            extra={"event": "marketplace_cache_invalidated", "reason": reason, "dropped": dropped},
        )
        return int(dropped)


listing_cache = ListingCache()

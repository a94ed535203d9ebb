"""DRF's throttles, counted in Redis atomically, in one round trip a request.

DRF's ``SimpleRateThrottle`` keeps each client's request times as one pickled list in
the cache: every request reads it, drops the times older than the period, appends its
own and writes it back. That is two Redis round trips (a sixth of a
``GET /api/auth/me/``), and two requests of one client at the same moment both read the
same list, so both pass where one should have been refused.

``AtomicRedisThrottle`` keeps the same sliding window in a Redis sorted set and runs
DRF's steps (drop the old times, count, refuse or record) in one Lua script: one round
trip, and no lost update. The rates, the keys' scopes and idents and the ``Retry-After``
it asks for are DRF's. On a cache that is not django-redis it is DRF's throttle. While
Redis fails it lets requests through, as the cache's ``IGNORE_EXCEPTIONS`` does for the
DRF throttle, and logs each failure at ERROR (without that option it raises).

The packages use it through their ``THROTTLE_BASE_CLASS`` settings; the accounts views
use ``AtomicScopedRateThrottle``.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

from redis import RedisError
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

# KEYS[1]: the client's sorted set; ARGV: now (s), period (s), limit, a unique member.
# Returns {1, count} when the request is recorded, {0, count, oldest time} when refused.
SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
local count = redis.call('ZCARD', key)
if count >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return {0, count, oldest[2] or ARGV[1]}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(period * 1000))
return {1, count + 1}
"""
# The sets live beside DRF's pickled lists, never under the same key.
KEY_PREFIX = "atomic:"

_members = itertools.count()


def _redis_client(cache: Any) -> Any | None:
    """The django-redis cache's writable redis-py client, or None for any other cache."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if callable(get_client) else None


class AtomicRedisThrottle(SimpleRateThrottle):
    """``SimpleRateThrottle`` in one Lua script on Redis; DRF's own elsewhere."""

    _scripts: dict[int, Any] = {}

    def allow_request(self, request: Any, view: Any) -> bool:
        client = _redis_client(self.cache)
        if client is None:
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(SLIDING_WINDOW)
        member = f"{self.now!r}:{os.getpid()}:{next(_members)}"
        try:
            answer = script(
                keys=[self.cache.make_key(KEY_PREFIX + self.key)],
                args=[repr(self.now), self.duration, self.num_requests, member],
            )
        except RedisError as error:
            if not getattr(self.cache, "_ignore_exceptions", False):
                raise
            logger.error(
                "throttle skipped: Redis failed",
                extra={"event": "throttle_redis_failed", "scope": self.scope, "error": repr(error)},
            )
            return True
        allowed, self._window_count = int(answer[0]), int(answer[1])
        self._window_oldest = float(answer[2]) if not allowed else self.now
        return bool(allowed)

    def wait(self) -> float | None:
        count = getattr(self, "_window_count", None)
        if count is None:  # DRF's own throttle ran
            return super().wait()
        # DRF's formula, from the window that refused the request.
        remaining = self.duration - (self.now - self._window_oldest) if count else self.duration
        available = self.num_requests - count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class AtomicUserRateThrottle(AtomicRedisThrottle, UserRateThrottle):
    """``UserRateThrottle``, atomic on Redis: the packages' ``THROTTLE_BASE_CLASS``."""


class AtomicScopedRateThrottle(ScopedRateThrottle, AtomicRedisThrottle):
    """``ScopedRateThrottle``, atomic on Redis (its ``allow_request`` picks the scope)."""

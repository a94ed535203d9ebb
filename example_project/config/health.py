"""``GET /healthz`` and ``GET /readyz``: what an orchestrator or a load balancer probes.

- ``/healthz``: the process serves requests. No I/O at all, so a database or Redis
  outage never makes it fail (a liveness probe that failed then would restart every
  pod for someone else's fault).
- ``/readyz``: PostgreSQL (``SELECT 1``) and every Redis of the project (the throttles'
  cache and the listing cache's client) answer now: ``200`` with each check ``"ok"``,
  else ``503`` naming the one that failed. A Redis that is not configured is not checked.

Both answer from this middleware, before any other that could refuse the request: a
probe reaches a pod by its address, which is not in ``ALLOWED_HOSTS``, over plain HTTP,
which ``SECURE_SSL_REDIRECT`` would redirect, and has no credentials. They are not
throttled and are outside ``/api/``, so the API's schema stays the product's. Put the
middleware after the access log and the metrics (probes are requests like any other)
and before ``SecurityMiddleware``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponseBase, JsonResponse

logger = logging.getLogger("config.health")

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
OK, UNAVAILABLE = "ok", "unavailable"


def check_database() -> str:
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("readiness: database", extra={"event": "readyz_failed", "error": str(error)})
        return UNAVAILABLE
    return OK


def _ping(client) -> str:
    import redis

    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        logger.warning("readiness: redis", extra={"event": "readyz_failed", "error": str(error)})
        return UNAVAILABLE
    return OK


def check_redis() -> dict[str, str]:
    """Each Redis the project talks to: the throttles' cache and the listing cache."""
    results: dict[str, str] = {}
    if caches["default"].__class__.__module__.startswith("django_redis"):
        from django_redis import get_redis_connection

        results["redis"] = _ping(get_redis_connection("default"))
    if getattr(settings, "TUTOR_MARKETPLACE", {}).get("CACHE_ENABLED"):
        from cacheops.redis import redis_client

        results["listing_cache"] = _ping(redis_client)
    return results


def readiness() -> tuple[int, dict[str, object]]:
    checks = {"database": check_database(), **check_redis()}
    ready = all(result == OK for result in checks.values())
    return (200 if ready else 503), {"status": OK if ready else UNAVAILABLE, "checks": checks}


def _answer(status: int, body: dict[str, object]) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = "5"
        response._has_been_logged = True  # type: ignore[attr-defined]  # logged above
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if path != LIVENESS_PATH and path != READINESS_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"status": "method_not_allowed"}, status=405)
            response["Allow"] = "GET, HEAD"
            return response
        if path == LIVENESS_PATH:
            return _answer(200, {"status": OK})
        return _answer(*readiness())

"""pytest-django setup of the example project: ``pytest --ds=config.settings``.

With ``DATABASE_URL``/``REDIS_URL`` set, the tests run against that PostgreSQL and
Redis, and the run stops at once, with a clear message, when either is unreachable.
"""

from __future__ import annotations

import os

import pytest

TEST_SECRET_KEY = "test-only-secret-key-not-for-production"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # pytest resets warning filters per test; settings silence this one for servers.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")

    # Settings leave SECRET_KEY empty when DEBUG is off and none is given; tests sign
    # sessions, so they get a throwaway key unless the environment provides one.
    if not os.environ.get("SECRET_KEY"):
        settings.SECRET_KEY = TEST_SECRET_KEY
    # Real password hashing costs ~0.3 s a call; tests check behaviour, not strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # With DEBUG off the settings redirect every plain-HTTP request to HTTPS; the test
    # client speaks plain HTTP. test_deploy_settings checks the production values.
    settings.SECURE_SSL_REDIRECT = False


def _postgres_unreachable_reason() -> str | None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        return None
    import psycopg

    try:
        # The maintenance database: the test database does not exist yet.
        psycopg.connect(
            dbname="postgres",
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            connect_timeout=3,
        ).close()
    except psycopg.Error as error:
        where = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
        return f"PostgreSQL from DATABASE_URL is unreachable at {where}: {error}".strip()
    return None


def _redis_unreachable_reason() -> str | None:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        return None
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis from REDIS_URL is unreachable at {redis_url}: {error}"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    for reason in (_postgres_unreachable_reason(), _redis_unreachable_reason()):
        if reason:
            pytest.exit(f"{reason}\nStart it, or unset the variable to test on SQLite/memory.", 3)


@pytest.fixture(autouse=True)
def _write_marketplace_metrics():
    # The marketplace buffers its metric rows for a background thread; writing them at
    # the end of each test keeps that thread from finding the test database gone.
    yield
    from tutor_marketplace.telemetry import metrics_buffer

    metrics_buffer.flush()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Throttle counters and cached values must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def tight_auth_throttles(monkeypatch):
    """Two requests a minute for each accounts endpoint."""
    from rest_framework.throttling import ScopedRateThrottle

    # DRF copies DEFAULT_THROTTLE_RATES onto the class at import; patch the copy.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"auth_register": "2/min", "auth_token": "2/min", "auth_me": "2/min"},
    )

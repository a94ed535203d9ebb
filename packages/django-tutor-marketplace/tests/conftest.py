"""Fixtures for the marketplace suite, and a fail-fast check that its services are reachable."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import PersonFactory, TutorProfileFactory
from tests.listing import x_cache
from tutor_marketplace.cache import listing_cache
from tutor_marketplace.telemetry import metrics_buffer

# Two shared cores: a property test's wall time says nothing about the code under test.
hypothesis_settings.register_profile("tutor_marketplace", deadline=None)
hypothesis_settings.load_profile("tutor_marketplace")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with the reason, when PostgreSQL or Redis cannot be reached."""
    import django

    django.setup()
    problems = []
    database = settings.DATABASES["default"]
    try:
        import psycopg

        psycopg.connect(
            host=database["HOST"],
            port=database["PORT"],
            user=database["USER"],
            password=database["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as error:
        problems.append(f"PostgreSQL at {database['HOST']}:{database['PORT']}: {error}")
    try:
        listing_cache.client.ping()
    except Exception as error:
        problems.append(f"Redis at {settings.REDIS_URL}: {error}")
    if problems:
        pytest.exit(
            "The marketplace tests need their services; set DATABASE_URL / REDIS_URL or "
            "start them:\n  " + "\n  ".join(problems),
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _clean_redis_and_buffer():
    """Each test starts with an empty Redis database (only the suite's own db) and buffer."""
    from cacheops.redis import redis_client

    redis_client.flushdb()
    listing_cache.client = redis_client
    metrics_buffer.clear()
    yield
    listing_cache.client = redis_client
    metrics_buffer.clear()


@pytest.fixture
def redis():
    from cacheops.redis import redis_client

    return redis_client


@pytest.fixture
def user(db):
    return PersonFactory(username="olena", first_name="Olena", last_name="Kovalenko")


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def api(client_for, user) -> APIClient:
    return client_for(user)


@pytest.fixture
def viewer(db):
    return PersonFactory(username="viewer")


@pytest.fixture
def browse(client_for, viewer) -> APIClient:
    return client_for(viewer)


# A published profile and the default listing cached, for the cache tests.
@pytest.fixture
def profile(db):
    return TutorProfileFactory(headline="Old headline", hourly_rate=Decimal("40"))


@pytest.fixture
def warm(browse, profile):
    """The default listing cached: the next request is a HIT unless something invalidated it."""
    assert x_cache(browse) == "MISS"
    assert x_cache(browse) == "HIT"
    return browse

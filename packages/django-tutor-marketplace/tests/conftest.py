"""Fixtures of the marketplace suite; the shared ones come from ``tutor_testing.pytest_plugin``.

That plugin also checks PostgreSQL and Redis at the start and flushes the suite's Redis
database (the Django cache's, which is the listing cache's) before each test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from tests.factories import PersonFactory, TutorProfileFactory
from tests.listing import x_cache
from tutor_marketplace.cache import listing_cache
from tutor_marketplace.telemetry import metrics_buffer

pytest_plugins = ["tutor_testing.pytest_plugin"]

# Two shared cores: a property test's wall time says nothing about the code under test.
hypothesis_settings.register_profile("tutor_marketplace", deadline=None)
hypothesis_settings.load_profile("tutor_marketplace")


@pytest.fixture(autouse=True)
def _clean_listing_client_and_buffer(_clear_cache):
    """Each test starts, after the shared Redis flush, with cacheops' client and an empty buffer."""
    from cacheops.redis import redis_client

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

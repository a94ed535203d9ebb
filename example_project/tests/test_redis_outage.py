"""With Redis down or silent the API keeps answering (SPEC §3.1), within bounded time.

The throttles' cache lets requests through while it cannot reach Redis, and the
marketplace listing falls back to the database.
"""

import socket
import time
from collections.abc import Iterator

import pytest
import redis as redis_py
from django.test import override_settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.settings import redis_cache
from tests.factories import UserFactory
from tutor_marketplace.cache import listing_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["refuses connections", "accepts but never answers"])
def unreachable_redis(request) -> Iterator[int]:
    """The port of a Redis that is down, or of one that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if request.param == "refuses connections":
        listener.close()
    else:
        listener.listen(64)
    yield port
    listener.close()


@pytest.fixture
def redis_gone(unreachable_redis) -> Iterator[None]:
    working_client = listing_cache.client
    listing_cache.client = redis_py.Redis(
        port=unreachable_redis,
        socket_timeout=0.25,
        socket_connect_timeout=0.25,
        retry=Retry(NoBackoff(), 0),
    )
    url = f"redis://127.0.0.1:{unreachable_redis}/0"
    with override_settings(
        CACHES={"default": redis_cache(url)},
        TUTOR_MARKETPLACE={"CACHE_ENABLED": True, "METRICS_DATABASE": False},
    ):
        yield
    listing_cache.client = working_client


def test_without_redis_the_listing_and_registration_still_answer(api_client, redis_gone, caplog):
    reader = UserFactory()
    api_client.force_authenticate(reader)
    started = time.monotonic()

    listing = api_client.get("/api/marketplace/tutors/")
    again = api_client.get("/api/marketplace/tutors/")
    registered = api_client.post(
        "/api/auth/register/",
        {"username": "newcomer", "password": "a-long-passphrase"},
        format="json",
    )

    # Bounded, not fast: a silent Redis costs each cache call its 0.25 s socket timeout.
    assert time.monotonic() - started < 10
    assert (listing.status_code, again.status_code) == (200, 200)
    assert listing["X-Cache"] == again["X-Cache"] == "MISS"
    assert registered.status_code == 201, registered.json()
    # The registration's throttle (config.throttling) let it through, and said so.
    failures = [r for r in caplog.records if getattr(r, "event", "") == "throttle_redis_failed"]
    assert failures
    assert failures[0].levelname == "ERROR"
    assert failures[0].scope == "auth_register"

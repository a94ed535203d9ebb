"""config.throttling: DRF's sliding-window throttles, counted atomically in Redis."""

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.core.cache import cache
from django.test import override_settings

from config.throttling import KEY_PREFIX, AtomicScopedRateThrottle, _redis_client
from tests.factories import TokenFactory, UserFactory

pytestmark = pytest.mark.django_db

ME_URL = "/api/auth/me/"
CALENDAR_URL = "/api/lessons/my/"
LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def redis_throttles():
    client = _redis_client(cache)
    if client is None:
        pytest.fail("these tests need the Redis cache: run them with REDIS_URL set")
    cache.clear()
    yield client
    cache.clear()


def test_a_user_at_the_limit_is_refused_with_drfs_retry_after(
    api_client, tight_auth_throttles, redis_throttles
):
    api_client.force_authenticate(UserFactory(username="kenji"))

    statuses = [api_client.get(ME_URL).status_code for _ in range(3)]
    refused = api_client.get(ME_URL)

    assert statuses == [200, 200, 429]
    # DRF's wait(): the period minus the age of the oldest request, over the one slot.
    assert 55 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["code"] == "throttled"


def test_the_window_is_kept_in_a_redis_sorted_set_that_expires(
    api_client, tight_auth_throttles, redis_throttles
):
    user = UserFactory(username="kenji")
    api_client.force_authenticate(user)

    api_client.get(ME_URL)

    key = cache.make_key(f"{KEY_PREFIX}throttle_auth_me_{user.pk}")
    assert redis_throttles.type(key) == b"zset"
    assert redis_throttles.zcard(key) == 1
    assert 0 < redis_throttles.pttl(key) <= 60_000


def test_the_packages_throttles_count_there_too(api_client, settings, redis_throttles):
    user = UserFactory(username="olena")
    api_client.force_authenticate(user)
    settings.TUTOR_LESSONS = {**settings.TUTOR_LESSONS, "READ_THROTTLE_RATE": "2/min"}
    start = datetime(2026, 3, 2, tzinfo=UTC)
    week = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}

    statuses = [api_client.get(CALENDAR_URL, week).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    key = cache.make_key(f"{KEY_PREFIX}throttle_tutor_lessons_read_{user.pk}")
    assert redis_throttles.zcard(key) == 2


def test_on_another_cache_it_is_drfs_own_throttle(api_client, tight_auth_throttles):
    api_client.force_authenticate(UserFactory(username="kenji"))

    with override_settings(CACHES=LOCAL_MEMORY):
        statuses = [api_client.get(ME_URL).status_code for _ in range(3)]
        refused = api_client.get(ME_URL)

    assert statuses == [200, 200, 429]
    assert 55 <= int(refused["Retry-After"]) <= 60


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_user_never_pass_the_limit(
    live_server, monkeypatch, redis_throttles
):
    limit, clients = 5, 24
    monkeypatch.setattr(AtomicScopedRateThrottle, "THROTTLE_RATES", {"auth_me": f"{limit}/min"})
    token = TokenFactory(user__username="racer")
    start = threading.Barrier(clients)
    statuses: list[int] = []

    def request() -> None:
        with httpx.Client(base_url=live_server.url, trust_env=False) as http:
            start.wait()
            answer = http.get(ME_URL, headers={"Authorization": f"Token {token.key}"})
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=request) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # DRF's read-modify-write of one pickled list lets concurrent requests all pass.
    assert sorted(statuses) == [200] * limit + [429] * (clients - limit)

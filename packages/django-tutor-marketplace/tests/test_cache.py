"""The listing cache on real Redis: key format, HIT/MISS, every trigger, races, outages."""

import logging
import re
import socket
import threading
import time
from decimal import Decimal

import pytest
import redis as redis_py
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.factories import PersonFactory, SlotFactory, SubjectFactory, TutorProfileFactory
from tests.listing import x_cache
from tests.routes import LISTING
from tests.testapp.hooks import relation_status_changed
from tutor_marketplace import services
from tutor_marketplace.api.views import TutorListView
from tutor_marketplace.cache import GENERATION_KEY, listing_cache, listing_key
from tutor_marketplace.models import TutorProfile, WeeklyAvailability

NO_RETRY = Retry(NoBackoff(), 0)
SETTINGS = {"METRICS_FLUSH_INTERVAL": None}


def test_miss_then_hit_with_identical_bodies(browse, profile):
    first, second = browse.get(LISTING), browse.get(LISTING)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.content == second.content
    assert second["Content-Type"] == "application/json"


def test_entry_is_stored_under_exactly_the_documented_key(browse, profile, redis):
    browse.get(LISTING, {"subject": "math", "page_size": 10})
    keys = [key.decode() for key in redis.keys("marketplace:list:*")]
    assert len(keys) == 1
    assert re.fullmatch(r"marketplace:list:[0-9a-f]{32}", keys[0])
    expected = listing_key(
        {
            "subject": "math",
            "page_size": 10,
            "ordering": "-created",
            "min_rate": None,
            "max_rate": None,
            "weekday": None,
            "q": None,
            "cursor": None,
        }
    )
    assert keys[0] == expected
    assert 0 < redis.ttl(keys[0]) <= 300


def test_equal_filters_in_any_order_share_one_entry(browse, profile, redis):
    browse.get(LISTING + "?subject=math&min_rate=10&page_size=10&ordering=-created")
    again = browse.get(LISTING + "?page_size=10&ordering=-created&min_rate=10.00&subject=%20MATH")
    assert again["X-Cache"] == "HIT"
    assert len(redis.keys("marketplace:list:*")) == 1


def test_cursor_and_page_size_are_part_of_the_key(browse, db, redis):
    for _ in range(12):
        TutorProfileFactory()
    cursor = browse.get(LISTING, {"page_size": 10}).json()["cursor"]
    assert x_cache(browse, {"page_size": 20}) == "MISS"
    assert x_cache(browse, {"page_size": 10, "cursor": cursor}) == "MISS"
    assert x_cache(browse, {"page_size": 10, "cursor": cursor}) == "HIT"
    assert len(redis.keys("marketplace:list:*")) == 3


def test_errors_are_not_cached(browse, db, redis):
    assert browse.get(LISTING, {"cursor": "forged"}).status_code == 400
    assert redis.keys("marketplace:list:*") == []


# --- invalidation triggers ----------------------------------------------------------


def test_patch_of_a_listed_field_invalidates(
    warm, profile, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(profile.user).patch(
            reverse("marketplace:profile"), {"headline": "New headline"}, format="json"
        )
    assert response.status_code == 200
    listing = warm.get(LISTING)
    assert listing["X-Cache"] == "MISS"
    assert listing.json()["results"][0]["headline"] == "New headline"


@pytest.mark.parametrize(
    "field_value",
    [
        ("headline", "x"),
        ("description", "y"),
        ("hourly_rate", Decimal("41")),
        ("currency", "USD"),
        ("is_published", False),
    ],
)
def test_every_listed_field_saved_invalidates(
    warm, profile, django_capture_on_commit_callbacks, field_value
):
    field, value = field_value
    setattr(profile, field, value)
    with django_capture_on_commit_callbacks(execute=True):
        profile.save()  # as the admin does
    assert x_cache(warm) == "MISS"


def test_a_save_touching_no_listed_field_invalidates_nothing(
    warm, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        TutorProfile.objects.get(pk=profile.pk).save()
        profile.save(update_fields=["modified"])
    assert callbacks == []
    assert x_cache(warm) == "HIT"


def test_changes_to_an_unpublished_profile_invalidate_nothing(
    warm, django_capture_on_commit_callbacks
):
    hidden = TutorProfileFactory(is_published=False)
    with django_capture_on_commit_callbacks(execute=True):
        hidden.headline = "still hidden"
        hidden.save()
        hidden.subjects.add(SubjectFactory(name="chemistry"))
    assert x_cache(warm) == "HIT"


def test_subjects_changed_through_the_m2m_invalidate(
    warm, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        profile.subjects.add(SubjectFactory(name="chemistry"))
    assert x_cache(warm) == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        profile.subjects.clear()
    assert x_cache(warm) == "MISS"


def test_availability_put_invalidates(
    warm, profile, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client_for(profile.user).put(
            reverse("marketplace:availability"),
            [{"weekday": 1, "start": "09:00", "end": "10:00"}],
            format="json",
        )
    assert 1 <= len([c for c in callbacks if "invalidate" in repr(c)]) <= 2, "not once per slot"
    assert x_cache(warm) == "MISS"
    assert x_cache(warm, {"weekday": 1}) == "MISS"
    assert x_cache(warm, {"weekday": 1}) == "HIT"


def test_a_slot_saved_or_deleted_directly_invalidates(
    warm, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        slot = SlotFactory(profile=profile)
    assert x_cache(warm) == "MISS"
    assert x_cache(warm) == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        slot.delete()
    assert x_cache(warm) == "MISS"


def test_queryset_update_of_a_listed_field_invalidates(
    warm, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        TutorProfile.objects.filter(pk=profile.pk).update(hourly_rate=Decimal("99"))
    assert x_cache(warm) == "MISS"


def test_queryset_update_of_an_unlisted_field_invalidates_nothing(
    warm, profile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        TutorProfile.objects.filter(pk=profile.pk).update(modified=profile.modified)
    assert callbacks == []
    assert x_cache(warm) == "HIT"


def test_bulk_update_and_slot_bulk_paths_invalidate(
    warm, profile, django_capture_on_commit_callbacks
):
    profile.headline = "bulk"
    with django_capture_on_commit_callbacks(execute=True):
        TutorProfile.objects.bulk_update([profile], ["headline"])
    assert x_cache(warm) == "MISS"
    assert x_cache(warm) == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        WeeklyAvailability.objects.bulk_create(
            [WeeklyAvailability(profile=profile, weekday=2, start="08:00", end="09:00")]
        )
    assert x_cache(warm) == "MISS"
    assert x_cache(warm) == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        WeeklyAvailability.objects.filter(profile=profile).update(weekday=3)
    assert x_cache(warm) == "MISS"


def test_a_deleted_profile_invalidates(warm, profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile.delete()
    assert warm.get(LISTING).json()["results"] == []


def test_relation_signal_invalidates_only_when_switched_on(
    warm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        relation_status_changed.send(sender=object)
    assert x_cache(warm) == "HIT", "off by default"
    hooked = {**SETTINGS, "INVALIDATE_ON_SIGNALS": ["tests.testapp.hooks.relation_status_changed"]}
    with override_settings(TUTOR_MARKETPLACE=hooked):
        with django_capture_on_commit_callbacks(execute=True):
            relation_status_changed.send(sender=object)
        assert x_cache(warm) == "MISS"
    with django_capture_on_commit_callbacks(execute=True):
        relation_status_changed.send(sender=object)
    assert x_cache(warm) == "HIT", "disconnected again with the setting"


# --- after commit, and the read/write race ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_invalidation_waits_for_the_commit(browse, redis):
    profile = TutorProfileFactory()
    browse.get(LISTING)
    generation = redis.get(GENERATION_KEY)
    with transaction.atomic():
        TutorProfile.objects.filter(pk=profile.pk).update(headline="uncommitted")
        assert redis.get(GENERATION_KEY) == generation, "still current before the commit"
    assert int(redis.get(GENERATION_KEY)) == int(generation) + 1
    assert x_cache(browse) == "MISS"


@pytest.mark.django_db(transaction=True)
def test_a_listing_computed_during_a_write_never_survives_its_commit(client_for, monkeypatch):
    """The reader reads the old rows, the write commits and invalidates, then the reader
    tries to store its (now stale) page: the generation check refuses it."""
    profile = TutorProfileFactory(headline="before")
    reader = client_for(PersonFactory(username="reader"))
    computed, resume = threading.Event(), threading.Event()
    original = TutorListView.compute

    def paused_compute(query):
        body = original(query)
        if threading.current_thread().name == "reader":
            computed.set()
            assert resume.wait(10)
        return body

    monkeypatch.setattr(TutorListView, "compute", staticmethod(paused_compute))
    answers = {}

    def read():
        try:
            answers["reader"] = reader.get(LISTING)
        finally:
            connection.close()

    thread = threading.Thread(target=read, name="reader")
    thread.start()
    assert computed.wait(10), "the reader computed its page from the old rows"
    services.profile_update(user=profile.user, data={"headline": "after"})  # commits
    resume.set()
    thread.join(10)
    assert answers["reader"].json()["results"][0]["headline"] == "before"
    fresh = reader.get(LISTING)
    assert fresh["X-Cache"] == "MISS"
    assert fresh.json()["results"][0]["headline"] == "after"


# --- Redis unreachable or hanging ---------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_down_serves_from_the_database_and_logs(browse, profile, caplog):
    listing_cache.client = redis_py.Redis(
        port=_closed_port(), socket_timeout=0.25, socket_connect_timeout=0.25, retry=NO_RETRY
    )
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="tutor_marketplace"):
        response = browse.get(LISTING)
        again = browse.get(LISTING)  # backing off: Redis not even tried
    assert time.monotonic() - started < 2
    assert response.status_code == again.status_code == 200
    assert response["X-Cache"] == again["X-Cache"] == "MISS"
    assert response.json()["results"][0]["user"] == profile.user_id
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "cache" in r.message]
    assert len(warnings) == 1


def test_redis_that_accepts_but_never_answers_costs_one_bounded_timeout(browse, profile, caplog):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        listing_cache.client = redis_py.Redis(
            port=silent.getsockname()[1],
            socket_timeout=0.25,
            socket_connect_timeout=0.25,
            retry=NO_RETRY,
        )
        started = time.monotonic()
        response = browse.get(LISTING)
        assert time.monotonic() - started < 2.5
        assert response.status_code == 200
    finally:
        silent.close()


def test_failed_invalidation_is_logged_and_does_not_fail_the_write(
    api, profile, caplog, django_capture_on_commit_callbacks
):
    listing_cache.client = redis_py.Redis(
        port=_closed_port(), socket_connect_timeout=0.25, retry=NO_RETRY
    )
    with (
        caplog.at_level(logging.WARNING, logger="tutor_marketplace"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.profile_update(user=profile.user, data={"headline": "z"})
    assert any(getattr(r, "operation", "") == "invalidate" for r in caplog.records)


def test_cache_can_be_switched_off(browse, profile, redis):
    with override_settings(TUTOR_MARKETPLACE={**SETTINGS, "CACHE_ENABLED": False}):
        assert x_cache(browse) == x_cache(browse) == "MISS"
    assert redis.keys("marketplace:list:*") == []

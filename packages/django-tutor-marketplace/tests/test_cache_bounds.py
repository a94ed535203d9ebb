"""A listing cache no one can flood: canonical keys, what is never cached, no key index."""

import pytest
from django.db import transaction

from tests.factories import SubjectFactory
from tests.listing import x_cache
from tests.routes import LISTING
from tutor_marketplace.cache import GENERATION_KEY, listing_cache
from tutor_marketplace.models import TutorProfile


def listing_keys(redis):
    return redis.keys("marketplace:list:*")


def test_rates_are_canonical_cents_so_every_spelling_shares_one_entry(browse, profile, redis):
    spellings = ["10", "10.0", "10.000", "1e1", "10.00", "0010"]
    answers = [x_cache(browse, {"min_rate": rate}) for rate in spellings]
    assert answers == ["MISS"] + ["HIT"] * (len(spellings) - 1)
    assert len(listing_keys(redis)) == 1


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        ("10.000001", "max_decimal_places"),
        ("10.001", "max_decimal_places"),
        ("1e-9", "max_decimal_places"),
        ("1e999999", "max_value"),
        ("1000000", "max_value"),
        ("-1", "min_value"),
        ("1" * 33, "invalid"),
        ("NaN", "invalid"),
    ],
)
def test_a_rate_finer_than_a_cent_or_out_of_range_is_a_400_and_caches_nothing(
    browse, profile, redis, rate, code
):
    response = browse.get(LISTING, {"max_rate": rate})
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("max_rate", code)]
    assert listing_keys(redis) == []


def test_a_text_search_is_answered_from_the_database_and_never_stored(browse, profile, redis):
    for _ in range(2):
        response = browse.get(LISTING, {"q": "old head"})
        assert response["X-Cache"] == "MISS"
        assert [t["user"] for t in response.json()["results"]] == [profile.user_id]
    assert listing_keys(redis) == []


def test_many_distinct_searches_and_page_sizes_leave_a_bounded_number_of_keys(
    browse, profile, redis
):
    for n in range(1, 41):
        assert browse.get(LISTING, {"q": f"probe {n}"}).status_code == 200
        assert browse.get(LISTING, {"page_size": n}).status_code == 200
        assert browse.get(LISTING, {"page_size": n, "q": "old"}).status_code == 200
    # Only the cached sizes among 1..40 (10, 20) made entries, and nothing indexes them.
    assert len(listing_keys(redis)) == 2
    assert sorted(redis.keys("marketplace:*")) == sorted(
        [*listing_keys(redis), GENERATION_KEY.encode()]
    )


def test_a_subject_no_one_has_is_not_cached(browse, profile, redis):
    for _ in range(2):
        response = browse.get(LISTING, {"subject": "no such subject"})
        assert (response["X-Cache"], response.json()["results"]) == ("MISS", [])
    assert listing_keys(redis) == []
    SubjectFactory(name="chemistry")  # exists, no tutor: an answer worth keeping
    assert x_cache(browse, {"subject": "chemistry"}) == "MISS"
    assert x_cache(browse, {"subject": "chemistry"}) == "HIT"


def test_invalidation_is_one_increment_and_no_entry_of_an_older_generation_is_served(
    warm, profile, redis, django_capture_on_commit_callbacks
):
    stored = listing_keys(redis)
    generation = int(redis.get(GENERATION_KEY))
    with django_capture_on_commit_callbacks(execute=True):
        TutorProfile.objects.filter(pk=profile.pk).update(headline="changed")
    assert int(redis.get(GENERATION_KEY)) == generation + 1
    assert listing_keys(redis) == stored, "left to expire, not deleted"
    assert redis.exists("marketplace:keys") == 0
    response = warm.get(LISTING)
    assert response["X-Cache"] == "MISS"
    assert response.json()["results"][0]["headline"] == "changed"
    assert x_cache(warm) == "HIT"


def test_a_lost_generation_never_revives_an_older_entry(warm, profile, redis):
    redis.delete(GENERATION_KEY)  # evicted, say, while the entries live on
    with transaction.atomic():
        TutorProfile.objects.filter(pk=profile.pk).update(headline="changed")
    listing_cache.invalidate(reason="test")
    assert int(redis.get(GENERATION_KEY)) > 1_000_000, "started from the clock, not from 0"
    assert warm.get(LISTING).json()["results"][0]["headline"] == "changed"

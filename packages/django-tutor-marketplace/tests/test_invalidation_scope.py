"""Only changes a listing can show invalidate it; deactivated tutors leave it."""

from django.test import override_settings
from django.urls import reverse

from tests.factories import PersonFactory, SlotFactory, TutorProfileFactory
from tests.listing import x_cache
from tests.routes import LISTING
from tutor_marketplace.cache import GENERATION_KEY
from tutor_marketplace.models import TutorProfile, WeeklyAvailability

SETTINGS = {"METRICS_FLUSH_INTERVAL": None}


def test_availability_put_of_an_unpublished_profile_leaves_the_cache_alone(
    warm, client_for, redis, django_capture_on_commit_callbacks
):
    hidden = TutorProfileFactory(is_published=False)
    SlotFactory(profile=hidden)
    generation = redis.get(GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hidden.user).put(
            reverse("marketplace:availability"),
            [{"weekday": 1, "start": "09:00", "end": "10:00"}],
            format="json",
        )
    assert response.status_code == 200
    assert redis.get(GENERATION_KEY) == generation
    assert x_cache(warm) == "HIT"


def test_bulk_writes_to_unpublished_profiles_invalidate_nothing(
    warm, redis, django_capture_on_commit_callbacks
):
    hidden = TutorProfileFactory(is_published=False)
    slot = SlotFactory(profile=hidden)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        WeeklyAvailability.objects.bulk_create(
            [WeeklyAvailability(profile=hidden, weekday=2, start="08:00", end="09:00")]
        )
        WeeklyAvailability.objects.filter(profile=hidden).update(weekday=3)
        slot.delete()
        WeeklyAvailability.objects.filter(profile=hidden).delete()
        TutorProfile.objects.filter(pk=hidden.pk).update(headline="still hidden")
        hidden.headline = "bulk, still hidden"
        TutorProfile.objects.bulk_update([hidden], ["headline"])
    assert callbacks == []
    assert x_cache(warm) == "HIT"
    with django_capture_on_commit_callbacks(execute=True):
        TutorProfile.objects.filter(pk=hidden.pk).update(is_published=True)
    assert x_cache(warm) == "MISS", "publishing shows a new tutor"


def test_deactivating_a_listed_tutor_removes_them_from_the_next_listing(
    warm, profile, django_capture_on_commit_callbacks
):
    user = profile.user
    user.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        user.save()
    assert warm.get(LISTING).json()["results"] == []
    user.is_active = True
    with django_capture_on_commit_callbacks(execute=True):
        user.save(update_fields=["is_active"])
    assert [t["user"] for t in warm.get(LISTING).json()["results"]] == [user.pk]


def test_a_listed_tutors_name_change_shows_at_once_and_other_user_saves_do_not_invalidate(
    warm, profile, django_capture_on_commit_callbacks
):
    user = profile.user
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user.save(update_fields=["last_login"])  # every sign-in
        PersonFactory(username="newcomer")  # a new user has no profile
        hidden = TutorProfileFactory(is_published=False).user
        hidden.first_name = "Hidden"
        hidden.save()
    assert callbacks == []
    assert x_cache(warm) == "HIT"
    user.first_name, user.last_name = "Renamed", "Tutor"
    with django_capture_on_commit_callbacks(execute=True):
        user.save(update_fields=["first_name", "last_name"])
    response = warm.get(LISTING)
    assert response["X-Cache"] == "MISS"
    assert response.json()["results"][0]["display_name"] == "Renamed Tutor"


def test_the_user_fields_that_invalidate_are_a_setting(
    warm, profile, django_capture_on_commit_callbacks
):
    user = profile.user
    user.display_name = "Dr Who"
    with override_settings(
        TUTOR_MARKETPLACE={**SETTINGS, "USER_LISTED_FIELDS": ["is_active", "display_name"]}
    ):
        with django_capture_on_commit_callbacks(execute=True):
            user.save(update_fields=["first_name"])
        assert x_cache(warm) == "HIT"
        with django_capture_on_commit_callbacks(execute=True):
            user.save(update_fields=["display_name"])
        assert x_cache(warm) == "MISS"

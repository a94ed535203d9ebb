"""Profiles and availability: the SPEC §3 representation, stable 400 codes, the hooks."""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import PersonFactory, TutorProfileFactory
from tests.routes import LISTING, PROFILE, SLOTS
from tutor_marketplace.models import Subject, TutorProfile

FULL = {
    "headline": "Maths for finals",
    "description": "Ten years.",
    "is_published": True,
    "settings": {"hourly_rate": "40", "currency": "uah", "subjects": [" Math ", "PHYSICS", "math"]},
}


def codes(response):
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def test_urls_resolve_at_both_prefixes_under_one_namespace():
    assert LISTING == "/api/marketplace/tutors/"
    assert PROFILE == "/api/me/profile/"
    assert reverse("marketplace:autosave-publish") == "/api/me/profile/autosave/publish/"


def test_get_before_the_first_patch_is_a_404(api):
    response = api.get(PROFILE)
    assert response.status_code == 404
    assert codes(response) == [(None, "profile_not_found")]


def test_first_patch_creates_the_profile_in_the_spec_shape(api, user):
    response = api.patch(PROFILE, FULL, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "headline": "Maths for finals",
        "description": "Ten years.",
        "is_published": True,
        "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math", "physics"]},
    }
    assert api.get(PROFILE).json() == response.json()
    assert TutorProfile.objects.get(user=user).hourly_rate == Decimal("40.00")


def test_subjects_are_normalised_and_created_once(api, client_for):
    api.patch(PROFILE, {"settings": {"subjects": ["  Linear   Algebra "]}}, format="json")
    client_for(PersonFactory()).patch(
        PROFILE, {"settings": {"subjects": ["LINEAR ALGEBRA"]}}, format="json"
    )
    assert list(Subject.objects.values_list("name", flat=True)) == ["linear algebra"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"settings": {"subjects": ["   "]}}, ("settings.subjects", "invalid_subject")),
        ({"settings": {"subjects": ["x" * 65]}}, ("settings.subjects", "invalid_subject")),
        (
            {"settings": {"subjects": [f"s{i}" for i in range(21)]}},
            ("settings.subjects", "too_many_subjects"),
        ),
        ({"settings": {"currency": "GBP"}}, ("settings.currency", "invalid_currency")),
        ({"settings": {"hourly_rate": "-1"}}, ("settings.hourly_rate", "min_value")),
        ({"headline": "h" * 121}, ("headline", "max_length")),
    ],
)
def test_invalid_profile_fields_have_stable_codes(api, body, expected):
    response = api.patch(PROFILE, body, format="json")
    assert response.status_code == 400
    assert codes(response) == [expected]


def test_publishing_an_incomplete_profile_is_a_409_that_writes_nothing(api, user):
    response = api.patch(PROFILE, {"headline": "Hi", "is_published": True}, format="json")
    assert response.status_code == 409
    assert codes(response) == [(None, "profile_incomplete")]
    assert not TutorProfile.objects.filter(user=user, is_published=True).exists()


def test_removing_the_last_subject_of_a_published_profile_is_refused(api):
    api.patch(PROFILE, FULL, format="json")
    response = api.patch(PROFILE, {"settings": {"subjects": []}}, format="json")
    assert response.status_code == 409


def test_anonymous_is_401(client):
    assert client.get(PROFILE).status_code in (401, 403)


# --- availability -------------------------------------------------------------------


def test_availability_needs_a_profile(api):
    response = api.put(SLOTS, [], format="json")
    assert response.status_code == 404
    assert codes(response) == [(None, "profile_not_found")]
    assert api.get(SLOTS).status_code == 404


def test_availability_is_replaced_whole_and_sorted(api):
    api.patch(PROFILE, FULL, format="json")
    week = [
        {"weekday": 2, "start": "14:00", "end": "18:00"},
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "12:00", "end": "13:00"},  # touching is fine
    ]
    response = api.put(SLOTS, week, format="json")
    assert response.status_code == 200, response.json()
    expected = sorted(week, key=lambda slot: (slot["weekday"], slot["start"]))
    assert response.json() == expected
    assert api.get(SLOTS).json() == expected
    assert api.put(SLOTS, [week[0]], format="json").json() == [week[0]]
    assert api.get(SLOTS).json() == [week[0]]


@pytest.mark.parametrize(
    ("week", "expected"),
    [
        ([{"weekday": 7, "start": "09:00", "end": "10:00"}], ("0.weekday", "invalid_weekday")),
        ([{"weekday": -1, "start": "09:00", "end": "10:00"}], ("0.weekday", "invalid_weekday")),
        ([{"weekday": "1", "start": "09:00", "end": "10:00"}], ("0.weekday", "invalid_weekday")),
        ([{"weekday": True, "start": "09:00", "end": "10:00"}], ("0.weekday", "invalid_weekday")),
        ([{"weekday": 1, "start": "9am", "end": "10:00"}], ("0.start", "invalid_time")),
        ([{"weekday": 1, "start": "09:00", "end": "24:00"}], ("0.end", "invalid_time")),
        ([{"weekday": 1, "start": 9, "end": "10:00"}], ("0.start", "invalid_time")),
        ([{"weekday": 1, "start": "10:00", "end": "09:00"}], ("0.end", "slot_reversed")),
        ([{"weekday": 1, "start": "10:00", "end": "10:00"}], ("0.end", "slot_reversed")),
        (
            [
                {"weekday": 1, "start": "09:00", "end": "11:00"},
                {"weekday": 1, "start": "10:30", "end": "12:00"},
            ],
            ("1.start", "slot_overlap"),
        ),
        (
            [
                {"weekday": 1, "start": "10:30", "end": "12:00"},
                {"weekday": 1, "start": "09:00", "end": "11:00"},
            ],
            ("1.start", "slot_overlap"),
        ),
        ([{"weekday": 1, "start": "09:00"}], ("0.end", "required")),
        ({"weekday": 1}, ("non_field_errors", "not_a_list")),
        # A slot that is not an object: its own error, at its index (was a 500 for null).
        ([None], ("0.non_field_errors", "null")),
        ([{"weekday": 1, "start": "09:00", "end": "10:00"}, 5], ("1.non_field_errors", "invalid")),
    ],
)
def test_invalid_slots_have_stable_codes(api, week, expected):
    api.patch(PROFILE, FULL, format="json")
    api.put(SLOTS, [{"weekday": 3, "start": "08:00", "end": "09:00"}], format="json")
    response = api.put(SLOTS, week, format="json")
    assert response.status_code == 400
    assert codes(response) == [expected]
    assert len(api.get(SLOTS).json()) == 1, "nothing written"


def test_null_settings_is_a_400_naming_settings(api):
    api.patch(PROFILE, FULL, format="json")
    response = api.patch(PROFILE, {"is_published": True, "settings": None}, format="json")
    assert response.status_code == 400
    assert codes(response) == [("settings", "null")]


def test_too_many_slots(api):
    api.patch(PROFILE, FULL, format="json")
    week = [
        {"weekday": i % 7, "start": f"{i // 7:02d}:00", "end": f"{i // 7:02d}:30"}
        for i in range(51)
    ]
    response = api.put(SLOTS, week, format="json")
    assert codes(response) == [("non_field_errors", "too_many_slots")]


def test_deeply_nested_body_is_a_400_parse_error(api):
    response = api.generic(
        "PUT", SLOTS, "[" * 100000 + "]" * 100000, content_type="application/json"
    )
    assert response.status_code == 400
    assert codes(response)[0][1] == "parse_error"


# --- display name hook --------------------------------------------------------------


def test_listing_shows_the_full_name_else_a_neutral_label_never_the_username(browse):
    TutorProfileFactory(user=PersonFactory(username="ann", first_name="Ann", last_name="Lee"))
    bob = PersonFactory(username="bob", first_name="", last_name="  ")
    TutorProfileFactory(user=bob)
    names = {tutor["display_name"] for tutor in browse.get(LISTING).json()["results"]}
    assert names == {"Ann Lee", f"User {bob.pk}"}


def test_the_old_default_hook_path_warns_and_no_longer_shows_the_username(browse):
    bob = PersonFactory(username="bob", first_name="", last_name="")
    TutorProfileFactory(user=bob)
    old = {
        "USER_DISPLAY_NAME": "tutor_marketplace.policies.full_name_or_username",
        "METRICS_FLUSH_INTERVAL": None,
    }
    with (
        override_settings(TUTOR_MARKETPLACE=old),
        pytest.warns(DeprecationWarning, match="full_name_or_label"),
    ):
        assert browse.get(LISTING).json()["results"][0]["display_name"] == f"User {bob.pk}"


def test_display_name_comes_from_the_settings_hook(browse):
    TutorProfileFactory(user=PersonFactory(username="cat", display_name="Dr Cat"))
    hook = {"USER_DISPLAY_NAME": "tests.testapp.hooks.display_name", "METRICS_FLUSH_INTERVAL": None}
    with override_settings(TUTOR_MARKETPLACE=hook):
        assert browse.get(LISTING).json()["results"][0]["display_name"] == "Dr Cat"

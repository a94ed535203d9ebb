"""Autosave: PUT, GET, diff, publish, discard; ETag / If-Match; limits (SPEC §4)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.routes import AUTOSAVE, DIFF, LISTING, PROFILE, PUBLISH
from tutor_marketplace.models import ProfileDraft, TutorProfile
from tutor_testing.throttles import assert_counted_on_the_base_class

SAVED = {
    "headline": "Maths",
    "description": "Ten years.",
    "is_published": True,
    "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math"]},
}


def codes(response):
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


@pytest.fixture
def saved(api):
    assert api.patch(PROFILE, SAVED, format="json").status_code == 200


def test_no_draft_diff_is_empty_and_get_is_404(api):
    assert api.get(DIFF).json() == {"dirty": []}
    response = api.get(AUTOSAVE)
    assert response.status_code == 404
    assert codes(response) == [(None, "draft_not_found")]


def test_put_answers_version_etag_and_dirty_paths(api, saved):
    draft = {**SAVED, "headline": "Physics", "settings": {**SAVED["settings"], "hourly_rate": "40"}}
    response = api.put(AUTOSAVE, draft, format="json")
    assert response.status_code == 200
    assert response.json() == {"version": 1, "dirty": ["headline"]}
    assert response["ETag"] == '"1"'
    assert api.get(DIFF).json() == {"dirty": ["headline"]}
    stored = api.get(AUTOSAVE)
    assert stored["ETag"] == '"1"'
    assert stored.json() == {"version": 1, "draft": draft}
    assert api.put(AUTOSAVE, draft, format="json")["ETag"] == '"2"'


def test_diff_without_a_profile_marks_every_key(api):
    api.put(AUTOSAVE, {"headline": "x", "settings": {"currency": "UAH"}}, format="json")
    assert api.get(DIFF).json() == {"dirty": ["headline", "settings"]}


def test_stale_if_match_is_412_and_keeps_the_newer_draft(api, client_for, user):
    api.put(AUTOSAVE, {"headline": "tab A"}, format="json")  # version 1
    other_tab = client_for(user)
    assert (
        other_tab.put(
            AUTOSAVE, {"headline": "tab B"}, format="json", HTTP_IF_MATCH='"1"'
        ).status_code
        == 200
    )
    stale = api.put(AUTOSAVE, {"headline": "tab A again"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert codes(stale) == [(None, "draft_version_mismatch")]
    assert ProfileDraft.objects.get(user=user).data == {"headline": "tab B"}
    assert (
        api.put(AUTOSAVE, {"headline": "ok"}, format="json", HTTP_IF_MATCH='"0", "2"').status_code
        == 200
    )
    assert (
        api.put(AUTOSAVE, {"headline": "star"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )
    assert (
        api.put(AUTOSAVE, {"headline": "weak"}, format="json", HTTP_IF_MATCH='W/"4"').status_code
        == 412
    )


def test_if_match_star_without_a_draft_is_412(api):
    assert api.put(AUTOSAVE, {"a": 1}, format="json", HTTP_IF_MATCH="*").status_code == 412


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ([1, 2], 400, "draft_not_object"),
        ("text", 400, "draft_not_object"),
        ({"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}, 400, "draft_too_deep"),
        ({"headline": "x" * 20000}, 413, "draft_too_large"),
    ],
)
def test_blob_limits(api, body, status, code):
    response = api.put(AUTOSAVE, body, format="json")
    assert response.status_code == status
    assert codes(response)[0][1] == code
    assert not ProfileDraft.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        # Found by schemathesis (nox -s fuzz): PostgreSQL's jsonb refused these, a 500.
        ('{"headline": "a\\u0000b"}', "draft_invalid_text"),
        ('{"settings": {"a\\u0000": 1}}', "draft_invalid_text"),
        ('{"subjects": ["\\ud800"]}', "draft_invalid_text"),
        ('{"\\udc00": true}', "draft_invalid_text"),
        # Also schemathesis': 1e400 (infinity) was a 500 from PostgreSQL, and a 30-digit
        # number (or 1e300) was stored but every GET of the draft was a 500 (orjson).
        ('{"a": 1e400}', "draft_invalid_number"),
        ('{"a": [-1e400]}', "draft_invalid_number"),
        ('{"a": 9223372036854775808}', "draft_invalid_number"),
        ('{"a": -10000000000000000000}', "draft_invalid_number"),
        # jsonb gives 1e300 back as a 301-digit whole number: every GET was a 500.
        ('{"a": {"b": 1.5e300}}', "draft_invalid_number"),
        ('{"a": 1e19}', "draft_invalid_number"),
    ],
)
def test_text_or_numbers_postgresql_cannot_store_or_show_are_a_400(api, body, code):
    response = api.put(AUTOSAVE, body, content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == [("non_field_errors", code)]
    assert not ProfileDraft.objects.exists()


def test_the_largest_numbers_are_stored_and_given_back(api):
    body = {"a": 2**63 - 1, "b": -(2**63 - 1), "c": 9.2e18, "d": 1e-300, "e": 0.5, "f": True}
    response = api.put(AUTOSAVE, body, format="json")
    assert response.status_code == 200, response.json()
    assert api.get(AUTOSAVE).json()["draft"] == body


def test_a_draft_with_a_surrogate_pair_is_stored(api):
    body = {"headline": "Maths \U0001f600", "settings": {"\u00e9": ["\u4e2d"]}}
    response = api.put(
        AUTOSAVE,
        '{"headline": "Maths \\ud83d\\ude00", "settings": {"\\u00e9": ["\\u4e2d"]}}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert api.get(AUTOSAVE).json()["draft"] == body


def test_publish_applies_the_draft_deletes_it_and_refreshes_the_listing(
    api, browse, saved, user, django_capture_on_commit_callbacks
):
    assert browse.get(LISTING)["X-Cache"] == "MISS"
    assert browse.get(LISTING)["X-Cache"] == "HIT"
    api.put(AUTOSAVE, {**SAVED, "headline": "Published draft"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(PUBLISH, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["headline"] == "Published draft"
    assert not ProfileDraft.objects.filter(user=user).exists()
    listing = browse.get(LISTING)
    assert listing["X-Cache"] == "MISS"
    assert listing.json()["results"][0]["headline"] == "Published draft"
    assert api.get(DIFF).json() == {"dirty": []}


def test_publish_validates_like_patch_and_writes_nothing(api, saved, user):
    bad = {**SAVED, "headline": "Half", "settings": {**SAVED["settings"], "currency": "XXX"}}
    api.put(AUTOSAVE, bad, format="json")
    response = api.post(PUBLISH)
    assert response.status_code == 400
    assert codes(response) == [("settings.currency", "invalid_currency")]
    assert TutorProfile.objects.get(user=user).headline == "Maths"
    assert ProfileDraft.objects.filter(user=user).exists()


def test_publish_of_an_incomplete_draft_is_409(api, user):
    api.put(AUTOSAVE, {"headline": "x", "is_published": True}, format="json")
    response = api.post(PUBLISH)
    assert response.status_code == 409
    assert not TutorProfile.objects.filter(user=user).exists()


def test_publish_without_a_draft_is_404_and_with_a_stale_tag_412(api):
    assert api.post(PUBLISH).status_code == 404
    api.put(AUTOSAVE, {"headline": "x"}, format="json")
    assert api.post(PUBLISH, HTTP_IF_MATCH='"7"').status_code == 412


def test_delete_discards_and_is_idempotent(api, user):
    api.put(AUTOSAVE, {"headline": "x"}, format="json")
    assert api.delete(AUTOSAVE, HTTP_IF_MATCH='"9"').status_code == 412
    assert api.delete(AUTOSAVE).status_code == 204
    assert api.delete(AUTOSAVE).status_code == 204
    assert not ProfileDraft.objects.filter(user=user).exists()


def test_a_draft_is_per_user(api, client_for, viewer):
    api.put(AUTOSAVE, {"headline": "mine"}, format="json")
    assert client_for(viewer).get(AUTOSAVE).status_code == 404


def test_throttled_requests_answer_429_with_retry_after(api):
    limits = {"AUTOSAVE_THROTTLE_RATE": "2/min", "METRICS_FLUSH_INTERVAL": None}
    with override_settings(TUTOR_MARKETPLACE=limits):
        statuses = [api.get(DIFF).status_code for _ in range(3)]
        response = api.get(DIFF)
    assert statuses == [200, 200, 429]
    assert int(response["Retry-After"]) > 0
    assert codes(response) == [(None, "throttled")]


@pytest.mark.django_db
def test_the_package_throttles_count_on_the_base_class_with_their_own_scope_and_rate(api):
    """THROTTLE_BASE_CLASS (built by core, tested there): this package's end of it."""
    url = reverse("marketplace:tutor-list")
    assert_counted_on_the_base_class(
        api,
        url,
        setting="TUTOR_MARKETPLACE",
        scope="tutor_marketplace_read",
        METRICS_FLUSH_INTERVAL=None,
    )

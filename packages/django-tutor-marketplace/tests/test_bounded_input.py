"""Bounded work per request (issue 15): lists capped before their items are validated,
item errors bounded, nesting checked without recursion, no 500 for a deep body.

Sizes are the point, not timings: a refused body answers a few small errors.
"""

import logging

import pytest
from django.test import override_settings

from tests.routes import AUTOSAVE, DIFF, PROFILE, PUBLISH, SLOTS
from tutor_marketplace.conf import DEFAULTS
from tutor_marketplace.models import ProfileDraft

MAX_ITEM_ERRORS = DEFAULTS["MAX_ITEM_ERRORS"]
# Far more than any bounded error body needs; the unbounded ones were megabytes.
SMALL = 8 * 1024

FULL = {
    "headline": "Maths for finals",
    "description": "Ten years.",
    "is_published": True,
    "settings": {"hourly_rate": "40", "currency": "UAH", "subjects": ["math"]},
}
INVALID_SLOT = {"weekday": 9, "start": "25:00", "end": "x"}


def codes(response):
    return [(error["attr"], error["code"]) for error in response.json()["errors"]]


def limits(**overrides):
    return override_settings(TUTOR_MARKETPLACE={"METRICS_FLUSH_INTERVAL": None, **overrides})


@pytest.fixture
def profile(api):
    assert api.patch(PROFILE, FULL, format="json").status_code == 200


# --- lists are capped before their items are validated ------------------------------


def test_ten_thousand_null_subjects_answer_one_too_many_subjects(api):
    response = api.patch(PROFILE, {"settings": {"subjects": [None] * 10_000}}, format="json")
    assert response.status_code == 400
    assert codes(response) == [("settings.subjects", "too_many_subjects")]
    assert len(response.content) < SMALL


def test_subjects_beyond_the_cap_are_refused_even_when_duplicates(api):
    # Counted as sent, before duplicates merge: the cap applies before any item is read.
    subjects = ["math"] * (DEFAULTS["MAX_SUBJECTS"] + 1)
    response = api.patch(PROFILE, {"settings": {"subjects": subjects}}, format="json")
    assert response.status_code == 400
    assert codes(response) == [("settings.subjects", "too_many_subjects")]


def test_ten_thousand_invalid_slots_answer_one_too_many_slots(api, profile):
    response = api.put(SLOTS, [INVALID_SLOT] * 10_000, format="json")
    assert response.status_code == 400
    assert codes(response) == [("non_field_errors", "too_many_slots")]
    assert len(response.content) < SMALL


def test_publishing_a_draft_with_a_long_subject_list_answers_one_error(api, profile):
    draft = {"settings": {"subjects": [None] * 2_000}}
    assert api.put(AUTOSAVE, draft, format="json").status_code == 200
    response = api.post(PUBLISH)
    assert response.status_code == 400
    assert codes(response) == [("settings.subjects", "too_many_subjects")]
    assert ProfileDraft.objects.exists(), "a refused draft is kept"


# --- item errors stop early ---------------------------------------------------------


def test_invalid_subjects_within_the_cap_report_at_most_max_item_errors(api):
    with limits(MAX_SUBJECTS=10_000):
        response = api.patch(PROFILE, {"settings": {"subjects": [None] * 10_000}}, format="json")
    assert response.status_code == 400
    found = codes(response)
    assert found == [(f"settings.subjects.{i}", "null") for i in range(MAX_ITEM_ERRORS)]
    assert len(response.content) < SMALL


def test_invalid_slots_within_the_cap_report_the_first_max_item_errors_items(api, profile):
    response = api.put(SLOTS, [INVALID_SLOT] * DEFAULTS["MAX_SLOTS"], format="json")
    assert response.status_code == 400
    found = codes(response)
    reported = {attr.split(".")[0] for attr, _code in found}
    assert reported == {str(i) for i in range(MAX_ITEM_ERRORS)}
    assert len(found) == 3 * MAX_ITEM_ERRORS  # weekday, start and end of each
    assert len(response.content) < SMALL


def test_ten_thousand_invalid_slots_within_a_raised_cap_stay_small(api, profile):
    with limits(MAX_SLOTS=10_000):
        response = api.put(SLOTS, [None] * 10_000, format="json")
    assert response.status_code == 400
    assert codes(response) == [(f"{i}.non_field_errors", "null") for i in range(MAX_ITEM_ERRORS)]
    assert len(response.content) < SMALL


def test_the_item_error_bound_is_a_setting(api):
    subjects = ["math", None, "art", None, None]
    with limits(MAX_ITEM_ERRORS=2):
        response = api.patch(PROFILE, {"settings": {"subjects": subjects}}, format="json")
    assert codes(response) == [("settings.subjects.1", "null"), ("settings.subjects.3", "null")]
    with limits(MAX_ITEM_ERRORS=0):  # taken as 1: a valid item never ends the list early
        response = api.patch(PROFILE, {"settings": {"subjects": subjects}}, format="json")
    assert codes(response) == [("settings.subjects.1", "null")]


# --- nesting is checked without recursion -------------------------------------------


def nested(levels: int, leaf: str = "1") -> str:
    return '{"x":' * levels + leaf + "}" * levels


@pytest.mark.parametrize("levels", [450, 1_200])
def test_a_deep_draft_is_a_400_without_an_error_log(api, caplog, levels):
    with caplog.at_level(logging.ERROR):
        response = api.generic("PUT", AUTOSAVE, nested(levels), content_type="application/json")
    assert response.status_code == 400
    # 1,200 levels parse on Python 3.12+; older versions refuse them while parsing.
    assert codes(response)[0][1] in {"draft_too_deep", "parse_error"}
    assert codes(response)[0][1] == "draft_too_deep" or levels > 1_000
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not ProfileDraft.objects.exists()


def test_a_deep_draft_allowed_by_the_settings_is_saved_and_diffed(api, profile):
    # A host may allow deep drafts: the depth check and the diff must not recurse.
    with limits(DRAFT_MAX_DEPTH=1_000, DRAFT_MAX_BYTES=100_000):
        body = '{"headline": "Maths for finals", "settings": ' + nested(450) + "}"
        response = api.generic("PUT", AUTOSAVE, body, content_type="application/json")
        assert response.status_code == 200, response.json()
        assert response.json()["dirty"] == [
            "description",
            "is_published",
            "settings.currency",
            "settings.hourly_rate",
            "settings.subjects",
            "settings.x",
        ]
        assert api.get(DIFF).json() == {"dirty": response.json()["dirty"]}

"""The OpenAPI description: valid, warning-free, and every operation with its examples."""

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test import override_settings

from tutor_lessons.errors import CODES
from tutor_testing.schema import (
    assert_documented,
    assert_every_429_has_retry_after,
    documented_codes,
    generate,
    registry_error_codes,
)

OPERATIONS = {
    ("/api/lessons/", "post"): {"201", "400", "403", "409", "429", "503"},
    ("/api/lessons/{id}/reschedule/", "patch"): {"200", "400", "404", "409", "429", "503"},
    ("/api/lessons/{id}/cancel/", "post"): {"200", "400", "404", "409", "429", "503"},
    ("/api/lessons/my/", "get"): {"200", "400", "429"},
}


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_documents_its_responses_with_examples(schema, path, method):
    refusals = ("401", "403", "404", "409")
    assert_documented(schema, path, method, OPERATIONS[(path, method)], refusals=refusals)


def test_the_calendar_documents_every_query_parameter(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/lessons/my/"]["get"]["parameters"]}
    assert parameters == {"from", "to", "start", "end", "status", "role"}


def test_the_lesson_carries_utc_and_local_times(schema):
    fields = set(schema["components"]["schemas"]["Lesson"]["properties"])
    assert {"utc_start", "utc_end", "user_local_start", "user_local_end", "timezone"} <= fields


def test_every_operation_documents_429_with_retry_after(schema):
    assert_every_429_has_retry_after(schema)


def test_every_write_documents_503_busy_with_retry_after(schema):
    writes = [(path, method) for path, method in OPERATIONS if method != "get"]
    for path, method in writes:
        busy = schema["paths"][path][method]["responses"]["503"]
        assert busy["headers"]["Retry-After"]["schema"] == {"type": "integer"}, (path, method)
        examples = busy["content"]["application/json"]["examples"].values()
        assert [example["value"] for example in examples] == [
            {
                "type": "server_error",
                "errors": [
                    {
                        "code": "booking_busy",
                        "detail": CODES["booking_busy"].example_detail(),
                        "attr": None,
                    }
                ],
            }
        ], (path, method)
    # The calendar takes no lock: its 429 alone carries a Retry-After.
    assert "503" not in schema["paths"]["/api/lessons/my/"]["get"]["responses"]


def test_every_error_example_shows_the_registry_detail(schema):
    seen = registry_error_codes(schema, CODES)
    assert {
        "not_found",
        "time_conflict",
        "duration_too_short",
        "range_too_long",
        "booking_busy",
    } <= seen


def test_a_reschedule_must_name_start_or_end(schema):
    body = schema["components"]["schemas"]["PatchedLessonRescheduleRequest"]
    assert body["minProperties"] == 1


def test_naive_and_offset_times_are_both_valid_in_the_schema(schema):
    start = schema["components"]["schemas"]["LessonCreateRequest"]["properties"]["start"]
    forms = {(form.get("format"), bool(form.get("pattern"))) for form in start["anyOf"]}
    assert forms == {("date-time", False), (None, True)}


def test_user_ids_have_the_type_of_the_user_models_key(schema):
    uuid_key = isinstance(get_user_model()._meta.pk, models.UUIDField)
    expected = {"type": "string", "format": "uuid"} if uuid_key else {"type": "integer"}
    request = schema["components"]["schemas"]["LessonCreateRequest"]["properties"]["student"]
    lesson = schema["components"]["schemas"]["Lesson"]["properties"]
    for field in (request, lesson["tutor"], lesson["student"], lesson["cancelled_by"]):
        assert {key: field[key] for key in expected} == expected


@pytest.mark.django_db
def test_limits_in_descriptions_follow_the_settings(tmp_path):
    limits = {"CALENDAR_MAX_EVENTS": 200, "CALENDAR_MAX_RANGE_DAYS": 92}
    with override_settings(TUTOR_LESSONS=limits):
        described = generate(tmp_path)
    calendar = described["paths"]["/api/lessons/my/"]["get"]
    assert "at most 200" in calendar["description"]
    assert "at most 92 local days" in calendar["description"]
    envelope = described["components"]["schemas"]["Calendar"]["properties"]
    assert "200" in envelope["has_more_events"]["description"]
    examples = calendar["responses"]["400"]["content"]["application/json"]["examples"]
    assert examples["RangeTooLong"]["value"]["errors"][0]["detail"] == (
        "The window may span at most 92 days."
    )


def test_a_status_with_a_nul_byte_is_a_documented_400(schema, tutor_client):
    # Found by schemathesis (nox -s fuzz): the code was not in the status list.
    response = tutor_client.get(
        "/api/lessons/my/", {"from": "2026-01-01", "to": "2026-01-31", "status": "a\x00b"}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("status", "null_characters_not_allowed")
    assert error["code"] in documented_codes(schema, "/api/lessons/my/", "get", "status")

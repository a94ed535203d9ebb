"""The OpenAPI description: valid, warning-free, and every operation with its examples."""

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.test import override_settings

from tutor_relations.errors import CODES
from tutor_testing.schema import (
    assert_documented,
    assert_every_429_has_retry_after,
    documented_codes,
    generate,
    operations,
    registry_error_codes,
)

TUTOR = "/api/tutor/relations"
OPERATIONS = {
    (f"{TUTOR}/students/", "get"): {"200", "400", "401", "429"},
    (f"{TUTOR}/recent-actions/", "get"): {"200", "400", "401", "429"},
    (f"{TUTOR}/batch/accept/", "post"): {"200", "400", "401", "422", "429"},
    (f"{TUTOR}/batch/archive/", "post"): {"200", "400", "401", "422", "429"},
    (f"{TUTOR}/{{id}}/accept/", "post"): {"200", "400", "401", "404", "409", "422", "429"},
    (f"{TUTOR}/{{id}}/archive/", "post"): {"200", "400", "401", "404", "409", "422", "429"},
    (f"{TUTOR}/{{id}}/timeline/", "get"): {"200", "401", "404", "429"},
    ("/api/student/relations/", "get"): {"200", "400", "401", "429"},
    ("/api/student/relations/", "post"): {"201", "400", "401", "409", "422", "429"},
}
#: Its only input is the id in the path (a non-number does not match the URL: a 404).
NOTHING_TO_VALIDATE = {(f"{TUTOR}/{{id}}/timeline/", "get")}


def test_the_schema_has_exactly_the_documented_operations(schema):
    assert {(path, method) for path, method, _ in operations(schema)} == set(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_documents_its_responses_with_examples(schema, path, method):
    assert_documented(
        schema,
        path,
        method,
        OPERATIONS[(path, method)],
        refusals=("401", "403", "404", "409", "422"),
        validation=(path, method) not in NOTHING_TO_VALIDATE,
    )


def test_every_operation_documents_429_with_retry_after(schema):
    assert_every_429_has_retry_after(schema)


def test_every_write_takes_an_idempotency_key(schema):
    for path, method, operation in operations(schema):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) is (method == "post"), (path, method)


def test_every_error_example_shows_the_registry_detail(schema):
    seen = registry_error_codes(schema, CODES)
    assert set(CODES) - seen <= {"parse_error", "throttled"}


def test_the_batch_documents_its_exact_response_shape(schema):
    components = schema["components"]["schemas"]
    assert set(components["BatchResult"]["properties"]) == {"processed", "failed"}
    failure = components["BatchFailure"]["properties"]
    assert set(failure) == {"id", "error"}
    assert set(components[failure["error"]["$ref"].split("/")[-1]]["enum"]) == {
        "already active",
        "already archived",
        "not found",
        "invalid transition",
    }
    ids = components["BatchRequestRequest"]["properties"]["ids"]
    assert ids["minItems"] == 1
    assert ids["items"]["minimum"] == 1


def test_the_page_envelope_is_exactly_results_cursor_has_more(schema):
    for name in ("TutorRelationPage", "StudentRelationPage", "RecentActionPage"):
        assert set(schema["components"]["schemas"][name]["properties"]) == {
            "results",
            "cursor",
            "has_more",
        }


def test_user_ids_have_the_type_of_the_user_models_key(schema):
    uuid_key = isinstance(get_user_model()._meta.pk, models.UUIDField)
    expected = {"type": "string", "format": "uuid"} if uuid_key else {"type": "integer"}
    components = schema["components"]["schemas"]
    for field in (
        components["RelationCreateRequest"]["properties"]["tutor"],
        components["Person"]["properties"]["id"],
    ):
        assert {key: field[key] for key in expected} == expected


@pytest.mark.django_db
def test_limits_in_descriptions_and_examples_follow_the_settings(tmp_path):
    with override_settings(TUTOR_RELATIONS={"MAX_BATCH_SIZE": 40, "MAX_PAGE_SIZE": 25}):
        described = generate(tmp_path)
    batch = described["paths"][f"{TUTOR}/batch/accept/"]["post"]
    assert "At most 40 ids" in batch["description"]
    examples = batch["responses"]["400"]["content"]["application/json"]["examples"]
    assert examples["TooManyIds"]["value"]["errors"][0]["detail"] == "Send at most 40 ids at once."
    students = described["paths"][f"{TUTOR}/students/"]["get"]
    assert "1 to 25" in students["description"]


@pytest.mark.parametrize(
    "path", [f"{TUTOR}/students/", f"{TUTOR}/recent-actions/", "/api/student/relations/"]
)
def test_a_cursor_with_a_nul_byte_is_a_documented_400(schema, tutor_client, path):
    # Found by schemathesis (nox -s fuzz): the code was not in the cursor's list.
    response = tutor_client.get(path, {"cursor": "a\x00b"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("cursor", "null_characters_not_allowed")
    assert error["code"] in documented_codes(schema, path, "get", "cursor")

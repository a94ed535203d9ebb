"""The OpenAPI description: valid, warning-free, and every operation with its examples."""

import pytest
import yaml
from django.core.management import call_command

OPERATIONS = {
    ("/api/lessons/", "post"): {"201", "400", "403", "409", "429"},
    ("/api/lessons/{id}/reschedule/", "patch"): {"200", "400", "404", "409", "429"},
    ("/api/lessons/{id}/cancel/", "post"): {"200", "400", "404", "409", "429"},
    ("/api/lessons/my/", "get"): {"200", "400"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_documents_its_responses(schema, path, method):
    responses = schema["paths"][path][method]["responses"]
    assert OPERATIONS[(path, method)] <= set(responses)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_has_success_validation_and_forbidden_examples(schema, path, method):
    responses = schema["paths"][path][method]["responses"]
    examples = {
        status: set(response["content"]["application/json"].get("examples", {}))
        for status, response in responses.items()
        if "content" in response
    }
    success = next(status for status in examples if status.startswith("2"))
    assert examples[success], "a success example"
    assert examples["400"], "a validation-error example"
    refusals = set().union(*(examples.get(s, set()) for s in ("401", "403", "404", "409")))
    assert refusals, "a forbidden-state example"
    assert sum(len(names) for names in examples.values()) >= 3


def test_the_calendar_documents_every_query_parameter(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/lessons/my/"]["get"]["parameters"]}
    assert parameters == {"from", "to", "start", "end", "status", "role"}


def test_the_lesson_carries_utc_and_local_times(schema):
    fields = set(schema["components"]["schemas"]["Lesson"]["properties"])
    assert {"utc_start", "utc_end", "user_local_start", "user_local_end", "timezone"} <= fields

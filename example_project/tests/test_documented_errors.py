"""Every 400 the composed API answers names a field and a code its schema documents.

The checks schemathesis makes (``response_schema_conformance``) on inputs it found:
codes missing from a field's list, and fields of list items that carry their real
index (``0.weekday``) where the schema showed the placeholder ``INDEX``.
"""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def documented(schema: dict, path: str, method: str) -> list[dict]:
    """The error components of the operation's 400 validation error."""
    response = schema["paths"][path][method]["responses"]["400"]
    body = _resolve(schema, response["content"]["application/json"]["schema"])
    validation = next(
        _resolve(schema, option) for option in body["oneOf"] if "ValidationError" in option["$ref"]
    )
    error = _resolve(schema, validation["properties"]["errors"]["items"])
    return [_resolve(schema, option)["properties"] for option in error["oneOf"]]


def is_documented(components: list[dict], attr: str, code: str) -> bool:
    for properties in components:
        attr_schema, code_schema = properties["attr"], properties["code"]
        attr_ok = (
            attr in attr_schema["enum"]
            if "enum" in attr_schema
            else re.fullmatch(attr_schema["pattern"].strip("^$"), attr) is not None
        )
        if attr_ok and code in code_schema["enum"]:
            return True
    return False


CASES = [
    ("get", "/api/tutor/relations/students/", {"page_size": 0}),
    ("get", "/api/tutor/relations/recent-actions/", {"page_size": "many"}),
    ("get", "/api/student/relations/", {"page_size": 1000}),
    ("get", "/api/marketplace/tutors/", {"min_rate": "null"}),
    ("get", "/api/marketplace/tutors/", {"max_rate": "-1"}),
    ("put", "/api/me/profile/availability/", [{"start": None, "end": None}]),
    ("patch", "/api/me/profile/", {"settings": {"currency": "0", "subjects": [{}]}}),
    # Floats for ids, huge numbers, NUL bytes.
    ("post", "/api/student/relations/", {"tutor": 1.5}),
    ("post", "/api/tutor/relations/batch/accept/", {"ids": [1.5, 10**30]}),
    ("post", "/api/lessons/", {"student": 1.5, "start": "x", "end": "y"}),
    ("get", "/api/marketplace/tutors/", {"min_rate": "1e400", "weekday": 10**20}),
    ("get", "/api/marketplace/tutors/", {"q": "a\x00b", "subject": "a\x00b"}),
    ("patch", "/api/me/profile/", {"headline": "a\x00b", "settings": {"hourly_rate": 10**40}}),
]


@pytest.mark.parametrize(("method", "path", "data"), CASES)
def test_every_400_names_a_documented_field_and_code(schema, method, path, data):
    client = APIClient()
    client.force_authenticate(UserFactory())
    if path == "/api/me/profile/availability/":
        client.patch("/api/me/profile/", {"headline": "Maths"}, format="json")
    if method == "get":
        response = client.get(path, data)
    else:
        response = getattr(client, method)(path, data, format="json")

    assert response.status_code == 400, response.json()
    components = documented(schema, path, method)
    for error in response.json()["errors"]:
        assert is_documented(components, error["attr"], error["code"]), error

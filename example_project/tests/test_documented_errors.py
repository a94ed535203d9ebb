"""Every 400 the composed API answers names a field and a code its schema documents.

The checks schemathesis makes (``response_schema_conformance``, ``nox -s fuzz``) on
inputs it found: codes missing from a field's list, fields of list items that carry
their real index (``0.weekday``) where the schema showed the placeholder ``INDEX``, and
odd values (empty, a NUL byte, too long) in every query parameter of every list.
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
    # nox -s fuzz: slot codes at the field they name, items that are not objects (a 500
    # for null), a null settings object, text PostgreSQL cannot store (a 500), publish.
    ("put", "/api/me/profile/availability/", [{"weekday": 9, "start": "9am", "end": "x"}]),
    ("put", "/api/me/profile/availability/", [{"weekday": 1, "start": "10:00", "end": "09:00"}]),
    ("put", "/api/me/profile/availability/", [None, 5]),
    ("patch", "/api/me/profile/", {"is_published": True, "settings": None}),
    ("put", "/api/me/profile/autosave/", {"headline": "a\x00b"}),
    ("put", "/api/me/profile/autosave/", {"settings": {"hourly_rate": 1.5e300}}),
    ("post", "/api/me/profile/autosave/publish/", {"headline": None, "settings": None}),
]


@pytest.mark.parametrize(("method", "path", "data"), CASES)
def test_every_400_names_a_documented_field_and_code(schema, method, path, data):
    client = APIClient()
    client.force_authenticate(UserFactory())
    if path == "/api/me/profile/availability/":
        client.patch("/api/me/profile/", {"headline": "Maths"}, format="json")
    if path == "/api/me/profile/autosave/publish/":
        client.put("/api/me/profile/autosave/", data, format="json")
        response = client.post(path)
    elif method == "get":
        response = client.get(path, data)
    else:
        response = getattr(client, method)(path, data, format="json")

    assert response.status_code == 400, response.json()
    components = documented(schema, path, method)
    for error in response.json()["errors"]:
        assert is_documented(components, error["attr"], error["code"]), error


def test_no_discriminator_maps_an_index_placeholder(schema):
    # A discriminator value must equal the attr a response carries ("0.weekday"); the
    # placeholder "INDEX.weekday" never does.
    for name, component in schema["components"]["schemas"].items():
        mapping = component.get("discriminator", {}).get("mapping", {})
        assert not any("INDEX" in value.split(".") for value in mapping), name


def _query_parameters(schema: dict) -> set[tuple[str, str]]:
    return {
        (path, parameter["name"])
        for path, methods in schema["paths"].items()
        if "get" in methods and "{" not in path
        for parameter in methods["get"].get("parameters", [])
        if parameter["in"] == "query"
    }


QUERY_PARAMETERS = [
    *(("/api/lessons/my/", name) for name in ("from", "to", "start", "end", "status", "role")),
    *(
        (path, name)
        for path in ("/api/tutor/relations/students/", "/api/student/relations/")
        for name in ("cursor", "page_size", "status")
    ),
    ("/api/tutor/relations/recent-actions/", "cursor"),
    ("/api/tutor/relations/recent-actions/", "page_size"),
    *(
        ("/api/marketplace/tutors/", name)
        for name in (
            "subject",
            "min_rate",
            "max_rate",
            "weekday",
            "q",
            "ordering",
            "page_size",
            "cursor",
        )
    ),
]
# Values a fuzzer sends to any text parameter; each is a 400 with a documented code (a
# NUL byte was a 400 "null_characters_not_allowed" that no list documented).
ODD_VALUES = ["", "\x00", "a\x00b", "x" * 300]


def test_every_query_parameter_is_checked(schema):
    listed = {
        parameter.values[:2] if hasattr(parameter, "values") else parameter
        for parameter in QUERY_PARAMETERS
    }
    assert listed == _query_parameters(schema)


@pytest.mark.parametrize(("path", "name"), QUERY_PARAMETERS)
def test_odd_query_values_answer_documented_codes(schema, path, name):
    client = APIClient()
    client.force_authenticate(UserFactory())
    components = documented(schema, path, "get")
    undocumented = []
    for value in ODD_VALUES:
        response = client.get(path, {name: value})
        assert response.status_code < 500, value
        if response.status_code == 400:
            undocumented += [
                (value[:5], error["attr"], error["code"])
                for error in response.json()["errors"]
                if not is_documented(components, error["attr"], error["code"])
            ]
    assert not undocumented


@pytest.mark.parametrize("path", ["/api/student/relations/", "/api/auth/me/"])
def test_too_many_query_fields_is_a_documented_400(schema, path):
    # nox -s fuzz: ?page_size=…&page_size=… past DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) is
    # config.errors' 400 bad_request, which no operation documented.
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get(f"{path}?" + "&".join(["page_size"] * 1001))
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "client_error"
    assert [error["code"] for error in body["errors"]] == ["bad_request"]
    responses = _resolve(
        schema,
        schema["paths"][path]["get"]["responses"]["400"]["content"]["application/json"]["schema"],
    )
    assert "#/components/schemas/ParseErrorResponse" in [o["$ref"] for o in responses["oneOf"]]
    assert "bad_request" in schema["components"]["schemas"]["ParseErrorCodeEnum"]["enum"]

"""Every example of the composed schema is valid against the schema it illustrates.

What Redocly's ``no-invalid-media-type-examples`` checks (``nox -s typescript`` runs
``redocly lint``), here for every request and response body, so that Swagger UI and Redoc
never show a body the API would not send or accept: a list endpoint's example nested in a
second list, or a PATCH example that its nested object's ``required`` refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from rest_framework.test import APIClient


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def bodies(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each documented body (``"PATCH /api/me/profile/ request"``) with its media object."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            for media in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{where} request", media
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    yield f"{where} {status}", media


def test_every_example_is_valid_against_its_schema(schema):
    checked, invalid = 0, []
    for where, media in bodies(schema):
        # The media's schema, with the document's components for its $refs.
        validator = OAS30Validator({**media["schema"], "components": schema["components"]})
        for name, example in media.get("examples", {}).items():
            checked += 1
            errors = [error.message for error in validator.iter_errors(example["value"])]
            if errors:
                invalid.append((where, name, errors[:2]))
    assert checked > 100, "the schema's examples were read"
    assert invalid == []


def test_a_list_body_example_is_the_list_itself(schema):
    """drf-spectacular lists an item example; ours are whole lists (core's AutoSchema)."""
    replace = schema["paths"]["/api/me/profile/availability/"]["put"]
    request = replace["requestBody"]["content"]["application/json"]["examples"]["AWeek"]
    response = replace["responses"]["200"]["content"]["application/json"]["examples"]
    for value in (request["value"], response["Replaced"]["value"]):
        assert [slot["weekday"] for slot in value] == [0, 2]


def test_a_patch_requires_no_field_of_its_nested_objects(schema):
    """DRF validates a PATCH's nested ``settings`` partially: the schema says so too."""
    patched = schema["components"]["schemas"]["PatchedProfileRequest"]
    settings_ref = patched["properties"]["settings"]["$ref"].rsplit("/", 1)[1]
    assert "required" not in schema["components"]["schemas"][settings_ref]

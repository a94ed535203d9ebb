"""OpenAPI post-processing for the example project's schema.

drf-standardized-errors names the field of an error in a list item with an ``INDEX``
placeholder (``settings.subjects.INDEX``, ``INDEX.weekday``) and documents it as an
``enum`` of that literal text, while responses carry the real index
(``settings.subjects.0``). This hook turns each such enum into a ``pattern`` that the
real values match, so clients and schema checkers (schemathesis) accept them. The
``discriminator`` of such an error's ``oneOf`` maps the placeholder texts, which no
response carries, so it is dropped there: ``oneOf`` alone tells the components apart.

``request_errors`` documents the project's own answer to a request Django refuses
before any view reads it (``config.errors``): more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``
query or form fields is a 400 ``client_error`` ``bad_request``, a body the API cannot
read, next to drf-standardized-errors' ``parse_error``.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = "INDEX"


def _pattern(attr: str) -> str:
    parts = [r"\d+" if part == PLACEHOLDER else re.escape(part) for part in attr.split(".")]
    return "^" + r"\.".join(parts) + "$"


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and PLACEHOLDER in value.split(".")


def indexed_error_attributes(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    for component in result.get("components", {}).get("schemas", {}).values():
        discriminator = component.get("discriminator", {})
        if discriminator.get("propertyName") == "attr" and any(
            _is_placeholder(value) for value in discriminator.get("mapping", {})
        ):
            component.pop("discriminator")
        attr = component.get("properties", {}).get("attr")
        values = attr.get("enum") if isinstance(attr, dict) else None
        if not values or not any(_is_placeholder(value) for value in values):
            continue
        patterns = [_pattern(value) for value in values if isinstance(value, str)]
        attr.pop("enum")
        attr["type"] = "string"
        attr["pattern"] = patterns[0] if len(patterns) == 1 else "|".join(patterns)
        attr["description"] = "The field, with `INDEX` as the item's position in its list."
    return result


#: The 400 codes of config.errors that any operation can answer, besides parse_error.
REQUEST_ERROR_CODES = {"bad_request": "The request is malformed (e.g. too many fields)"}


def request_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    enum = result.get("components", {}).get("schemas", {}).get("ParseErrorCodeEnum")
    if not enum or "enum" not in enum:
        return result
    for code, meaning in REQUEST_ERROR_CODES.items():
        if code not in enum["enum"]:
            enum["enum"].append(code)
            enum["description"] = f"{enum.get('description', '')}\n* `{code}` - {meaning}".strip()
    return result


#: config.errors' answer to a database that cannot serve now, on every operation.
SERVICE_UNAVAILABLE = {
    "code": "service_unavailable",
    "detail": "The service is temporarily unavailable; try again shortly.",
}


def service_unavailable(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document the 503 ``service_unavailable`` (with ``Retry-After``) on every operation.

    Any request that reads the database answers it while the database cannot serve
    (``config.outage``). An operation that documents a 503 of its own (the lessons
    writes' ``booking_busy``) keeps it, with this one's example beside its own and
    ``service_unavailable`` among the codes its schema allows.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode503Enum"] = {
        "enum": [SERVICE_UNAVAILABLE["code"]],
        "type": "string",
        "description": "* `service_unavailable` - the database cannot serve now; retry later",
    }
    schemas["Error503"] = {
        "type": "object",
        "properties": {
            "code": {"$ref": "#/components/schemas/ErrorCode503Enum"},
            "detail": {"type": "string"},
            "attr": {"type": "string", "nullable": True},
        },
        "required": ["attr", "code", "detail"],
    }
    schemas["ErrorResponse503"] = {
        "type": "object",
        "properties": {
            "type": {"$ref": "#/components/schemas/ServerErrorEnum"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error503"}},
        },
        "required": ["errors", "type"],
    }
    response = {
        "headers": {
            "Retry-After": {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next request can succeed.",
            }
        },
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorResponse503"},
                "examples": {
                    "ServiceUnavailable": {
                        "value": {
                            "type": "server_error",
                            "errors": [{**SERVICE_UNAVAILABLE, "attr": None}],
                        }
                    }
                },
            }
        },
        "description": "The database cannot serve now (restarting, unreachable, too slow).",
    }
    example = response["content"]["application/json"]["examples"]
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            own = operation["responses"].setdefault("503", response)
            if own is not response:
                content = own.setdefault("content", {}).setdefault("application/json", {})
                content.setdefault("examples", {}).update(example)
                _allow_code(schemas, content.get("schema", {}), SERVICE_UNAVAILABLE["code"])
    return result


def _component(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref", "")
    return schemas.get(reference.rsplit("/", 1)[-1], {}) if reference else schema


def _allow_code(schemas: dict[str, Any], body: dict[str, Any], code: str) -> None:
    """Add ``code`` to the ``errors[].code`` enum of an error body's schema, if it has one."""
    errors = _component(schemas, body).get("properties", {}).get("errors", {})
    item = _component(schemas, errors.get("items", {}))
    field = _component(schemas, item.get("properties", {}).get("code", {}))
    if "enum" in field and code not in field["enum"]:
        field["enum"].append(code)

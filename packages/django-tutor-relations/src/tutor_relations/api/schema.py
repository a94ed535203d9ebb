"""OpenAPI examples, parameters and extensions of the relations API (SPEC §6).

Error examples are built from the error registry (``tutor_relations.errors``) and shown
in the suite's one shape, drf-standardized-errors' ``{"type", "errors": [{"code",
"detail", "attr"}]}``. Limits quoted in descriptions follow ``TUTOR_RELATIONS``: they are
lazy strings that drf-spectacular renders when it builds the schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from tutor_core.api import schema as core
from tutor_core.api.schema import (
    NOT_SIGNED_IN,
    RETRY_AFTER,
    UserFieldExtension,
    client_error_response,
    drf_error_example,
)
from tutor_relations.errors import CODES, settings_parameters

__all__ = [
    "NOT_SIGNED_IN",
    "RETRY_AFTER",
    "UserFieldExtension",
    "client_error_response",
    "described",
    "drf_error_example",
    "error_example",
]


def described(template: str) -> str:
    """``described("at most {max_batch_size}")``: a text that quotes the current settings."""
    return core.described(template, settings_parameters)


def error_example(
    code: str, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, summary=summary, attr=attr, **params)


STUDENT = {"id": 12, "display_name": "Olena Kovalenko"}
TUTOR = {"id": 7, "display_name": "Taras Shevchuk"}
RELATION_FOR_TUTOR = {
    "id": 31,
    "student": STUDENT,
    "status": "pending",
    "created_at": "2026-07-01T09:30:00.123456Z",
    "updated_at": "2026-07-01T09:30:00.123456Z",
}
RELATION_FOR_STUDENT = {**RELATION_FOR_TUTOR, "tutor": TUTOR}
del RELATION_FOR_STUDENT["student"]
CURSOR = "eyJsIjoidHV0b3Itc3R1ZGVudHMiLC4uLn0:1uZ3aP:pX0...signature"
LOG_ENTRY = {
    "id": 108,
    "relation_id": 31,
    "prev_status": "pending",
    "new_status": "active",
    "actor_id": 7,
    "timestamp": "2026-07-02T08:15:00.000000Z",
    "metadata": {"source": "batch", "request_id": "723aa035fdc14aeaa74031b4665072fe"},
}
CREATION_ENTRY = {
    **LOG_ENTRY,
    "id": 97,
    "prev_status": "",
    "new_status": "pending",
    "actor_id": 12,
    "timestamp": "2026-07-01T09:30:00.123456Z",
    "metadata": {"source": "single", "request_id": "0f3c1d2e9a8b4c7d"},
}


TRANSITION_CONFLICT_RESPONSE = client_error_response(
    "RelationTransitionErrorResponse", ["already_active", "already_archived", "invalid_transition"]
)
RELATION_EXISTS_RESPONSE = client_error_response("RelationExistsErrorResponse", ["relation_exists"])
KEY_REUSED_RESPONSE = client_error_response(
    "IdempotencyKeyReusedErrorResponse", ["idempotency_key_reused"]
)


NOT_FOUND = error_example(
    "not_found",
    "Not your relation",
    summary="Another tutor's relation, or no such relation: 404 either way",
)
KEY_REUSED = error_example("idempotency_key_reused", "Key reused")
INVALID_CURSOR = error_example("invalid_cursor", "Tampered cursor")
FOREIGN_CURSOR = error_example("foreign_cursor", "Foreign cursor")
STALE_CURSOR = error_example("stale_cursor", "Stale cursor")
PAGE_SIZE_TOO_LARGE = drf_error_example(
    "Page size too large",
    status=400,
    code="max_value",
    detail=described("Ensure this value is less than or equal to {max_page_size}."),
    attr="page_size",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=described(
        "Optional. Any unique string (1 to 255 printable ASCII characters), e.g. a UUID. "
        "A retry with the same key and the same request returns the first response "
        "(with `Idempotent-Replayed: true`) and does nothing again; the same key with "
        "another request is a 422 `idempotency_key_reused`. Keys are per user and are "
        "remembered for {idempotency_ttl}."
    ),
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="`true` when this is the stored response of an earlier request with the "
    "same `Idempotency-Key`.",
)

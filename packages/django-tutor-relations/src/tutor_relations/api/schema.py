"""OpenAPI examples, parameters and extensions of the relations API (SPEC §6).

Error examples are built from the error registry (``tutor_relations.errors``) and shown
in the suite's one shape, drf-standardized-errors' ``{"type", "errors": [{"code",
"detail", "attr"}]}``. Limits quoted in descriptions follow ``TUTOR_RELATIONS``: they are
lazy strings that drf-spectacular renders when it builds the schema.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.functional import lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers

from tutor_relations.errors import CODES, settings_parameters


def _format_with_settings(template: str) -> str:
    return template.format(**settings_parameters())


#: ``described("at most {max_batch_size}")``: a text that quotes the current settings.
described = lazy(_format_with_settings, str)
_lazy_detail = lazy(lambda code, params: CODES[code].detail(**params), str)

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


def client_error_response(component_name: str, codes: list[str]) -> serializers.Serializer:
    """The error body of a non-validation 4xx, listing the codes it can carry."""
    error = inline_serializer(
        name=f"{component_name}Error",
        fields={
            "code": serializers.CharField(help_text="One of: " + ", ".join(codes)),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
        many=True,
    )
    return inline_serializer(
        name=component_name,
        fields={"type": serializers.CharField(help_text="`client_error`"), "errors": error},
    )


TRANSITION_CONFLICT_RESPONSE = client_error_response(
    "RelationTransitionErrorResponse", ["already_active", "already_archived", "invalid_transition"]
)
RELATION_EXISTS_RESPONSE = client_error_response("RelationExistsErrorResponse", ["relation_exists"])
KEY_REUSED_RESPONSE = client_error_response(
    "IdempotencyKeyReusedErrorResponse", ["idempotency_key_reused"]
)


def error_example(
    code: str, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    spec = CODES[code]
    error_type = "validation_error" if spec.status == 400 else "client_error"
    detail = _lazy_detail(code, {**spec.example, **params})
    error = {"code": code, "detail": detail, "attr": attr or spec.attr}
    return OpenApiExample(
        name,
        summary=summary or name,
        value={"type": error_type, "errors": [error]},
        response_only=True,
        status_codes=[str(spec.status)],
    )


def drf_error_example(
    name: str, *, status: int, code: str, detail: str, attr: str | None = None
) -> OpenApiExample:
    """An example of one of DRF's own errors (``required``, ``max_value``, ...)."""
    return OpenApiExample(
        name,
        value={
            "type": "validation_error" if status == 400 else "client_error",
            "errors": [{"code": code, "detail": detail, "attr": attr}],
        },
        response_only=True,
        status_codes=[str(status)],
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
NOT_SIGNED_IN = drf_error_example(
    "Not signed in",
    status=401,
    code="not_authenticated",
    detail="Authentication credentials were not provided.",
)

#: Every operation is throttled: a 429 says how long to wait. (drf-standardized-errors
#: adds the 429 body and its example to every throttled operation.)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the throttle lets the next request through.",
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


class UserFieldExtension(OpenApiSerializerFieldExtension):
    """A user id has the type of the host's user primary key: an integer, or a UUID."""

    target_class = "tutor_relations.api.serializers.UserField"
    match_subclasses = True  # TutorField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        key = get_user_model()._meta.pk
        if isinstance(key, models.IntegerField | models.AutoField):
            return build_basic_type(OpenApiTypes.INT)
        if isinstance(key, models.UUIDField):
            return build_basic_type(OpenApiTypes.UUID)
        return build_basic_type(OpenApiTypes.STR)

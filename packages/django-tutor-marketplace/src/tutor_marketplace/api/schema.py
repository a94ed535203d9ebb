"""OpenAPI examples and parameters of the marketplace API (SPEC §6).

Error examples are built from the error registry (``tutor_marketplace.errors``) and shown
in the suite's one shape, drf-standardized-errors' ``{"type", "errors": [...]}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers

from tutor_marketplace.errors import CODES

_lazy_detail = lazy(lambda code, params: CODES[code].detail(**params), str)

PROFILE_EXAMPLE = {
    "headline": "Maths and physics for school finals",
    "description": "Ten years of teaching; exam preparation.",
    "is_published": True,
    "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math", "physics"]},
}
SLOTS_EXAMPLE = [
    {"weekday": 0, "start": "09:00", "end": "12:00"},
    {"weekday": 2, "start": "14:00", "end": "18:00"},
]
TUTOR_EXAMPLE = {
    "user": 7,
    "display_name": "Olena Kovalenko",
    "headline": "Maths and physics for school finals",
    "hourly_rate": "40.00",
    "currency": "UAH",
    "subjects": ["math", "physics"],
}


def error_example(
    code: str, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    spec = CODES[code]
    error_type = "validation_error" if spec.status == 400 else "client_error"
    detail = _lazy_detail(code, {**spec.example, **params})
    error = {"code": code, "detail": detail, "attr": attr or spec.attr}
    if spec.status != 400:
        error["attr"] = None
    return OpenApiExample(
        name,
        summary=summary or name,
        value={"type": error_type, "errors": [error]},
        response_only=True,
        status_codes=[str(spec.status)],
    )


def drf_error_example(
    name: str, status: int, code: str, detail: str, attr: str | None = None
) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={
            "type": "validation_error" if status == 400 else "client_error",
            "errors": [{"code": code, "detail": detail, "attr": attr}],
        },
        response_only=True,
        status_codes=[str(status)],
    )


def success(name: str, value: Any, status: int = 200, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(
        name, value=value, response_only=True, status_codes=[str(status)], **kwargs
    )


def request(name: str, value: Any, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True, **kwargs)


NOT_SIGNED_IN = drf_error_example(
    "Not signed in", 401, "not_authenticated", "Authentication credentials were not provided."
)
NO_PROFILE = error_example("profile_not_found", "No profile yet")
NO_DRAFT = error_example("draft_not_found", "No draft")
STALE_DRAFT = error_example(
    "draft_version_mismatch", "Stale draft", summary="Another tab saved a newer draft"
)
INCOMPLETE = error_example("profile_incomplete", "Incomplete profile cannot be published")

#: Every operation is throttled: a 429 says how long to wait.
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the throttle lets the next request through.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The draft\'s `ETag` (e.g. `"3"`) or `*`: the request applies only if the '
    "stored draft still has that version, else 412 `draft_version_mismatch`.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='The draft\'s version, quoted (`"3"`); send it back as `If-Match`.',
)
X_CACHE = OpenApiParameter(
    "X-Cache",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["HIT", "MISS"],
    description="HIT: answered from the Redis listing cache; MISS: from the database.",
)


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


PROFILE_NOT_FOUND_RESPONSE = client_error_response("ProfileNotFoundResponse", ["profile_not_found"])
DRAFT_NOT_FOUND_RESPONSE = client_error_response("DraftNotFoundResponse", ["draft_not_found"])
INCOMPLETE_RESPONSE = client_error_response("ProfileIncompleteResponse", ["profile_incomplete"])
STALE_DRAFT_RESPONSE = client_error_response(
    "DraftVersionMismatchResponse", ["draft_version_mismatch"]
)
DRAFT_TOO_LARGE_RESPONSE = client_error_response("DraftTooLargeResponse", ["draft_too_large"])


class DraftBlobSerializerExtension(OpenApiSerializerExtension):
    """The draft is free-form: an object of any keys (size and depth are limited)."""

    target_class = "tutor_marketplace.api.serializers.DraftBlobSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": True,
            "description": "Any JSON object, normally the profile's shape.",
            "example": PROFILE_EXAMPLE,
        }

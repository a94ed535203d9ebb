"""OpenAPI examples and parameters of the marketplace API (SPEC §6).

Error examples are built from the error registry (``tutor_marketplace.errors``) and shown
in the suite's one shape, drf-standardized-errors' ``{"type", "errors": [...]}``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from tutor_core.api import schema as core
from tutor_core.api.schema import (
    NOT_SIGNED_IN,
    RETRY_AFTER,
    client_error_response,
    drf_error_example,
    request,
    success,
)
from tutor_marketplace.errors import CODES

__all__ = [
    "NOT_SIGNED_IN",
    "RETRY_AFTER",
    "client_error_response",
    "drf_error_example",
    "error_example",
    "request",
    "success",
]

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


def error_example(code: str, name: str, **kwargs: Any) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, **kwargs)


NO_PROFILE = error_example("profile_not_found", "No profile yet")
NO_DRAFT = error_example("draft_not_found", "No draft")
STALE_DRAFT = error_example(
    "draft_version_mismatch", "Stale draft", summary="Another tab saved a newer draft"
)
INCOMPLETE = error_example("profile_incomplete", "Incomplete profile cannot be published")

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

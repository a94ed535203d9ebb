"""OpenAPI examples, descriptions and extensions of the lessons API (SPEC §6).

Error examples are built from the error registry (``tutor_lessons.errors``) and shown in
the suite's one shape, drf-standardized-errors' ``{"type", "errors": [{"code", "detail",
"attr"}]}``. Limits quoted in descriptions follow ``TUTOR_LESSONS``: they are lazy strings
that drf-spectacular renders when it builds the schema.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.functional import lazy
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers

from tutor_lessons.errors import CODES, settings_parameters


def _format_with_settings(template: str) -> str:
    return template.format(**settings_parameters())


#: ``described("at most {calendar_max_events}")``: a text that quotes the current settings.
described = lazy(_format_with_settings, str)
_lazy_detail = lazy(lambda code, params: CODES[code].detail(**params), str)

LESSON_EXAMPLE = {
    "id": 42,
    "tutor": 7,
    "student": 12,
    "status": "scheduled",
    "utc_start": "2026-07-14T13:00:00Z",
    "utc_end": "2026-07-14T14:00:00Z",
    "user_local_start": "2026-07-14T16:00:00+03:00",
    "user_local_end": "2026-07-14T17:00:00+03:00",
    "timezone": "Europe/Kyiv",
    "series_id": None,
    "cancelled_by": None,
    "cancelled_at": None,
    "cancellation_reason": "",
    "created_at": "2026-07-01T09:30:00.123456Z",
    "updated_at": "2026-07-01T09:30:00.123456Z",
}


def _error_type(status: int) -> str:
    # drf-standardized-errors' types: by the status, as its formatter tells them apart.
    if status == 400:
        return "validation_error"
    return "client_error" if status < 500 else "server_error"


def client_error_response(
    component_name: str, codes: list[str], *, error_type: str = "client_error"
) -> serializers.Serializer:
    """The error body of a non-validation 4xx (or a 5xx), listing the codes it can carry."""
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
        fields={"type": serializers.CharField(help_text=f"`{error_type}`"), "errors": error},
    )


CONFLICT_RESPONSE = client_error_response(
    "LessonConflictErrorResponse", ["time_conflict", "lesson_expired", "lesson_not_scheduled"]
)
SCHEDULING_FORBIDDEN_RESPONSE = client_error_response(
    "SchedulingForbiddenErrorResponse", ["scheduling_not_allowed", "permission_denied"]
)
BUSY_RESPONSE = client_error_response(
    "LessonBusyErrorResponse",
    ["booking_busy"],
    error_type=_error_type(CODES["booking_busy"].status),
)


def error_example(
    code: str, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    spec = CODES[code]
    error_type = _error_type(spec.status)
    detail = _lazy_detail(code, {**spec.example, **params})
    error = {"code": code, "detail": detail, "attr": attr or spec.attr}
    return OpenApiExample(
        name,
        summary=summary or name,
        value={"type": error_type, "errors": [error]},
        response_only=True,
        status_codes=[str(spec.status)],
    )


NOT_FOUND = error_example(
    "not_found",
    "Not a participant",
    summary="Someone else's lesson, or no such lesson: 404 either way",
)
TIME_CONFLICT = error_example("time_conflict", "Time conflict")
EXPIRED = error_example("lesson_expired", "Lesson expired")
NOT_SCHEDULED = error_example("lesson_not_scheduled", "Lesson not scheduled")
TOO_SHORT = error_example("duration_too_short", "Too short")
DST_GAP = error_example("nonexistent_local_time", "Time skipped by DST")
BUSY = error_example(
    "booking_busy",
    "Busy",
    summary="Another change to the same people's schedule held a lock past LOCK_TIMEOUT",
)
NOT_SIGNED_IN = OpenApiExample(
    "Not signed in",
    value={
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    },
    response_only=True,
    status_codes=["401"],
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
#: A write that waited ``LOCK_TIMEOUT`` for another one's lock answers 503 ``booking_busy``.
BUSY_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[CODES["booking_busy"].status],
    description=f"Seconds to wait before trying again ({CODES['booking_busy'].retry_after}).",
)


def user_key_is_integer() -> bool:
    """Whether the host user model's primary key is an integer (else a UUID or text)."""
    # AutoField and BigAutoField are IntegerField subclasses.
    return isinstance(get_user_model()._meta.pk, models.IntegerField)


class UserFieldExtension(OpenApiSerializerFieldExtension):
    """A user id has the type of the host's user primary key: an integer, or a UUID."""

    target_class = "tutor_lessons.api.serializers.UserField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        key = get_user_model()._meta.pk
        if user_key_is_integer():
            return build_basic_type(OpenApiTypes.INT)
        if isinstance(key, models.UUIDField):
            return build_basic_type(OpenApiTypes.UUID)
        return build_basic_type(OpenApiTypes.STR)


class RescheduleSerializerExtension(OpenApiSerializerExtension):
    """A reschedule names ``start``, ``end`` or both, never neither (``{}`` is a 400)."""

    target_class = "tutor_lessons.api.serializers.LessonRescheduleSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["minProperties"] = 1
        return schema

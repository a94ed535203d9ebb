"""OpenAPI examples and error responses for the lessons API (SPEC §6).

Errors are shown in the suite's one shape, drf-standardized-errors'
``{"type": ..., "errors": [{"code", "detail", "attr"}]}``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, inline_serializer
from rest_framework import serializers

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


CONFLICT_RESPONSE = client_error_response(
    "LessonConflictErrorResponse", ["time_conflict", "lesson_expired", "lesson_not_scheduled"]
)
SCHEDULING_FORBIDDEN_RESPONSE = client_error_response(
    "SchedulingForbiddenErrorResponse", ["scheduling_not_allowed", "permission_denied"]
)


def error_example(
    name: str,
    *,
    status: int,
    code: str,
    detail: str,
    attr: str | None = None,
    summary: str = "",
) -> OpenApiExample:
    error_type = "validation_error" if status == 400 else "client_error"
    return OpenApiExample(
        name,
        summary=summary or name,
        value={"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]},
        response_only=True,
        status_codes=[str(status)],
    )


NOT_FOUND = error_example(
    "Not a participant",
    status=404,
    code="not_found",
    detail="No Lesson matches the given query.",
    summary="Someone else's lesson, or no such lesson: 404 either way",
)
TIME_CONFLICT = error_example(
    "Time conflict",
    status=409,
    code="time_conflict",
    detail="The tutor or the student already has a lesson at that time.",
)
EXPIRED = error_example(
    "Lesson expired",
    status=409,
    code="lesson_expired",
    detail="The lesson has already started and can no longer be changed.",
)
NOT_SCHEDULED = error_example(
    "Lesson not scheduled",
    status=409,
    code="lesson_not_scheduled",
    detail="Only a scheduled lesson can be changed; this one is not.",
)
THROTTLED = error_example(
    "Throttled",
    status=429,
    code="throttled",
    detail="Request was throttled. Expected available in 12 seconds.",
    summary="Too many writes: wait for the Retry-After header's seconds",
)
TOO_SHORT = error_example(
    "Too short",
    status=400,
    code="duration_too_short",
    detail="A lesson lasts at least 15 minutes.",
    attr="end",
)
DST_GAP = error_example(
    "Time skipped by DST",
    status=400,
    code="nonexistent_local_time",
    detail="2026-03-29T03:30:00 does not exist in Europe/Kyiv (the clocks skip it at a DST "
    "change); send an offset or pick another time.",
    attr="start",
)

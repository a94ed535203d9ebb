"""OpenAPI examples, descriptions and extensions of the lessons API (SPEC §6).

Built on ``tutor_core.api.schema``: error examples come from the error registry
(``tutor_lessons.errors``) in the suite's one shape, drf-standardized-errors' ``{"type",
"errors": [{"code", "detail", "attr"}]}``. Limits quoted in descriptions follow
``TUTOR_LESSONS``: they are lazy strings that drf-spectacular renders when it builds the
schema. The package's ``AutoSchema`` (core's) adds 401, 429 and ``Retry-After`` to every
operation.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from tutor_core.api import schema as core
from tutor_core.api.schema import NOT_SIGNED_IN, RETRY_AFTER, client_error_response
from tutor_lessons.errors import CODES, settings_parameters

__all__ = ["NOT_SIGNED_IN", "RETRY_AFTER", "client_error_response"]


def described(template: str) -> str:
    """``described("at most {calendar_max_events}")``: a text that quotes the current settings."""
    return core.described(template, settings_parameters)


def error_example(code: str, name: str, **kwargs: Any) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, **kwargs)


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


CONFLICT_RESPONSE = client_error_response(
    "LessonConflictErrorResponse", ["time_conflict", "lesson_expired", "lesson_not_scheduled"]
)
SCHEDULING_FORBIDDEN_RESPONSE = client_error_response(
    "SchedulingForbiddenErrorResponse", ["scheduling_not_allowed", "permission_denied"]
)
BUSY_RESPONSE = client_error_response(
    "LessonBusyErrorResponse",
    ["booking_busy"],
    error_type=core.error_type(CODES["booking_busy"].status),
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
#: A write that waited ``LOCK_TIMEOUT`` for another one's lock answers 503 ``booking_busy``.
BUSY_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[CODES["booking_busy"].status],
    description=f"Seconds to wait before trying again ({CODES['booking_busy'].retry_after}).",
)


class RescheduleSerializerExtension(OpenApiSerializerExtension):
    """A reschedule names ``start``, ``end`` or both, never neither (``{}`` is a 400)."""

    target_class = "tutor_lessons.api.serializers.LessonRescheduleSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["minProperties"] = 1
        return schema

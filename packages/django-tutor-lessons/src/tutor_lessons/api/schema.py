"""OpenAPI examples, descriptions and extensions of the lessons API (SPEC §6).

Built on ``tutor_core.api.schema``: error examples come from the error registry
(``tutor_lessons.errors``) in the suite's one shape, drf-standardized-errors' ``{"type",
"errors": [{"code", "detail", "attr"}]}``. Limits quoted in descriptions follow
``TUTOR_LESSONS``: they are lazy strings that drf-spectacular renders when it builds the
schema. The package's ``AutoSchema`` (core's) adds 401, 429 and ``Retry-After`` to every
operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.views import APIView

from tutor_core.api import schema as core
from tutor_core.api.schema import client_error_response, drf_error_example, request, success
from tutor_lessons.api.serializers import (
    CalendarQuerySerializer,
    CalendarSerializer,
    LessonCancelSerializer,
    LessonCreateSerializer,
    LessonRescheduleSerializer,
    LessonSerializer,
)
from tutor_lessons.errors import CODES, settings_parameters

View = TypeVar("View", bound=type[APIView])


def described(template: str) -> str:
    """``described("at most {calendar_max_events}")``: a text that quotes the current settings."""
    return core.described(template, settings_parameters)


def error_example(code: str, name: str, **kwargs: Any) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, **kwargs)


def operation(method: str, validation: dict[str, list[str]], **spec: Any) -> Callable[[View], View]:
    """A view's one operation: core's ``view_schema`` for ``method`` alone.

    ``spec`` is drf-spectacular's ``extend_schema`` for ``method``; ``validation`` names,
    by field, the codes its 400 can carry beyond the ones drf-standardized-errors finds
    in the serializer itself (what the services and the fields raise).
    """
    # Last first, as the stack of decorators this replaced did: the 400's list of error
    # components keeps the order it had.
    fields = dict(reversed(validation.items()))
    return core.view_schema(validation={method: fields}, **{method: extend_schema(**spec)})


LESSON_EXAMPLE = {
    "id": 42,
    "tutor": 7,
    "tutor_display_name": "Taras Shevchuk",
    "student": 12,
    "student_display_name": "Olena Kovalenko",
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

_CONFLICT_CODES = ["time_conflict", "lesson_expired", "lesson_not_scheduled"]
#: core's client error body, plus the members a ``time_conflict`` adds to its error item.
CONFLICT_RESPONSE = inline_serializer(
    name="LessonConflictErrorResponse",
    fields={
        "type": serializers.CharField(help_text="`client_error`"),
        "errors": inline_serializer(
            name="LessonConflictErrorResponseError",
            fields={
                "code": serializers.CharField(help_text="One of: " + ", ".join(_CONFLICT_CODES)),
                "detail": serializers.CharField(
                    help_text="For `time_conflict`, who is busy, said from your side "
                    '("You already have a lesson at that time.", "The student already has '
                    'a lesson at that time.", …).'
                ),
                "attr": serializers.CharField(allow_null=True),
                "busy": serializers.ListField(
                    child=serializers.ChoiceField(choices=["tutor", "student"]),
                    required=False,
                    help_text="`time_conflict` only: who of the lesson asked for already has "
                    "a scheduled lesson then: `tutor`, `student`, or both.",
                ),
                "lesson_id": serializers.IntegerField(
                    required=False,
                    allow_null=True,
                    help_text="`time_conflict` only: the clashing lesson when you take part "
                    "in it (the first by start), else `null`: another person's lessons are "
                    "not shown.",
                ),
            },
            many=True,
        ),
    },
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


def time_conflict_example(
    name: str, *, summary: str, busy: list[str], lesson_id: int | None
) -> OpenApiExample:
    """A 409 ``time_conflict``: the registry's error item with who is busy beside it."""
    example = error_example("time_conflict", name, summary=summary)
    example.value["errors"][0].update(busy=busy, lesson_id=lesson_id)
    return example


TIME_CONFLICT = time_conflict_example(
    "Time conflict",
    summary="The student has a lesson with another tutor then: busy, but not yours to see",
    busy=["student"],
    lesson_id=None,
)
OWN_TIME_CONFLICT = time_conflict_example(
    "Time conflict with your own lesson",
    summary="You have a lesson then: its id is given",
    busy=["tutor"],
    lesson_id=41,
)
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


# The validation codes beyond DRF's own, by the field they name: declared once here.
_LOCAL_TIME_ERRORS = ["overflow", "nonexistent_local_time", "ambiguous_local_time"]
_BOUND_ERRORS = ["invalid", "unencoded_offset", *_LOCAL_TIME_ERRORS]
_START_ERRORS = ["start_in_past", "start_too_far_ahead", *_LOCAL_TIME_ERRORS]
_END_ERRORS = ["end_before_start", "duration_too_short", "duration_too_long", *_LOCAL_TIME_ERRORS]
CREATE_ERRORS = {"end": _END_ERRORS, "start": _START_ERRORS, "student": ["same_participant"]}
RESCHEDULE_ERRORS = {"end": _END_ERRORS, "non_field_errors": ["empty"], "start": _START_ERRORS}
CALENDAR_ERRORS = {
    "from": ["required", *_BOUND_ERRORS],
    "to": ["required", "invalid_range", "range_too_long", *_BOUND_ERRORS],
    "start": ["conflict", *_BOUND_ERRORS],
    "end": ["conflict", *_BOUND_ERRORS],
    # status is a CharField (a comma-separated list): DRF refuses a NUL byte in it first.
    "status": ["invalid_choice", "null_characters_not_allowed"],
    "role": ["invalid_choice"],
}

lessons_create = operation(
    "post",
    CREATE_ERRORS,
    operation_id="lessons_create",
    parameters=[BUSY_RETRY_AFTER],
    summary="Schedule a lesson",
    description="You are the tutor. Naive times are read in your time zone. Neither "
    "participant may have an overlapping scheduled lesson (409 `time_conflict`: its `busy` "
    "says who, its `lesson_id` the clashing lesson when it is yours); the host's scheduling "
    "policy may refuse the student (403 `scheduling_not_allowed`).",
    request=LessonCreateSerializer,
    responses={
        201: LessonSerializer,
        403: SCHEDULING_FORBIDDEN_RESPONSE,
        409: CONFLICT_RESPONSE,
        503: BUSY_RESPONSE,
    },
    examples=[
        request(
            "Create with an offset",
            {
                "student": 12,
                "start": "2026-07-14T16:00:00+03:00",
                "end": "2026-07-14T17:00:00+03:00",
            },
        ),
        request(
            "Create in your own zone",
            {"student": 12, "start": "2026-07-14T16:00", "end": "2026-07-14T17:00"},
            summary="A naive time is read in your time zone",
        ),
        success("Scheduled", LESSON_EXAMPLE, 201),
        error_example("start_in_past", "Start in the past"),
        DST_GAP,
        error_example("scheduling_not_allowed", "Scheduling not allowed"),
        TIME_CONFLICT,
        OWN_TIME_CONFLICT,
        BUSY,
    ],
)

lessons_reschedule = operation(
    "patch",
    RESCHEDULE_ERRORS,
    operation_id="lessons_reschedule",
    parameters=[BUSY_RETRY_AFTER],
    summary="Move or resize a lesson (calendar drag-and-drop)",
    description="Either participant may change a scheduled lesson that has not "
    "started. Send `start` alone to move the lesson and keep its length (a drag), "
    "`end` alone to change its length (a resize), or both. A lesson that is not "
    "scheduled is a 409 `lesson_not_scheduled`, one that has started a 409 "
    "`lesson_expired`; someone else's lesson is a 404. A participant busy at the new time "
    "is a 409 `time_conflict` (`busy`, `lesson_id`: as for a new lesson).",
    request=LessonRescheduleSerializer,
    responses={200: LessonSerializer, 409: CONFLICT_RESPONSE, 503: BUSY_RESPONSE},
    examples=[
        request(
            "Move by an hour",
            {"start": "2026-07-14T17:00:00+03:00", "end": "2026-07-14T18:00:00+03:00"},
        ),
        request("Drag, keeping the length", {"start": "2026-07-14T17:00:00+03:00"}),
        request("Resize", {"end": "2026-07-14T17:30:00+03:00"}),
        success(
            "Rescheduled",
            {
                **LESSON_EXAMPLE,
                "utc_start": "2026-07-14T14:00:00Z",
                "utc_end": "2026-07-14T15:00:00Z",
                "user_local_start": "2026-07-14T17:00:00+03:00",
                "user_local_end": "2026-07-14T18:00:00+03:00",
            },
        ),
        TOO_SHORT,
        EXPIRED,
        NOT_SCHEDULED,
        TIME_CONFLICT,
        OWN_TIME_CONFLICT,
        NOT_FOUND,
        BUSY,
    ],
)

lessons_cancel = operation(
    "post",
    {},
    operation_id="lessons_cancel",
    parameters=[BUSY_RETRY_AFTER],
    summary="Cancel a lesson",
    description="Either participant may cancel a scheduled lesson that has not started; "
    "who cancelled and why are kept on the lesson.",
    request=LessonCancelSerializer,
    responses={200: LessonSerializer, 409: CONFLICT_RESPONSE, 503: BUSY_RESPONSE},
    examples=[
        request("With a reason", {"reason": "Feeling ill"}),
        success(
            "Cancelled",
            {
                **LESSON_EXAMPLE,
                "status": "cancelled",
                "cancelled_by": 12,
                "cancelled_at": "2026-07-10T08:00:00Z",
                "cancellation_reason": "Feeling ill",
            },
        ),
        drf_error_example(
            "Reason too long",
            400,
            "max_length",
            "Ensure this field has no more than 500 characters.",
            attr="reason",
        ),
        NOT_SCHEDULED,
        EXPIRED,
        NOT_FOUND,
        BUSY,
    ],
)

lessons_calendar = operation(
    "get",
    CALENDAR_ERRORS,
    operation_id="lessons_calendar",
    summary="Your calendar",
    description=described(
        "Lessons where you are the tutor or the student that overlap the window, ordered "
        "by start, at most {calendar_max_events} (then `has_more_events` is true). `from` "
        "and `to` are required (or their aliases `start`/`end`); a date-only bound is that "
        "whole local day in your zone. The window may span at most "
        "{calendar_max_range_days} local days. In a URL built by hand, a `+` in a UTC "
        "offset must be sent as `%2B` (a bare `+` in a query string is a space: 400 "
        "`unencoded_offset`); Swagger UI, `URLSearchParams` and `encodeURIComponent` encode "
        "it for you."
    ),
    parameters=[CalendarQuerySerializer],
    responses={200: CalendarSerializer},
    examples=[
        success(
            "A week",
            {"results": [LESSON_EXAMPLE], "has_more_events": False, "timezone": "Europe/Kyiv"},
        ),
        error_example("invalid_range", "Reversed range"),
        error_example("range_too_long", "Range too long"),
    ],
)


class RescheduleSerializerExtension(OpenApiSerializerExtension):
    """A reschedule names ``start``, ``end`` or both, never neither (``{}`` is a 400)."""

    target_class = "tutor_lessons.api.serializers.LessonRescheduleSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["minProperties"] = 1
        return schema

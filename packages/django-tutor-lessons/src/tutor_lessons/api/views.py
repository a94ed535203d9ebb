"""Thin views: parse with a serializer, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tutor_core.api.views import TutorAPIView
from tutor_lessons import selectors, services
from tutor_lessons.api import schema
from tutor_lessons.api.errors import not_found
from tutor_lessons.api.serializers import (
    CalendarQuerySerializer,
    CalendarSerializer,
    LessonCancelSerializer,
    LessonCreateSerializer,
    LessonRescheduleSerializer,
    LessonSerializer,
    lesson_representation,
)
from tutor_lessons.api.throttling import LessonReadThrottle, LessonWriteThrottle
from tutor_lessons.conf import lessons_settings
from tutor_lessons.models import Lesson
from tutor_lessons.timezones import user_zone

# Validation codes the services and fields raise beyond DRF's own, for the schema.
_LOCAL_TIME_ERRORS = ["overflow", "nonexistent_local_time", "ambiguous_local_time"]
_START_ERRORS = ["start_in_past", "start_too_far_ahead", *_LOCAL_TIME_ERRORS]
_END_ERRORS = ["end_before_start", "duration_too_short", "duration_too_long", *_LOCAL_TIME_ERRORS]
_BOUND_ERRORS = ["invalid", *_LOCAL_TIME_ERRORS]


class LessonsAPIView(TutorAPIView):
    """The base of every lessons view: core's (authenticated, throttled, domain errors as
    HTTP), reading and showing times in the requesting user's zone.

    Each endpoint counts every request, whatever its method, against one rate: the
    calendar against ``READ_THROTTLE_RATE``, the writes against ``WRITE_THROTTLE_RATE``.
    """

    read_throttle = write_throttle = LessonReadThrottle

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Resolved once per request, after authentication: the zone of every local time.
        self.zone = user_zone(request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "timezone": self.zone}

    def render_lesson(self, lesson: Lesson, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(lesson_representation(lesson, zone=self.zone), status=status_code)


class LessonWriteAPIView(LessonsAPIView):
    read_throttle = write_throttle = LessonWriteThrottle

    def get_lesson(self, pk: int) -> Lesson:
        lesson = selectors.lessons_visible_to(user=self.request.user).filter(pk=pk).first()
        if lesson is None:
            raise not_found()
        return lesson


@extend_validation_errors(_END_ERRORS, field_name="end", methods=["post"])
@extend_validation_errors(
    _START_ERRORS,
    field_name="start",
    methods=["post"],
)
@extend_validation_errors(["same_participant"], field_name="student", methods=["post"])
class LessonCreateView(LessonWriteAPIView):
    @extend_schema(
        operation_id="lessons_create",
        parameters=[schema.RETRY_AFTER, schema.BUSY_RETRY_AFTER],
        summary="Schedule a lesson",
        description="You are the tutor. Naive times are read in your time zone. Neither "
        "participant may have an overlapping scheduled lesson (409 `time_conflict`); the "
        "host's scheduling policy may refuse the student (403 `scheduling_not_allowed`).",
        request=LessonCreateSerializer,
        responses={
            201: LessonSerializer,
            403: schema.SCHEDULING_FORBIDDEN_RESPONSE,
            409: schema.CONFLICT_RESPONSE,
            503: schema.BUSY_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Create with an offset",
                value={
                    "student": 12,
                    "start": "2026-07-14T16:00:00+03:00",
                    "end": "2026-07-14T17:00:00+03:00",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Create in your own zone",
                summary="A naive time is read in your time zone",
                value={"student": 12, "start": "2026-07-14T16:00", "end": "2026-07-14T17:00"},
                request_only=True,
            ),
            OpenApiExample(
                "Scheduled", value=schema.LESSON_EXAMPLE, response_only=True, status_codes=["201"]
            ),
            schema.error_example("start_in_past", "Start in the past"),
            schema.DST_GAP,
            schema.error_example("scheduling_not_allowed", "Scheduling not allowed"),
            schema.TIME_CONFLICT,
            schema.BUSY,
        ],
    )
    def post(self, request: Request) -> Response:
        data = self.parse(LessonCreateSerializer, request.data)
        lesson = services.lesson_create(actor=request.user, **data)
        return self.render_lesson(lesson, status.HTTP_201_CREATED)


@extend_validation_errors(_END_ERRORS, field_name="end", methods=["patch"])
@extend_validation_errors(["empty"], field_name="non_field_errors", methods=["patch"])
@extend_validation_errors(
    _START_ERRORS,
    field_name="start",
    methods=["patch"],
)
class LessonRescheduleView(LessonWriteAPIView):
    @extend_schema(
        operation_id="lessons_reschedule",
        parameters=[schema.RETRY_AFTER, schema.BUSY_RETRY_AFTER],
        summary="Move or resize a lesson (calendar drag-and-drop)",
        description="Either participant may change a scheduled lesson that has not "
        "started. Send `start` alone to move the lesson and keep its length (a drag), "
        "`end` alone to change its length (a resize), or both. A lesson that is not "
        "scheduled is a 409 `lesson_not_scheduled`, one that has started a 409 "
        "`lesson_expired`; someone else's lesson is a 404.",
        request=LessonRescheduleSerializer,
        responses={
            200: LessonSerializer,
            409: schema.CONFLICT_RESPONSE,
            503: schema.BUSY_RESPONSE,
        },
        examples=[
            OpenApiExample(
                "Move by an hour",
                value={"start": "2026-07-14T17:00:00+03:00", "end": "2026-07-14T18:00:00+03:00"},
                request_only=True,
            ),
            OpenApiExample(
                "Drag, keeping the length",
                value={"start": "2026-07-14T17:00:00+03:00"},
                request_only=True,
            ),
            OpenApiExample("Resize", value={"end": "2026-07-14T17:30:00+03:00"}, request_only=True),
            OpenApiExample(
                "Rescheduled",
                value={
                    **schema.LESSON_EXAMPLE,
                    "utc_start": "2026-07-14T14:00:00Z",
                    "utc_end": "2026-07-14T15:00:00Z",
                    "user_local_start": "2026-07-14T17:00:00+03:00",
                    "user_local_end": "2026-07-14T18:00:00+03:00",
                },
                response_only=True,
                status_codes=["200"],
            ),
            schema.TOO_SHORT,
            schema.EXPIRED,
            schema.NOT_SCHEDULED,
            schema.TIME_CONFLICT,
            schema.NOT_FOUND,
            schema.BUSY,
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        lesson = self.get_lesson(pk)
        data = self.parse(LessonRescheduleSerializer, request.data, partial=True)
        lesson = services.lesson_reschedule(lesson=lesson, actor=request.user, **data)
        return self.render_lesson(lesson)


class LessonCancelView(LessonWriteAPIView):
    @extend_schema(
        operation_id="lessons_cancel",
        parameters=[schema.RETRY_AFTER, schema.BUSY_RETRY_AFTER],
        summary="Cancel a lesson",
        description="Either participant may cancel a scheduled lesson that has not started; "
        "who cancelled and why are kept on the lesson.",
        request=LessonCancelSerializer,
        responses={
            200: LessonSerializer,
            409: schema.CONFLICT_RESPONSE,
            503: schema.BUSY_RESPONSE,
        },
        examples=[
            OpenApiExample("With a reason", value={"reason": "Feeling ill"}, request_only=True),
            OpenApiExample(
                "Cancelled",
                value={
                    **schema.LESSON_EXAMPLE,
                    "status": "cancelled",
                    "cancelled_by": 12,
                    "cancelled_at": "2026-07-10T08:00:00Z",
                    "cancellation_reason": "Feeling ill",
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Reason too long",
                value={
                    "type": "validation_error",
                    "errors": [
                        {
                            "code": "max_length",
                            "detail": "Ensure this field has no more than 500 characters.",
                            "attr": "reason",
                        }
                    ],
                },
                response_only=True,
                status_codes=["400"],
            ),
            schema.NOT_SCHEDULED,
            schema.EXPIRED,
            schema.NOT_FOUND,
            schema.BUSY,
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        lesson = self.get_lesson(pk)
        data = self.parse(LessonCancelSerializer, request.data)
        lesson = services.lesson_cancel(lesson=lesson, actor=request.user, **data)
        return self.render_lesson(lesson)


def _calendar_parameters() -> list[OpenApiParameter]:
    fields = CalendarQuerySerializer().fields
    return [
        OpenApiParameter(
            name,
            str,
            OpenApiParameter.QUERY,
            required=False,
            description=field.help_text,
            enum=getattr(field, "choices", None) and list(field.choices),
        )
        for name, field in fields.items()
    ]


@extend_validation_errors(
    ["required", *_BOUND_ERRORS],
    field_name="from",
    methods=["get"],
)
@extend_validation_errors(
    ["required", "invalid_range", "range_too_long", *_BOUND_ERRORS],
    field_name="to",
    methods=["get"],
)
@extend_validation_errors(["conflict", *_BOUND_ERRORS], field_name="start", methods=["get"])
@extend_validation_errors(["conflict", *_BOUND_ERRORS], field_name="end", methods=["get"])
# status is a CharField (a comma-separated list): DRF refuses a NUL byte in it first.
@extend_validation_errors(
    ["invalid_choice", "null_characters_not_allowed"], field_name="status", methods=["get"]
)
@extend_validation_errors(["invalid_choice"], field_name="role", methods=["get"])
class CalendarView(LessonsAPIView):
    @extend_schema(
        operation_id="lessons_calendar",
        summary="Your calendar",
        description=schema.described(
            "Lessons where you are the tutor or the student that overlap the window, ordered "
            "by start, at most {calendar_max_events} (then `has_more_events` is true). `from` "
            "and `to` are required (or their aliases `start`/`end`); a date-only bound is that "
            "whole local day in your zone. The window may span at most "
            "{calendar_max_range_days} local days. A `+` in a UTC offset must be sent "
            "URL-encoded (`%2B`): a bare `+` in a query string means a space."
        ),
        parameters=[*_calendar_parameters(), schema.RETRY_AFTER],
        responses={200: CalendarSerializer},
        examples=[
            OpenApiExample(
                "A week",
                value={
                    "results": [schema.LESSON_EXAMPLE],
                    "has_more_events": False,
                    "timezone": "Europe/Kyiv",
                },
                response_only=True,
                status_codes=["200"],
            ),
            schema.error_example("invalid_range", "Reversed range"),
            schema.error_example("range_too_long", "Range too long"),
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> Response:
        query = self.parse(CalendarQuerySerializer, request.query_params)
        page = selectors.calendar_lessons(
            user=request.user, limit=lessons_settings.CALENDAR_MAX_EVENTS, **query
        )
        return Response(
            {
                "results": [
                    lesson_representation(lesson, zone=self.zone) for lesson in page.lessons
                ],
                "has_more_events": page.has_more_events,
                "timezone": self.zone.key,
            }
        )

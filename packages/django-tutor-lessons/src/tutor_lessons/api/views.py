"""Thin views: parse with a serializer, call one service or selector, render."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tutor_core.api.views import ThrottleClass, TutorAPIView
from tutor_lessons import selectors, services
from tutor_lessons.api import schema
from tutor_lessons.api.errors import not_found
from tutor_lessons.api.serializers import (
    CalendarQuerySerializer,
    LessonCancelSerializer,
    LessonCreateSerializer,
    LessonRescheduleSerializer,
    lesson_representation,
)
from tutor_lessons.api.throttling import LessonReadThrottle, LessonWriteThrottle
from tutor_lessons.conf import lessons_settings
from tutor_lessons.models import Lesson
from tutor_lessons.people import participant_names
from tutor_lessons.timezones import user_zone


class LessonsAPIView(TutorAPIView):
    """The base of every lessons view: core's, with times in the requesting user's zone.

    Core's view authenticates, throttles and turns domain errors into HTTP. Each endpoint
    counts every request, whatever its method, against one rate: the calendar against
    ``READ_THROTTLE_RATE``, the writes against ``WRITE_THROTTLE_RATE``.
    """

    read_throttle: ClassVar[ThrottleClass] = LessonReadThrottle
    write_throttle: ClassVar[ThrottleClass] = LessonReadThrottle

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Resolved once per request, after authentication: the zone of every local time.
        self.zone = user_zone(request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "timezone": self.zone}

    def render_lesson(self, lesson: Lesson, status_code: int = status.HTTP_200_OK) -> Response:
        names = participant_names(lesson, known=[self.request.user])
        return Response(
            lesson_representation(lesson, zone=self.zone, display_names=names),
            status=status_code,
        )


class LessonWriteAPIView(LessonsAPIView):
    read_throttle: ClassVar[ThrottleClass] = LessonWriteThrottle
    write_throttle: ClassVar[ThrottleClass] = LessonWriteThrottle

    def get_lesson(self, pk: int) -> Lesson:
        lesson = selectors.lessons_visible_to(user=self.request.user).filter(pk=pk).first()
        if lesson is None:
            raise not_found()
        return lesson


@schema.lessons_create
class LessonCreateView(LessonWriteAPIView):
    def post(self, request: Request) -> Response:
        data = self.parse(LessonCreateSerializer, request.data)
        lesson = services.lesson_create(actor=request.user, **data)
        return self.render_lesson(lesson, status.HTTP_201_CREATED)


@schema.lessons_reschedule
class LessonRescheduleView(LessonWriteAPIView):
    def patch(self, request: Request, pk: int) -> Response:
        lesson = self.get_lesson(pk)
        data = self.parse(LessonRescheduleSerializer, request.data, partial=True)
        lesson = services.lesson_reschedule(lesson=lesson, actor=request.user, **data)
        return self.render_lesson(lesson)


@schema.lessons_cancel
class LessonCancelView(LessonWriteAPIView):
    def post(self, request: Request, pk: int) -> Response:
        lesson = self.get_lesson(pk)
        data = self.parse(LessonCancelSerializer, request.data)
        lesson = services.lesson_cancel(lesson=lesson, actor=request.user, **data)
        return self.render_lesson(lesson)


@schema.lessons_calendar
class CalendarView(LessonsAPIView):
    def get(self, request: Request) -> Response:
        query = self.parse(CalendarQuerySerializer, request.query_params)
        page = selectors.calendar_lessons(
            user=request.user, limit=lessons_settings.CALENDAR_MAX_EVENTS, **query
        )
        return Response(
            {
                "results": [
                    lesson_representation(lesson, zone=self.zone, display_names=page.display_names)
                    for lesson in page.lessons
                ],
                "has_more_events": page.has_more_events,
                "timezone": self.zone.key,
            }
        )

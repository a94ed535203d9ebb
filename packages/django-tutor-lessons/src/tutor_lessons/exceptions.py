"""The errors the lessons services raise: plain domain exceptions, each with a stable code.

They know nothing of HTTP. The API layer turns them into responses (the base view, with
``tutor_core.api.errors``); the admin and management commands show ``str(error)``.
Each code, its HTTP status and its message live in one registry, ``tutor_lessons.errors``.
"""

from __future__ import annotations

from tutor_core.exceptions import TutorError
from tutor_lessons.errors import CODES


class LessonsError(TutorError):
    """A lesson change the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    registry = CODES


class InvalidLesson(LessonsError):
    """The times or the participants asked for cannot make a lesson (a 400 in the API)."""


class TimeConflict(LessonsError, code="time_conflict"): ...


class LessonExpired(LessonsError, code="lesson_expired"): ...


class LessonNotScheduled(LessonsError, code="lesson_not_scheduled"): ...


class SchedulingNotAllowed(LessonsError, code="scheduling_not_allowed"): ...


class BookingBusy(LessonsError, code="booking_busy"):
    """Another transaction held a lock this change needs for longer than ``LOCK_TIMEOUT``.

    Nothing was written; the same request may succeed a moment later.
    """

"""The errors the lessons services raise: plain domain exceptions, each with a stable code.

They know nothing of HTTP. The API layer turns them into responses (the base view, with
``tutor_core.api.errors``); the admin and management commands show ``str(error)``.
Each code, its HTTP status and its message live in one registry, ``tutor_lessons.errors``.
"""

from __future__ import annotations

from typing import Any

from tutor_core.exceptions import TutorError
from tutor_lessons.errors import BUSY_DETAILS, CODES


class LessonsError(TutorError):
    """A lesson change the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    registry = CODES


class InvalidLesson(LessonsError):
    """The times or the participants asked for cannot make a lesson (a 400 in the API)."""


class TimeConflict(LessonsError, code="time_conflict"):
    """A participant already has a scheduled lesson then.

    ``busy`` names who, in the lesson asked for (``("tutor",)``, ``("student",)`` or
    both); ``lesson_id`` is the clashing lesson only when the requester takes part in it
    (never another person's lesson), else None. ``str(error)`` says who is busy, from the
    requester's side (``requester_role``: ``"tutor"``, ``"student"`` or None).
    """

    def __init__(
        self,
        *,
        busy: tuple[str, ...] = (),
        lesson_id: int | None = None,
        requester_role: str | None = None,
    ) -> None:
        super().__init__()
        self.busy = busy
        self.lesson_id = lesson_id
        detail = BUSY_DETAILS.get((requester_role, busy))
        if detail is not None:
            self.args = (str(detail),)

    @property
    def members(self) -> dict[str, Any]:
        """What the API adds to the error item: who is busy, and the requester's lesson."""
        return {"busy": list(self.busy), "lesson_id": self.lesson_id}


class LessonExpired(LessonsError, code="lesson_expired"): ...


class LessonNotScheduled(LessonsError, code="lesson_not_scheduled"): ...


class SchedulingNotAllowed(LessonsError, code="scheduling_not_allowed"): ...


class BookingBusy(LessonsError, code="booking_busy"):
    """Another transaction held a lock this change needs for longer than ``LOCK_TIMEOUT``.

    Nothing was written; the same request may succeed a moment later.
    """

"""Reads: the lessons a user may see, and the calendar window query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from tutor_lessons.models import Lesson


def lessons_visible_to(*, user: Any) -> QuerySet[Lesson]:
    """Lessons where ``user`` is a participant; everyone else's are invisible (404)."""
    return Lesson.objects.filter(Q(tutor=user) | Q(student=user))


@dataclass(frozen=True)
class CalendarPage:
    lessons: list[Lesson]
    has_more_events: bool


def calendar_lessons(
    *,
    user: Any,
    window_start: datetime,
    window_end: datetime,
    statuses: Iterable[str] = (),
    role: str | None = None,
    limit: int,
) -> CalendarPage:
    """Lessons of ``user`` overlapping ``[window_start, window_end)``, ordered by start.

    One query whatever the number of lessons: it fetches ``limit + 1`` rows to learn
    whether more match than are returned.
    """
    if role == "tutor":
        participant = Q(tutor=user)
    elif role == "student":
        participant = Q(student=user)
    else:
        participant = Q(tutor=user) | Q(student=user)
    queryset = Lesson.objects.filter(participant, start__lt=window_end, end__gt=window_start)
    statuses = list(statuses)
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    rows = list(queryset.order_by("start", "id")[: limit + 1])
    return CalendarPage(lessons=rows[:limit], has_more_events=len(rows) > limit)

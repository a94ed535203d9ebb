"""Reads: the lessons a user may see, and the calendar window query."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Q, QuerySet

from tutor_lessons.models import Lesson


def lessons_visible_to(*, user: Any) -> QuerySet[Lesson]:
    """Lessons where ``user`` is a participant; everyone else's are invisible (404)."""
    return Lesson.objects.filter(Q(tutor=user) | Q(student=user))


#: The columns of a lesson's representation, in the attribute names it reads.
REPRESENTED_COLUMNS = (
    "id",
    "tutor_id",
    "student_id",
    "status",
    "start",
    "end",
    "series_id",
    "cancelled_by_id",
    "cancelled_at",
    "cancellation_reason",
    "created_at",
    "updated_at",
)


#: A calendar row, as ``values_list(*REPRESENTED_COLUMNS, named=True)`` names it.
CalendarRow = namedtuple("Row", REPRESENTED_COLUMNS)


@dataclass(frozen=True)
class CalendarPage:
    #: Rows with a lesson's attributes (``REPRESENTED_COLUMNS``), not model instances.
    lessons: list[Any]
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
    whether more match than are returned. Rows are named tuples of the represented
    columns: building 500 model instances was a third of the calendar's time.
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
    ordered = queryset.order_by("start", "id").values_list(*REPRESENTED_COLUMNS, named=True)
    rows = calendar_rows(ordered[: limit + 1])
    return CalendarPage(lessons=rows[:limit], has_more_events=len(rows) > limit)


@cache
def _psycopg_timestamptz_loader() -> type | None:
    try:
        from psycopg import adapters, pq
    except ImportError:
        return None
    return adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)


def calendar_rows(queryset: QuerySet) -> list[Any]:
    """``list(queryset)`` of a ``values_list(*REPRESENTED_COLUMNS, named=True)``.

    On PostgreSQL with psycopg 3 (and ``USE_TZ``) the query's SQL runs on a cursor that
    reads ``timestamptz`` with psycopg's own C loader. Django's loader calls it and then
    replaces each value's time zone in Python, for the same instant: a quarter of a
    500-lesson calendar (five times per row). Elsewhere it is the ORM's own query.
    """
    connection = connections[queryset.db]
    loader = _psycopg_timestamptz_loader()
    if (
        loader is None
        or not settings.USE_TZ
        or connection.vendor != "postgresql"
        or connection.Database.__name__ != "psycopg"  # not psycopg2
    ):
        return list(queryset)
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", loader)
        cursor.execute(sql, params)
        return [CalendarRow._make(row) for row in cursor.fetchall()]

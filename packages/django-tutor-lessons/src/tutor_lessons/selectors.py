"""Reads: the lessons a user may see, and the calendar window query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router
from django.db.models import Q, QuerySet

from tutor_core.sql import WrittenSelect, written_select
from tutor_lessons.models import Lesson
from tutor_lessons.people import DisplayNames, listed_fields


def lessons_visible_to(*, user: Any) -> QuerySet[Lesson]:
    """Lessons where ``user`` is a participant; everyone else's are invisible (404)."""
    return Lesson.objects.filter(Q(tutor=user) | Q(student=user))


class CalendarRow(NamedTuple):
    """A calendar row: a lesson's represented columns, by the attribute names it reads.

    The ORM's ``values_list(*REPRESENTED_COLUMNS, named=True)`` names its rows alike.
    """

    id: int
    tutor_id: Any
    student_id: Any
    status: str
    start: datetime
    end: datetime
    series_id: UUID | None
    cancelled_by_id: Any
    cancelled_at: datetime | None
    cancellation_reason: str
    created_at: datetime
    updated_at: datetime


#: The columns of a lesson's representation, in the attribute names it reads.
REPRESENTED_COLUMNS = CalendarRow._fields
_TUTOR_AT, _STUDENT_AT = (
    REPRESENTED_COLUMNS.index("tutor_id"),
    REPRESENTED_COLUMNS.index("student_id"),
)


@dataclass(frozen=True)
class CalendarPage:
    #: Rows with a lesson's attributes (``REPRESENTED_COLUMNS``), not model instances.
    lessons: list[Any]
    has_more_events: bool
    #: The ``USER_DISPLAY_NAME`` of each tutor and student of ``lessons``, by user id.
    display_names: Mapping[Any, str] = field(default_factory=dict)


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
    whether more match than are returned, and joins both participants for the fields
    their display names are made of (``USER_LISTED_FIELDS``). Rows are named tuples of
    the represented columns: building 500 model instances was a third of the calendar's
    time; each person is built once, to be named (``CalendarPage.display_names``). On
    PostgreSQL with psycopg 3 the query is SQL written once (``_read_written``);
    elsewhere it is the ORM's ``values_list(*REPRESENTED_COLUMNS, ...)``.
    """
    statuses = list(statuses)
    alias = router.db_for_read(Lesson)
    people = listed_fields()
    written = _written_calendar_query(alias)
    joined = _written_people_join(alias, people) if written is not None else None
    if written is not None and joined is not None:
        rows = _read_written(
            written,
            joined,
            user=user,
            role=role,
            window_start=window_start,
            window_end=window_end,
            statuses=statuses,
            limit=limit + 1,
        )
    else:
        if role == "tutor":
            participant = Q(tutor=user)
        elif role == "student":
            participant = Q(student=user)
        else:
            participant = Q(tutor=user) | Q(student=user)
        queryset = Lesson.objects.filter(participant, start__lt=window_end, end__gt=window_start)
        if statuses:
            queryset = queryset.filter(status__in=statuses)
        person_columns = [f"{side}__{f.name}" for side in ("tutor", "student") for f in people]
        ordered = queryset.order_by("start", "id").values_list(
            *REPRESENTED_COLUMNS, *person_columns
        )
        rows = list(ordered[: limit + 1])
    return _page(rows[:limit], has_more_events=len(rows) > limit, alias=alias, people=people)


def _page(
    rows: list[Sequence[Any]], *, has_more_events: bool, alias: str, people: Sequence[Any]
) -> CalendarPage:
    """Rows of the lesson's columns then each participant's listed fields, as a page."""
    lesson_width, person_width = len(REPRESENTED_COLUMNS), len(people)
    student_from = lesson_width + person_width
    make = CalendarRow._make
    lessons = [make(row[:lesson_width]) for row in rows]
    # Each person once: a calendar of 500 lessons has a few people in it.
    names = DisplayNames(alias, people)
    for user_id, row in {row[_TUTOR_AT]: row for row in rows}.items():
        names.add(user_id, row[lesson_width:student_from])
    for user_id, row in {row[_STUDENT_AT]: row for row in rows}.items():
        names.add(user_id, row[student_from:])
    return CalendarPage(lessons=lessons, has_more_events=has_more_events, display_names=names)


@cache
def _psycopg_timestamptz_loader() -> type | None:
    try:
        from psycopg import adapters, pq
    except ImportError:
        return None
    return adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)


def _uses_psycopg_with_time_zones(connection: Any) -> bool:
    return (
        _psycopg_timestamptz_loader() is not None
        and settings.USE_TZ
        and connection.vendor == "postgresql"
        and connection.Database.__name__ == "psycopg"  # not psycopg2
    )


def _read_written(
    written: WrittenSelect[Lesson],
    joined: str,
    *,
    user: Any,
    role: str | None,
    window_start: datetime,
    window_end: datetime,
    statuses: list[str],
    limit: int,
) -> list[Any]:
    """The calendar's rows from its SQL written once (core's ``written_select``).

    The ORM builds and compiles the calendar's queryset anew on every request: in
    process about 0.8 ms of a month of 50 lessons that took 4 ms. This is the same
    query (the same columns, filters, order and limit), its parameters prepared by the
    model's fields as the ORM prepares them. Its cursor reads ``timestamptz`` with
    psycopg's own C loader: Django's calls it and then replaces each value's time zone
    in Python, for the same instant, which was a quarter of a 500-lesson calendar (five
    values a row). ``joined`` is the select with both participants' listed fields
    (``_written_people_join``). Rows are plain tuples, not instances.
    """
    tutor, student = written.column("tutor"), written.column("student")
    start, end = written.column("start"), written.column("end")
    user_key = written.prepare("tutor", user.pk)
    if role == "tutor":
        sql, params = [f"WHERE {tutor} = %s"], [user_key]
    elif role == "student":
        sql, params = [f"WHERE {student} = %s"], [user_key]
    else:
        sql, params = [f"WHERE ({tutor} = %s OR {student} = %s)"], [user_key] * 2
    sql.append(f"AND {start} < %s AND {end} > %s")
    params += [written.prepare("start", window_end), written.prepare("end", window_start)]
    if statuses:
        sql.append(f"AND {written.column('status')} IN ({', '.join(['%s'] * len(statuses))})")
        params += statuses
    sql.append(f"ORDER BY {start} ASC, {written.column('id')} ASC LIMIT %s")
    params.append(limit)
    with connections[written.alias].cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", _psycopg_timestamptz_loader())
        cursor.execute(f"{joined} {' '.join(sql)}", params)
        rows: list[Any] = cursor.fetchall()
        return rows


@cache
def _written_calendar_query(alias: str) -> WrittenSelect[Lesson] | None:
    """The calendar's written select of ``alias`` on PostgreSQL with psycopg 3; else None.

    Only where no column needs converting (the ORM's query converts them) and the
    columns are exactly those a calendar row names.
    """
    if not _uses_psycopg_with_time_zones(connections[alias]):
        return None
    written = written_select(Lesson, alias)
    if written is None or written.converters or tuple(written.names) != CalendarRow._fields:
        return None
    return written


#: How the calendar's written select names the two joined users.
_PERSON_ALIASES = {"tutor": "tutor_lessons_tutor", "student": "tutor_lessons_student"}


@cache
def _written_people_join(alias: str, people: tuple[models.Field, ...]) -> str | None:
    """The calendar's select, with each participant's ``people`` fields joined in.

    ``SELECT <lesson columns>, <tutor's fields>, <student's fields> FROM <lesson>
    INNER JOIN <user> AS tutor ... INNER JOIN <user> AS student ...``, written on any
    database (the calendar runs it where ``_written_calendar_query`` is one); None when
    a field needs converting on its way out of the database (then the ORM's query reads
    them).
    """
    written = written_select(Lesson, alias)
    assert written is not None, "a Lesson is one plain table: core writes its select"
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model = get_user_model()
    key_column = _column_of(user_model._meta.pk)
    columns = [written.column(name) for name in written.names]
    joins = []
    for role, table_alias in _PERSON_ALIASES.items():
        for person_field in people:
            expression = person_field.get_col(table_alias)
            if connection.ops.get_db_converters(expression) or expression.get_db_converters(
                connection
            ):
                return None
            columns.append(f"{quote(table_alias)}.{quote(_column_of(person_field))}")
        joins.append(
            f"INNER JOIN {quote(user_model._meta.db_table)} {quote(table_alias)} ON "
            f"{quote(table_alias)}.{quote(key_column)} = {written.column(role)}"
        )
    return f"SELECT {', '.join(columns)} FROM {quote(Lesson._meta.db_table)} {' '.join(joins)}"


def _column_of(field: models.Field) -> str:
    # Only fields that are not concrete have no column; listed_fields() keeps none.
    return str(field.column)

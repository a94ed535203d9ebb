"""The calendar's query: SQL written once on PostgreSQL, the ORM's elsewhere, same rows."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory
from tutor_lessons import selectors
from tutor_lessons.models import Lesson, LessonStatus

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)


def represented(queryset):
    return queryset.order_by("start", "id").values_list(*selectors.REPRESENTED_COLUMNS, named=True)


@pytest.fixture
def lessons():
    tutor, student = PersonFactory(), PersonFactory()
    made = [
        LessonFactory(
            tutor=tutor,
            student=student,
            start=START + timedelta(days=day),
            end=START + timedelta(days=day, minutes=45),
        )
        for day in range(3)
    ]
    cancelled = made[1]
    cancelled.status = LessonStatus.CANCELLED
    cancelled.cancelled_by = tutor
    cancelled.cancelled_at = START - timedelta(hours=1, microseconds=7)
    cancelled.cancellation_reason = "ill"
    cancelled.series_id = uuid.uuid4()
    cancelled.save()
    return made


def calendar_of(user, *, days: int = 7, limit: int = 100):
    return selectors.calendar_lessons(
        user=user, window_start=START, window_end=START + timedelta(days=days), limit=limit
    )


def test_the_rows_equal_the_orms_field_for_field(lessons):
    rows = calendar_of(lessons[0].tutor).lessons

    assert rows == list(represented(Lesson.objects.all()))
    assert [row._fields for row in rows] == [selectors.REPRESENTED_COLUMNS] * 3
    assert rows[1].cancelled_at == START - timedelta(hours=1, microseconds=7)
    assert all(row.start.utcoffset() == timedelta(0) for row in rows)


def test_the_calendar_answers_the_same_bytes_on_either_path(client_for, lessons, monkeypatch):
    client = client_for(lessons[0].tutor)
    week = {"from": "2026-03-02", "to": "2026-03-09"}

    first = client.get(reverse("lessons:calendar"), week)
    # No written query: the ORM's own (as on SQLite, where this test runs the ORM twice).
    monkeypatch.setattr(selectors, "_written_calendar_query", lambda alias: None)
    read_by_the_orm = client.get(reverse("lessons:calendar"), week)

    assert first.status_code == read_by_the_orm.status_code == 200
    assert len(first.json()["results"]) == 3
    assert first.content == read_by_the_orm.content


@pytest.fixture
def both_sides():
    """A user who teaches some lessons and learns in others, in every status."""
    user, other = PersonFactory(), PersonFactory()
    statuses = list(LessonStatus.values)
    for hour in range(12):
        start = START + timedelta(hours=hour * 2)
        teaches = hour % 2 == 0
        LessonFactory(
            tutor=user if teaches else other,
            student=other if teaches else user,
            status=statuses[hour % len(statuses)],
            start=start,
            end=start + timedelta(minutes=45),
        )
    for _ in range(2):  # cancelled lessons may share a start: the id breaks the tie
        LessonFactory(
            tutor=user,
            status=LessonStatus.CANCELLED,
            start=START + timedelta(hours=4),
            end=START + timedelta(hours=5),
        )
    LessonFactory(start=START, end=START + timedelta(hours=1))  # someone else's
    return user


@pytest.mark.parametrize("role", [None, "tutor", "student"])
@pytest.mark.parametrize("statuses", [[], ["scheduled"], ["cancelled", "completed"]])
@pytest.mark.parametrize(("hours", "limit"), [(24, 100), (24, 3), (13, 100)])
def test_the_calendar_query_is_the_orms(both_sides, role, statuses, hours, limit):
    # On PostgreSQL with psycopg 3 the calendar runs SQL written once, elsewhere the ORM's
    # query: either way its rows must be what the ORM's query gives.
    window_start, window_end = START + timedelta(minutes=30), START + timedelta(hours=hours)
    participant = {"tutor": Q(tutor=both_sides), "student": Q(student=both_sides)}.get(
        role, Q(tutor=both_sides) | Q(student=both_sides)
    )
    expected = Lesson.objects.filter(participant, start__lt=window_end, end__gt=window_start)
    if statuses:
        expected = expected.filter(status__in=statuses)
    expected = list(represented(expected))

    with CaptureQueriesContext(connection) as queries:
        page = selectors.calendar_lessons(
            user=both_sides,
            window_start=window_start,
            window_end=window_end,
            statuses=statuses,
            role=role,
            limit=limit,
        )

    assert page.lessons == expected[:limit]
    assert page.has_more_events is (len(expected) > limit)
    assert len(queries) == 1
    assert expected, "the window holds lessons"
    if connection.vendor == "postgresql":
        assert selectors._written_calendar_query(connection.alias) is not None

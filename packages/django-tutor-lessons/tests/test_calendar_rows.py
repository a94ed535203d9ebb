"""selectors.calendar_rows: the ORM's rows, read with psycopg's own loader where it can."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
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


def test_the_rows_equal_the_orms_field_for_field(lessons):
    queryset = represented(Lesson.objects.all())

    rows = selectors.calendar_rows(queryset)

    assert rows == list(queryset)
    assert [row._fields for row in rows] == [selectors.REPRESENTED_COLUMNS] * 3
    assert rows[1].cancelled_at == START - timedelta(hours=1, microseconds=7)
    assert all(row.start.utcoffset() == timedelta(0) for row in rows)


def test_a_sliced_query_is_one_query_and_keeps_its_limit(lessons):
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.calendar_rows(represented(Lesson.objects.all())[:2])

    assert [row.id for row in rows] == [lesson.pk for lesson in lessons[:2]]
    assert len(queries) == 1


def test_an_impossible_filter_is_no_rows_and_no_query(lessons):
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.calendar_rows(represented(Lesson.objects.filter(pk__in=[])))

    assert rows == []
    assert len(queries) == 0


def test_the_calendar_answers_the_same_bytes_on_either_path(client_for, lessons, monkeypatch):
    client = client_for(lessons[0].tutor)
    week = {"from": "2026-03-02", "to": "2026-03-09"}

    read_by_psycopg = client.get(reverse("lessons:calendar"), week)
    monkeypatch.setattr(selectors, "calendar_rows", list)  # the ORM's own rows
    read_by_the_orm = client.get(reverse("lessons:calendar"), week)

    assert read_by_psycopg.status_code == read_by_the_orm.status_code == 200
    assert len(read_by_psycopg.json()["results"]) == 3
    assert read_by_psycopg.content == read_by_the_orm.content

"""Each lesson names its tutor and student (``USER_DISPLAY_NAME``), in every response."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory, json_id
from tests.hooks import CAPITALS
from tests.test_create import create
from tests.test_reschedule_cancel import cancel, reschedule
from tutor_lessons import selectors
from tutor_lessons.models import Lesson
from tutor_lessons.people import listed_fields

pytestmark = pytest.mark.django_db


def default_name(user) -> str:
    """The default hook's name: the full name where the user model has one, else a label."""
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or f"User {user.pk}"


def calendar(client, start, days: int = 2):
    return client.get(
        reverse("lessons:calendar"),
        {"from": start.isoformat(), "to": (start + timedelta(days=days)).isoformat()},
    )


def names(body: dict) -> tuple:
    return (
        body["tutor"],
        body["tutor_display_name"],
        body["student"],
        body["student_display_name"],
    )


def test_every_lesson_response_names_the_tutor_and_the_student(
    tutor_client, student_client, tutor, student, soon
):
    expected = (json_id(tutor), default_name(tutor), json_id(student), default_name(student))
    created = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    assert created.status_code == 201, created.json()
    lesson = Lesson.objects.get(pk=created.json()["id"])

    moved = reschedule(student_client, lesson, soon + timedelta(hours=2), soon + timedelta(hours=3))
    listed = calendar(tutor_client, soon - timedelta(hours=1)).json()["results"]
    cancelled = cancel(student_client, lesson, reason="ill")

    assert names(created.json()) == expected
    assert names(moved.json()) == expected
    assert [names(shown) for shown in listed] == [expected]
    assert names(cancelled.json()) == expected
    assert default_name(tutor) != tutor.username  # never the login name


def test_the_default_name_is_a_label_without_a_full_name(client_for, soon):
    nameless, other = PersonFactory(username="nameless"), PersonFactory(username="other")
    LessonFactory(tutor=nameless, student=other, start=soon, end=soon + timedelta(hours=1))

    [shown] = calendar(client_for(nameless), soon - timedelta(hours=1)).json()["results"]

    assert shown["tutor_display_name"] == f"User {nameless.pk}"
    assert shown["student_display_name"] == f"User {other.pk}"


@override_settings(TUTOR_LESSONS=CAPITALS)
def test_names_come_from_the_hosts_hook(tutor_client, student_client, tutor, student, soon):
    tutor.display_name, student.display_name = "Taras", "Olena"
    tutor.save()
    student.save()
    created = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    lesson = Lesson.objects.get(pk=created.json()["id"])
    moved = reschedule(student_client, lesson, soon + timedelta(hours=2), soon + timedelta(hours=3))
    [shown] = calendar(student_client, soon - timedelta(hours=1)).json()["results"]

    for body in (created.json(), moved.json(), shown):
        assert (body["tutor_display_name"], body["student_display_name"]) == ("TARAS", "OLENA")


@pytest.fixture
def busy_tutor(soon):
    """A tutor with 12 lessons over two days, with four students of their own names."""
    tutor = PersonFactory(username="busy", display_name="Iryna")
    students = [PersonFactory(display_name=f"Student {n}") for n in range(4)]
    for hour in range(12):
        start = soon + timedelta(hours=3 * hour)
        LessonFactory(
            tutor=tutor, student=students[hour % 4], start=start, end=start + timedelta(hours=1)
        )
    LessonFactory(student=tutor, start=soon + timedelta(hours=1), end=soon + timedelta(hours=2))
    return tutor


@pytest.mark.parametrize("path", ["default", "orm"])
@pytest.mark.parametrize("hook", [{}, CAPITALS])
def test_the_calendar_names_everyone_in_one_query_on_either_path(
    client_for, busy_tutor, soon, monkeypatch, path, hook
):
    if path == "orm":  # what SQLite always runs; on PostgreSQL the written SQL is the default
        monkeypatch.setattr(selectors, "_written_calendar_query", lambda alias: None)
    client = client_for(busy_tutor)

    with override_settings(TUTOR_LESSONS=hook), CaptureQueriesContext(connection) as queries:
        response = calendar(client, soon - timedelta(hours=1), days=3)
        if path == "default" and connection.vendor == "postgresql":
            assert selectors._written_people_join(connection.alias, listed_fields())

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 13
    assert len(queries) == 1, [query["sql"] for query in queries.captured_queries]
    [sql] = [query["sql"] for query in queries.captured_queries]
    # Of the users, the query reads the fields the hook reads, nothing else.
    assert "password" not in sql
    assert "username" not in sql
    by_id = {json_id(user): user for user in get_user_model().objects.all()}
    name = (lambda user: user.display_name.upper()) if hook else default_name
    for shown in results:
        assert shown["tutor_display_name"] == name(by_id[shown["tutor"]])
        assert shown["student_display_name"] == name(by_id[shown["student"]])


def test_the_written_and_the_orm_calendar_name_people_alike(
    client_for, busy_tutor, soon, monkeypatch
):
    client = client_for(busy_tutor)
    with override_settings(TUTOR_LESSONS=CAPITALS):
        written = calendar(client, soon - timedelta(hours=1), days=3)
        monkeypatch.setattr(selectors, "_written_calendar_query", lambda alias: None)
        by_the_orm = calendar(client, soon - timedelta(hours=1), days=3)

    assert written.status_code == by_the_orm.status_code == 200
    assert written.content == by_the_orm.content
    assert {shown["student_display_name"] for shown in written.json()["results"]} == {
        "STUDENT 0",
        "STUDENT 1",
        "STUDENT 2",
        "STUDENT 3",
        "IRYNA",
    }


@pytest.mark.parametrize(
    ("listed", "valid"),
    [(["display_name"], True), (["no_such_field"], True), ("display_name", False), ([1], False)],
)
def test_listed_fields_must_be_a_list_of_names(listed, valid):
    with override_settings(TUTOR_LESSONS={"USER_LISTED_FIELDS": listed}):
        if valid:
            call_command("check")
        else:
            with pytest.raises(SystemCheckError, match=r"tutor_lessons\.E009"):
                call_command("check")


@override_settings(TUTOR_LESSONS=CAPITALS)
def test_the_written_join_reads_each_participants_own_fields(busy_tutor):
    # The calendar runs it on PostgreSQL; it is written alike on every database.
    sql = selectors._written_people_join(connection.alias, listed_fields())
    lesson_table = connection.ops.quote_name(Lesson._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {lesson_table}.{connection.ops.quote_name('id')}")
        rows = [row[-2:] for row in cursor.fetchall()]

    expected = Lesson.objects.order_by("id").values_list(
        "tutor__display_name", "student__display_name"
    )
    assert rows == list(expected)
    assert len(rows) == 13


def display_name_and_last_sign_in(user) -> str:
    """A hook reading a field the database hands over in its own form (SQLite: text)."""
    return f"{user.display_name} ({user.last_login:%Y-%m-%d})"


def test_a_listed_field_that_needs_converting_is_read_in_the_same_one_query(
    client_for, busy_tutor, soon
):
    busy_tutor.last_login = soon
    busy_tutor.save()
    hook = {
        "USER_DISPLAY_NAME": f"{__name__}.display_name_and_last_sign_in",
        "USER_LISTED_FIELDS": ["display_name", "last_login"],
    }
    get_user_model().objects.filter(last_login=None).update(last_login=soon - timedelta(days=1))

    with override_settings(TUTOR_LESSONS=hook), CaptureQueriesContext(connection) as queries:
        response = calendar(client_for(busy_tutor), soon - timedelta(hours=1), days=3)

    assert len(queries) == 1
    results = response.json()["results"]
    names = {
        shown["tutor_display_name"] for shown in results if shown["tutor"] == json_id(busy_tutor)
    }
    assert names == {f"Iryna ({soon:%Y-%m-%d})"}
    assert len(results) == 13

"""A 409 ``time_conflict`` says who is busy, and shows only the requester's own lesson."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory, json_id
from tests.test_concurrency import _all_at_once, _race, _user
from tests.test_create import create
from tests.test_reschedule_cancel import reschedule
from tutor_lessons import services
from tutor_lessons.models import Lesson

postgresql_only = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="exclusion constraints are PostgreSQL's; on SQLite the check is the only guard",
)


def conflict(response) -> dict:
    assert response.status_code == 409, response.json()
    [error] = response.json()["errors"]
    assert error["code"] == "time_conflict"
    assert error["attr"] is None
    return error


def book(client, student, start, hours: int = 1):
    return create(client, student, start.isoformat(), (start + timedelta(hours=hours)).isoformat())


def lesson_of(tutor, student, start, minutes: int = 60) -> Lesson:
    return LessonFactory(
        tutor=tutor, student=student, start=start, end=start + timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_a_busy_tutor_is_told_it_is_them_and_which_lesson(tutor_client, tutor, student, soon):
    own = lesson_of(tutor, PersonFactory(), soon + timedelta(minutes=30))

    error = conflict(book(tutor_client, student, soon))

    assert error["busy"] == ["tutor"]
    assert error["lesson_id"] == own.pk
    assert error["detail"] == "You already have a lesson at that time."


@pytest.mark.django_db
def test_a_tutor_attending_a_lesson_then_is_busy_too(tutor_client, tutor, student, soon):
    attending = lesson_of(PersonFactory(), tutor, soon)

    error = conflict(book(tutor_client, student, soon))

    assert (error["busy"], error["lesson_id"]) == (["tutor"], attending.pk)


@pytest.mark.django_db
def test_a_busy_student_is_named_but_their_lesson_with_another_tutor_is_not_shown(
    tutor_client, student, soon
):
    # Tutor A books student S while S has a lesson with tutor B.
    lesson_of(PersonFactory(username="tutor-b"), student, soon)

    error = conflict(book(tutor_client, student, soon))

    assert error["busy"] == ["student"]
    assert error["lesson_id"] is None
    assert error["detail"] == "The student already has a lesson at that time."
    assert "tutor-b" not in str(error)


@pytest.mark.django_db
def test_both_busy_shows_only_the_requesters_own_lesson(tutor_client, tutor, student, soon):
    lesson_of(PersonFactory(), student, soon)  # not the requester's
    own = lesson_of(tutor, PersonFactory(), soon + timedelta(minutes=15))

    error = conflict(book(tutor_client, student, soon))

    assert error["busy"] == ["tutor", "student"]
    assert error["lesson_id"] == own.pk
    assert error["detail"] == "You and the student both have a lesson at that time."


@pytest.mark.django_db
def test_both_busy_with_one_lesson_together(tutor_client, tutor, student, soon):
    together = lesson_of(tutor, student, soon)

    error = conflict(book(tutor_client, student, soon + timedelta(minutes=30)))

    assert (error["busy"], error["lesson_id"]) == (["tutor", "student"], together.pk)


@pytest.mark.django_db
def test_a_student_moving_a_lesson_is_told_from_their_side(student_client, lesson, student, soon):
    target = soon + timedelta(hours=4)
    own = lesson_of(PersonFactory(), student, target)

    error = conflict(reschedule(student_client, lesson, target, target + timedelta(hours=1)))

    assert (error["busy"], error["lesson_id"]) == (["student"], own.pk)
    assert error["detail"] == "You already have a lesson at that time."


@pytest.mark.django_db
def test_a_student_moving_onto_the_tutors_other_lesson_does_not_see_it(
    student_client, lesson, tutor, soon
):
    target = soon + timedelta(hours=4)
    lesson_of(tutor, PersonFactory(), target)

    error = conflict(reschedule(student_client, lesson, target, target + timedelta(hours=1)))

    assert (error["busy"], error["lesson_id"]) == (["tutor"], None)
    assert error["detail"] == "The tutor already has a lesson at that time."


def _without_the_check():
    """The services' own overlap check off: only the database's constraint is left."""
    return mock.patch.object(services, "_ensure_free", return_value=None)


@postgresql_only
@pytest.mark.django_db
def test_when_the_constraint_fires_the_clash_is_found_in_the_same_transaction(
    tutor_client, tutor, student, soon
):
    own = lesson_of(tutor, PersonFactory(), soon + timedelta(minutes=30))
    theirs = lesson_of(PersonFactory(), student, soon + timedelta(hours=3))

    with _without_the_check():
        tutor_side = conflict(book(tutor_client, student, soon))
        student_side = conflict(book(tutor_client, student, soon + timedelta(hours=3)))
        # The transaction is still usable after the constraint fired: a free slot books.
        free = book(tutor_client, student, soon + timedelta(hours=6))

    assert (tutor_side["busy"], tutor_side["lesson_id"]) == (["tutor"], own.pk)
    assert tutor_side["detail"] == "You already have a lesson at that time."
    assert (student_side["busy"], student_side["lesson_id"]) == (["student"], None)
    assert theirs.pk != student_side["lesson_id"]
    assert free.status_code == 201
    assert Lesson.objects.count() == 3


@postgresql_only
@pytest.mark.django_db
def test_a_reschedule_the_constraint_refuses_names_the_clash_too(
    student_client, lesson, student, soon
):
    target = soon + timedelta(hours=4)
    own = lesson_of(PersonFactory(), student, target)

    with _without_the_check():
        error = conflict(reschedule(student_client, lesson, target, target + timedelta(hours=1)))

    assert (error["busy"], error["lesson_id"]) == (["student"], own.pk)
    lesson.refresh_from_db()
    assert lesson.start == soon


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_booking_is_one_201_and_one_409_that_names_the_winner(http_server, soon):
    tutor, student = _user("double-tutor"), _user("double-student")
    payload = {
        "student": json_id(student),
        "start": soon.isoformat(),
        "end": (soon + timedelta(hours=1)).isoformat(),
    }

    answers = _race(http_server + reverse("lessons:lesson-create"), tutor, [payload] * 2)

    assert sorted(status for status, _ in answers) == [201, 409], answers
    [(_, won)] = [answer for answer in answers if answer[0] == 201]
    [(_, lost)] = [answer for answer in answers if answer[0] == 409]
    [error] = lost["errors"]
    assert error["code"] == "time_conflict"
    assert (error["busy"], error["lesson_id"]) == (["tutor", "student"], won["id"])
    assert Lesson.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_tutors_racing_for_one_student_the_loser_sees_no_lesson_id(http_server, soon):
    student = _user("raced-student")
    first, second = _user("first-tutor"), _user("second-tutor")
    url = http_server + reverse("lessons:lesson-create")
    window = {"start": soon.isoformat(), "end": (soon + timedelta(hours=1)).isoformat()}
    payload = {"student": json_id(student), **window}

    answers = _all_at_once(("POST", url, first, payload), ("POST", url, second, payload))

    assert sorted(status for status, _ in answers) == [201, 409], answers
    [(_, lost)] = [answer for answer in answers if answer[0] == 409]
    [error] = lost["errors"]
    assert (error["code"], error["busy"], error["lesson_id"]) == (
        "time_conflict",
        ["student"],
        None,
    )
    assert Lesson.objects.count() == 1

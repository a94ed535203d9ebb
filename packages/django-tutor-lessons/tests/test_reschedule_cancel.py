from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import LessonFactory, PersonFactory, json_id
from tests.test_create import error_codes
from tutor_lessons.models import Lesson, LessonStatus


def reschedule(client, lesson, start, end):
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    return client.patch(url, {"start": start.isoformat(), "end": end.isoformat()}, format="json")


def cancel(client, lesson, **payload):
    return client.post(reverse("lessons:lesson-cancel", args=[lesson.pk]), payload, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("mover", ["tutor_client", "student_client"])
def test_either_participant_can_reschedule(request, lesson, soon, mover):
    client = request.getfixturevalue(mover)
    new_start = soon + timedelta(days=1, hours=2)

    response = reschedule(client, lesson, new_start, new_start + timedelta(minutes=45))

    assert response.status_code == 200, response.json()
    lesson.refresh_from_db()
    assert (lesson.start, lesson.end) == (new_start, new_start + timedelta(minutes=45))
    assert response.json()["utc_start"] == new_start.isoformat().replace("+00:00", "Z")


@pytest.mark.django_db
def test_reschedule_shows_local_times_in_the_requesters_own_zone(
    tutor_client, student_client, lesson, soon
):
    new_start = soon + timedelta(hours=5)
    as_tutor = reschedule(tutor_client, lesson, new_start, new_start + timedelta(hours=1)).json()
    as_student = cancel(student_client, lesson).json()
    assert as_tutor["timezone"] == "Europe/Kyiv"
    assert as_student["timezone"] == "America/New_York"
    assert as_tutor["utc_start"] == as_student["utc_start"]
    assert as_tutor["user_local_start"] != as_student["user_local_start"]


@pytest.mark.django_db
def test_a_lesson_can_move_onto_part_of_its_own_slot(tutor_client, lesson):
    response = reschedule(
        tutor_client,
        lesson,
        lesson.start + timedelta(minutes=30),
        lesson.end + timedelta(minutes=30),
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_reschedule_into_another_lesson_is_a_conflict(tutor_client, tutor, lesson):
    other = LessonFactory(
        tutor=tutor, start=lesson.end + timedelta(hours=1), end=lesson.end + timedelta(hours=2)
    )
    response = reschedule(tutor_client, lesson, other.start, other.end)
    assert response.status_code == 409
    assert error_codes(response) == [("time_conflict", None)]
    lesson.refresh_from_db()
    assert lesson.end < other.start


@pytest.mark.django_db
def test_someone_elses_lesson_is_not_found(client_for, lesson):
    outsider = client_for(PersonFactory())
    for response in (
        reschedule(
            outsider, lesson, lesson.start + timedelta(hours=2), lesson.end + timedelta(hours=2)
        ),
        cancel(outsider, lesson),
    ):
        assert response.status_code == 404
        assert error_codes(response) == [("not_found", None)]
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED


@pytest.mark.django_db
def test_a_missing_lesson_is_not_found(tutor_client):
    response = tutor_client.post(reverse("lessons:lesson-cancel", args=[424242]))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("status", [LessonStatus.CANCELLED, LessonStatus.COMPLETED])
def test_only_a_scheduled_lesson_can_change(tutor_client, lesson, status):
    Lesson.objects.filter(pk=lesson.pk).update(status=status)
    moved = reschedule(
        tutor_client, lesson, lesson.start + timedelta(hours=2), lesson.end + timedelta(hours=2)
    )
    cancelled = cancel(tutor_client, lesson)
    for response in (moved, cancelled):
        assert response.status_code == 409
        assert error_codes(response) == [("lesson_not_scheduled", None)]


@pytest.mark.django_db
def test_a_started_lesson_is_expired(tutor_client, tutor, student):
    now = timezone.now()
    started = LessonFactory(
        tutor=tutor,
        student=student,
        start=now - timedelta(minutes=5),
        end=now + timedelta(minutes=55),
    )
    moved = reschedule(
        tutor_client, started, now + timedelta(days=1), now + timedelta(days=1, hours=1)
    )
    cancelled = cancel(tutor_client, started, reason="late")
    for response in (moved, cancelled):
        assert response.status_code == 409
        assert error_codes(response) == [("lesson_expired", None)]
    started.refresh_from_db()
    assert started.status == LessonStatus.SCHEDULED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("shift", "length", "code"),
    [
        (timedelta(hours=2), timedelta(minutes=10), "duration_too_short"),
        (timedelta(hours=2), timedelta(hours=9), "duration_too_long"),
        (timedelta(hours=2), -timedelta(minutes=30), "end_before_start"),
        (-timedelta(days=4), timedelta(hours=1), "start_in_past"),
    ],
)
def test_reschedule_enforces_the_time_rules(tutor_client, lesson, shift, length, code):
    start = lesson.start + shift
    response = reschedule(tutor_client, lesson, start, start + length)
    assert response.status_code == 400
    assert error_codes(response)[0][0] == code


@pytest.mark.django_db
def test_a_drag_sends_only_the_start_and_keeps_the_length(tutor_client, lesson):
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    new_start = lesson.start + timedelta(hours=3)

    response = tutor_client.patch(url, {"start": new_start.isoformat()}, format="json")

    assert response.status_code == 200, response.json()
    lesson.refresh_from_db()
    assert (lesson.start, lesson.end) == (new_start, new_start + timedelta(hours=1))


@pytest.mark.django_db
def test_a_resize_sends_only_the_end(tutor_client, lesson):
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    new_end = lesson.start + timedelta(minutes=30)
    original_start = lesson.start

    response = tutor_client.patch(url, {"end": new_end.isoformat()}, format="json")

    assert response.status_code == 200, response.json()
    lesson.refresh_from_db()
    assert (lesson.start, lesson.end) == (original_start, new_end)


@pytest.mark.django_db
def test_a_resize_still_follows_the_duration_rules(tutor_client, lesson):
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    too_short = lesson.start + timedelta(minutes=5)
    response = tutor_client.patch(url, {"end": too_short.isoformat()}, format="json")
    assert response.status_code == 400
    assert error_codes(response) == [("duration_too_short", "end")]


@pytest.mark.django_db
def test_reschedule_needs_start_or_end(tutor_client, lesson):
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    response = tutor_client.patch(url, {}, format="json")
    assert response.status_code == 400
    assert error_codes(response) == [("empty", "non_field_errors")]


@pytest.mark.django_db
def test_cancel_records_who_cancelled_and_why(student_client, student, lesson):
    response = cancel(student_client, lesson, reason="Feeling ill")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["cancelled_by"] == json_id(student)
    assert body["cancellation_reason"] == "Feeling ill"
    assert body["cancelled_at"].endswith("Z")
    lesson.refresh_from_db()
    assert (lesson.status, lesson.cancelled_by, lesson.cancellation_reason) == (
        LessonStatus.CANCELLED,
        student,
        "Feeling ill",
    )


@pytest.mark.django_db
def test_cancel_without_a_reason(tutor_client, lesson):
    response = tutor_client.post(reverse("lessons:lesson-cancel", args=[lesson.pk]))
    assert response.status_code == 200
    assert response.json()["cancellation_reason"] == ""


@pytest.mark.django_db
def test_cancel_refuses_an_overlong_reason(tutor_client, lesson):
    response = cancel(tutor_client, lesson, reason="x" * 501)
    assert response.status_code == 400
    assert error_codes(response) == [("max_length", "reason")]
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED

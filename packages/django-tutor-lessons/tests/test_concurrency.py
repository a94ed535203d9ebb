"""Races through real HTTP: a live server, one thread and one connection per request."""

from __future__ import annotations

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory, json_id
from tutor_lessons.models import Lesson, LessonStatus

PASSWORD = "race-pass-123"


def _user(username: str, zone: str = "UTC"):
    user = PersonFactory(username=username, timezone=zone)
    user.set_password(PASSWORD)
    user.save()
    return user


def _send(method: str, url: str, user, payload: dict | None) -> tuple[int, dict]:
    credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    request = Request(
        url,
        data=json.dumps(payload or {}).encode(),
        headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, json.loads(error.read())


def _all_at_once(*requests: tuple[str, str, object, dict]) -> list[tuple[int, dict]]:
    """Send ``(method, url, user, payload)`` requests together; answers in the same order."""
    barrier = threading.Barrier(len(requests))

    def go(request: tuple[str, str, object, dict]) -> tuple[int, dict]:
        barrier.wait(timeout=30)
        return _send(*request)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(go, requests))


def _race(url: str, user, payloads: list[dict | None]) -> list[tuple[int, dict]]:
    """Send every payload at once (a barrier releases them together); return the answers."""
    credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    barrier = threading.Barrier(len(payloads))

    def send(payload: dict | None) -> tuple[int, dict]:
        request = Request(
            url,
            data=json.dumps(payload or {}).encode(),
            headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait(timeout=30)
        try:
            with urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(send, payloads))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_30_concurrent_bookings_of_one_slot_make_exactly_one_lesson(http_server, soon):
    tutor, student = _user("racing-tutor", "Europe/Kyiv"), _user("racing-student")
    payload = {
        "student": json_id(student),
        "start": soon.isoformat(),
        "end": (soon + timedelta(hours=1)).isoformat(),
    }

    answers = _race(http_server + reverse("lessons:lesson-create"), tutor, [payload] * 30)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 29, answers
    assert {body["errors"][0]["code"] for status, body in answers if status == 409} == {
        "time_conflict"
    }
    assert Lesson.objects.count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_overlapping_slots_by_different_tutors_for_one_student(
    http_server, soon
):
    student = _user("busy-student")
    tutors = [_user(f"tutor-{i}") for i in range(10)]
    url = http_server + reverse("lessons:lesson-create")
    payloads = [
        {
            "student": json_id(student),
            "start": (soon + timedelta(minutes=5 * i)).isoformat(),
            "end": (soon + timedelta(minutes=5 * i + 60)).isoformat(),
        }
        for i in range(10)
    ]
    barrier = threading.Barrier(10)

    def book(i: int) -> int:
        barrier.wait(timeout=30)
        return _race(url, tutors[i], [payloads[i]])[0][0]

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(book, range(10)))

    assert statuses == [201] + [409] * 9
    assert Lesson.objects.filter(student=student).count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_cancel_once(http_server, soon):
    tutor, student = _user("cancel-tutor"), _user("cancel-student")
    lesson = LessonFactory(tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1))

    answers = _race(
        http_server + reverse("lessons:lesson-cancel", args=[lesson.pk]),
        tutor,
        [{"reason": f"attempt {i}"} for i in range(10)],
    )

    assert sorted(status for status, _ in answers) == [200] + [409] * 9
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.CANCELLED


@pytest.mark.django_db
def test_the_database_itself_refuses_double_booking_on_postgresql(soon):
    """Below the services: a raw insert of an overlapping lesson hits the constraint."""
    tutor = PersonFactory()
    LessonFactory(tutor=tutor, start=soon, end=soon + timedelta(hours=1))
    overlapping = {
        "tutor": tutor,
        "start": soon + timedelta(minutes=30),
        "end": soon + timedelta(minutes=90),
    }
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError, match="tutor_lessons_tutor_no_overlap"),
            transaction.atomic(),
        ):
            LessonFactory(**overlapping)
        assert Lesson.objects.count() == 1
    else:
        # SQLite has no exclusion constraints: the services' check is the only guard.
        LessonFactory(**overlapping)
        assert Lesson.objects.count() == 2


ROUNDS = 8


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_user_cannot_tutor_and_attend_at_once_even_when_both_are_booked_together(
    http_server, soon
):
    """Teaching one lesson while attending another: no constraint covers the mix of roles.

    Only the service's check, made race-free by the per-user locks, keeps the two apart.
    """
    both_roles = _user("teacher-and-learner")
    pupil, other_tutor = _user("pupil"), _user("other-tutor")
    url = http_server + reverse("lessons:lesson-create")

    outcomes = []
    for round_ in range(ROUNDS):
        start = soon + timedelta(hours=2 * round_)
        window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        teaching = ("POST", url, both_roles, {"student": json_id(pupil), **window})
        attending = ("POST", url, other_tutor, {"student": json_id(both_roles), **window})
        outcomes.append(sorted(status for status, _ in _all_at_once(teaching, attending)))

    assert outcomes == [[201, 409]] * ROUNDS
    lessons = Lesson.objects.filter(status=LessonStatus.SCHEDULED)
    for lesson in lessons.filter(tutor=both_roles):
        assert not lessons.filter(
            student=both_roles, start__lt=lesson.end, end__gt=lesson.start
        ).exists()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_reschedule_and_a_booking_racing_into_one_slot_leave_one_lesson_there(http_server, soon):
    tutor, student, rival = _user("move-tutor"), _user("move-student"), _user("rival-tutor")
    create_url = http_server + reverse("lessons:lesson-create")

    outcomes = []
    for round_ in range(ROUNDS):
        base = soon + timedelta(hours=4 * round_)
        lesson = LessonFactory(
            tutor=tutor, student=student, start=base, end=base + timedelta(hours=1)
        )
        target = base + timedelta(hours=2)
        window = {"start": target.isoformat(), "end": (target + timedelta(hours=1)).isoformat()}
        move = (
            "PATCH",
            http_server + reverse("lessons:lesson-reschedule", args=[lesson.pk]),
            tutor,
            window,
        )
        book = ("POST", create_url, rival, {"student": json_id(student), **window})
        answers = _all_at_once(move, book)
        outcomes.append(sorted(status for status, _ in answers))
        assert {body["errors"][0]["code"] for status, body in answers if status == 409} == {
            "time_conflict"
        }
        occupying = Lesson.objects.filter(
            student=student,
            status=LessonStatus.SCHEDULED,
            start__lt=target + timedelta(hours=1),
            end__gt=target,
        )
        assert occupying.count() == 1

    assert outcomes == [[200, 409] if 200 in o else [201, 409] for o in outcomes]

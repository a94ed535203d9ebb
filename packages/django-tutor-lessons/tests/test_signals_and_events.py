import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from tests.factories import PersonFactory, json_id
from tutor_lessons import services
from tutor_lessons.models import Lesson
from tutor_lessons.signals import lesson_cancelled, lesson_rescheduled, lesson_scheduled


@pytest.fixture
def received():
    calls = []

    def receiver(signal, sender, **kwargs):
        calls.append((signal, sender, kwargs))

    for signal in (lesson_scheduled, lesson_rescheduled, lesson_cancelled):
        signal.connect(receiver, weak=False)
    yield calls
    for signal in (lesson_scheduled, lesson_rescheduled, lesson_cancelled):
        signal.disconnect(receiver)


@pytest.mark.django_db
def test_each_change_sends_its_signal_after_commit(
    tutor, student, soon, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        lesson = services.lesson_create(
            actor=tutor, student=student, start=soon, end=soon + timedelta(hours=1)
        )
    assert received == []  # nothing is sent before the transaction commits
    for callback in pending:
        callback()
    assert [(s, kw["lesson"].pk, kw["actor"]) for s, _, kw in received] == [
        (lesson_scheduled, lesson.pk, tutor)
    ]

    received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_reschedule(
            lesson=lesson,
            actor=student,
            start=soon + timedelta(hours=2),
            end=soon + timedelta(hours=3),
        )
        services.lesson_cancel(lesson=lesson, actor=student, reason="ill")
    (moved, _, moved_kwargs), (cancelled, sender, cancelled_kwargs) = received
    assert (moved, cancelled, sender) == (lesson_rescheduled, lesson_cancelled, Lesson)
    assert moved_kwargs["previous_start"] == soon
    assert moved_kwargs["previous_end"] == soon + timedelta(hours=1)
    assert cancelled_kwargs["lesson"].cancellation_reason == "ill"
    assert cancelled_kwargs["actor"] == student


@pytest.mark.django_db
def test_no_signal_when_the_transaction_rolls_back(
    tutor, student, soon, received, django_capture_on_commit_callbacks
):
    def book_then_fail() -> None:
        with transaction.atomic():
            services.lesson_create(
                actor=tutor, student=student, start=soon, end=soon + timedelta(hours=1)
            )
            raise RuntimeError("the host's surrounding transaction fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        book_then_fail()
    assert received == []
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_no_signal_and_no_row_for_a_refused_booking(tutor_client, tutor, student, soon, received):
    services.lesson_create(
        actor=PersonFactory(), student=student, start=soon, end=soon + timedelta(hours=1)
    )
    received.clear()
    response = tutor_client.post(
        reverse("lessons:lesson-create"),
        {
            "student": json_id(student),
            "start": soon.isoformat(),
            "end": (soon + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert received == []


@pytest.mark.django_db
def test_each_change_logs_one_domain_event_with_ids(
    tutor, student, soon, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="tutor_lessons")
    with django_capture_on_commit_callbacks(execute=True):
        lesson = services.lesson_create(
            actor=tutor, student=student, start=soon, end=soon + timedelta(hours=1)
        )
        services.lesson_cancel(lesson=lesson, actor=tutor)

    events = [
        (r.event, r.lesson_id, r.tutor_id, r.student_id, r.actor_id)
        for r in caplog.records
        if r.name == "tutor_lessons"
    ]
    assert events == [
        ("lesson_scheduled", lesson.pk, tutor.pk, student.pk, tutor.pk),
        ("lesson_cancelled", lesson.pk, tutor.pk, student.pk, tutor.pk),
    ]

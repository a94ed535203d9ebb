"""Input hazards, robust signals, the error registry and other host-facing guarantees."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory, json_id
from tests.test_create import URL, create, error_codes
from tutor_lessons.checks import sqlite_transaction_warnings
from tutor_lessons.errors import BUSY_DETAILS, CODES
from tutor_lessons.models import Lesson, LessonStatus
from tutor_lessons.signals import lesson_cancelled, lesson_rescheduled, lesson_scheduled

DEEPLY_NESTED = "[" * 100_000 + "]" * 100_000


def _wrongly_typed_ids(user) -> list:
    """Values that loose conversion would turn into ``user``'s id."""
    key = user.pk
    if isinstance(key, int):
        return [key + 0.5, float(key), f"{key}.5", f" {key}", [key], {"id": key}, True]
    return [key.int, float(key.int), [str(key)], {"id": str(key)}, True, "not-a-uuid"]


@pytest.mark.django_db
def test_a_user_id_of_the_wrong_type_is_a_400_and_books_nothing(tutor_client, soon):
    # The user a truncated or coerced id would name exists, so a loose parse would book.
    student = PersonFactory()
    for student_id in _wrongly_typed_ids(student):
        payload = {
            "student": student_id,
            "start": soon.isoformat(),
            "end": (soon + timedelta(hours=1)).isoformat(),
        }
        response = tutor_client.post(URL, payload, format="json")

        assert response.status_code == 400, (student_id, response.json())
        assert error_codes(response) == [("incorrect_type", "student")], student_id
    assert not Lesson.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("student_id", [10**30, -(10**30), 2**63])
def test_a_huge_user_id_is_a_400(tutor_client, soon, student_id):
    payload = {
        "student": student_id,
        "start": soon.isoformat(),
        "end": (soon + timedelta(hours=1)).isoformat(),
    }
    response = tutor_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert error_codes(response)[0][1] == "student"


@pytest.mark.django_db
def test_a_user_id_may_be_sent_as_text_from_a_form(tutor_client, student, soon):
    response = tutor_client.post(
        URL,
        {
            "student": str(json_id(student)),
            "start": soon.isoformat(),
            "end": (soon + timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["create", "reschedule", "cancel"])
def test_deeply_nested_json_is_a_400_parse_error(tutor_client, lesson, endpoint):
    url = {
        "create": URL,
        "reschedule": reverse("lessons:lesson-reschedule", args=[lesson.pk]),
        "cancel": reverse("lessons:lesson-cancel", args=[lesson.pk]),
    }[endpoint]
    method = tutor_client.patch if endpoint == "reschedule" else tutor_client.post

    response = method(url, DEEPLY_NESTED, content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == [("parse_error", None)]
    assert response.json()["errors"][0]["detail"] == CODES["parse_error"].detail()
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED


@pytest.fixture
def failing_receivers():
    def explode(sender, lesson, **kwargs):
        raise RuntimeError(f"receiver broke on lesson {lesson.pk}")

    signals = (lesson_scheduled, lesson_rescheduled, lesson_cancelled)
    for signal in signals:
        signal.connect(explode, weak=False, dispatch_uid="test-explode")
    yield
    for signal in signals:
        signal.disconnect(dispatch_uid="test-explode")


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_raises_never_changes_the_response_of_a_committed_write(
    tutor_client, student, soon, failing_receivers, caplog
):
    # transaction=True: each service's atomic block really commits, so the on_commit
    # callbacks run inside the request, as in production.
    caplog.set_level(logging.INFO, logger="tutor_lessons")
    created = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    assert created.status_code == 201
    lesson_id = created.json()["id"]
    moved = tutor_client.patch(
        reverse("lessons:lesson-reschedule", args=[lesson_id]),
        {"start": (soon + timedelta(hours=2)).isoformat()},
        format="json",
    )
    cancelled = tutor_client.post(
        reverse("lessons:lesson-cancel", args=[lesson_id]), {"reason": "ill"}, format="json"
    )

    assert (moved.status_code, cancelled.status_code) == (200, 200)
    assert Lesson.objects.get(pk=lesson_id).status == LessonStatus.CANCELLED
    failures = [
        (record.levelno, record.signal, record.lesson_id, str(record.exc_info[1]))
        for record in caplog.records
        if getattr(record, "event", None) == "signal_receiver_failed"
    ]
    assert failures == [
        (logging.ERROR, event, lesson_id, f"receiver broke on lesson {lesson_id}")
        for event in ("lesson_scheduled", "lesson_rescheduled", "lesson_cancelled")
    ]
    # The domain events are still logged, once each.
    events = [getattr(r, "event", None) for r in caplog.records if r.levelno == logging.INFO]
    assert events.count("lesson_scheduled") == 1


@pytest.mark.django_db
def test_the_404_detail_is_the_documented_one(client_for, outsider, lesson):
    response = client_for(outsider).post(
        reverse("lessons:lesson-cancel", args=[lesson.pk]), {}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"code": "not_found", "detail": CODES["not_found"].detail(), "attr": None}
    ]


@pytest.mark.django_db
def test_refusals_carry_the_registry_status_code_and_detail(tutor_client, student, soon):
    LessonFactory(tutor=student, start=soon, end=soon + timedelta(hours=1))
    conflict = create(
        tutor_client, student, soon.isoformat(), (soon + timedelta(hours=1)).isoformat()
    )
    too_short = create(
        tutor_client,
        student,
        (soon + timedelta(hours=3)).isoformat(),
        (soon + timedelta(hours=3, minutes=5)).isoformat(),
    )

    spec = CODES["time_conflict"]
    assert conflict.status_code == spec.status
    # The student is busy: the detail says so from the tutor's side (issue 17), and the
    # error names who is busy; the student's lesson is not the tutor's to see.
    assert conflict.json()["errors"] == [
        {
            "code": "time_conflict",
            "detail": str(BUSY_DETAILS[("tutor", ("student",))]),
            "attr": None,
            "busy": ["student"],
            "lesson_id": None,
        }
    ]
    assert too_short.json()["errors"] == [
        {
            "code": "duration_too_short",
            "detail": "A lesson lasts at least 15 minutes.",
            "attr": "end",
        }
    ]


@pytest.mark.django_db
def test_messages_quote_the_settings_they_enforce(tutor_client, student, soon):
    with override_settings(TUTOR_LESSONS={"MIN_DURATION": timedelta(minutes=30)}):
        response = create(
            tutor_client,
            student,
            soon.isoformat(),
            (soon + timedelta(minutes=20)).isoformat(),
        )
    assert response.json()["errors"][0]["detail"] == "A lesson lasts at least 30 minutes."


def test_every_registry_entry_renders_and_the_docs_table_lists_it():
    table = __import__("tutor_lessons.errors", fromlist=["table"]).table()
    for code, spec in CODES.items():
        assert spec.example_detail()
        assert f"| `{code}` | {spec.status} |" in table


@pytest.mark.parametrize(
    ("options", "warned"),
    [
        ({"transaction_mode": "IMMEDIATE"}, False),
        ({"transaction_mode": "immediate", "timeout": 20}, False),
        ({}, True),
        ({"transaction_mode": "DEFERRED"}, True),
    ],
)
def test_sqlite_without_immediate_transactions_warns(options, warned):
    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "OPTIONS": options}
    }
    ids = [warning.id for warning in sqlite_transaction_warnings(databases)]
    assert ids == (["tutor_lessons.W002"] if warned else [])


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["lessons:lesson-reschedule", "lessons:lesson-cancel"])
def test_a_lesson_id_beyond_any_column_is_a_404(tutor_client, endpoint):
    url = reverse(endpoint, args=[10**30])
    method = tutor_client.patch if endpoint.endswith("reschedule") else tutor_client.post

    response = method(url, {"start": "2030-01-01T10:00:00Z"}, format="json")

    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]

"""A write waits at most ``LOCK_TIMEOUT`` for another one's lock, then answers 503.

Real concurrency against PostgreSQL: a booking in another thread, on its own connection,
stops in the middle of its transaction with the participants' advisory locks held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.test import override_settings
from django.urls import reverse

from tests.factories import LessonFactory, PersonFactory, json_id
from tutor_lessons import services
from tutor_lessons.exceptions import BookingBusy, TimeConflict
from tutor_lessons.models import Lesson, LessonStatus

postgresql_only = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="lock_timeout and advisory locks are PostgreSQL's; SQLite serialises writers",
)

TIMEOUT = timedelta(milliseconds=200)
# The same settings for the request and the thread holding the locks (they are global).
SHORT_WAIT = {"LOCK_TIMEOUT": TIMEOUT, "WRITE_THROTTLE_RATE": None}
# How long the holder keeps its transaction open at most, should the test fail first.
HOLD_AT_MOST = 5


@pytest.fixture
def busy_client_for(client_for):
    """``client_for``, answering a 5xx as the response it is.

    drf-standardized-errors reports every 5xx through ``got_request_exception`` (as
    Django does an unhandled error, for error trackers); the test client would re-raise.
    """

    def make(user):
        client = client_for(user)
        client.raise_request_exception = False
        return client

    return make


def _show_lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


def _window(start) -> dict:
    return {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


class _Holder(threading.Thread):
    """Runs ``work`` on its own connection; ``work`` calls ``hold()`` to pause in place."""

    def __init__(self, work) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.holding = threading.Event()
        self.release = threading.Event()
        self.result = None
        self.error: BaseException | None = None

    def hold(self) -> None:
        if threading.current_thread() is self:
            self.holding.set()
            self.release.wait(HOLD_AT_MOST)

    def run(self) -> None:
        try:
            self.result = self.work(self)
        except BaseException as error:  # reported by the test that joins
            self.error = error
        finally:
            connections.close_all()


@contextmanager
def _held(work) -> Iterator[_Holder]:
    holder = _Holder(work)
    holder.start()
    try:
        assert holder.holding.wait(HOLD_AT_MOST), holder.error
        yield holder
    finally:
        holder.release.set()
        holder.join(HOLD_AT_MOST + 5)


@contextmanager
def _booking_held_open(tutor, student, start) -> Iterator[_Holder]:
    """A real booking of ``tutor`` with ``student``, stopped after its locks and check."""
    real_ensure_free = services._ensure_free

    def holder_pauses_after_the_check(holder):
        def ensure_free(**kwargs):
            real_ensure_free(**kwargs)
            holder.hold()

        with mock.patch.object(services, "_ensure_free", ensure_free):
            return services.lesson_create(
                actor=tutor, student=student, start=start, end=start + timedelta(hours=1)
            )

    with _held(holder_pauses_after_the_check) as holder:
        yield holder


@postgresql_only
@pytest.mark.django_db(transaction=True)
@override_settings(TUTOR_LESSONS=SHORT_WAIT)
def test_a_booking_behind_a_held_booking_answers_503_busy_in_time_and_writes_nothing(
    busy_client_for, soon
):
    tutor, student = PersonFactory(), PersonFactory()
    client = busy_client_for(tutor)
    url = reverse("lessons:lesson-create")
    later = {"student": json_id(student), **_window(soon + timedelta(hours=3))}
    before = _show_lock_timeout()

    with _booking_held_open(tutor, student, soon) as holder:
        started = time.monotonic()
        busy = client.post(url, later, format="json")
        waited = time.monotonic() - started
        assert Lesson.objects.count() == 0, "neither booking is written yet"

    assert busy.status_code == 503, busy.content
    assert busy.json() == {
        "type": "server_error",
        "errors": [{"code": "booking_busy", "detail": str(BookingBusy()), "attr": None}],
    }
    assert busy["Retry-After"] == "2"
    assert TIMEOUT.total_seconds() <= waited < TIMEOUT.total_seconds() + 0.5, waited
    assert _show_lock_timeout() == before, "the aborted transaction's SET LOCAL is gone"
    assert holder.error is None
    assert list(Lesson.objects.values_list("pk", flat=True)) == [holder.result.pk]

    # Once the holder has committed, the same request goes through.
    assert client.post(url, later, format="json").status_code == 201
    assert Lesson.objects.filter(tutor=tutor, status=LessonStatus.SCHEDULED).count() == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
@override_settings(TUTOR_LESSONS=SHORT_WAIT)
def test_a_reschedule_behind_a_held_booking_of_a_participant_answers_503(busy_client_for, soon):
    tutor, student = PersonFactory(), PersonFactory()
    lesson = LessonFactory(tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1))
    url = reverse("lessons:lesson-reschedule", args=[lesson.pk])
    other_student = PersonFactory()

    with _booking_held_open(tutor, other_student, soon + timedelta(hours=5)):
        busy = busy_client_for(student).patch(
            url, _window(soon + timedelta(hours=2)), format="json"
        )

    assert busy.status_code == 503, busy.content
    assert busy["Retry-After"] == "2"
    lesson.refresh_from_db()
    assert lesson.start == soon


@postgresql_only
@pytest.mark.django_db(transaction=True)
@override_settings(TUTOR_LESSONS=SHORT_WAIT)
def test_a_cancel_behind_a_held_lock_of_its_lesson_answers_503_and_keeps_it(busy_client_for, soon):
    """Cancelling takes no advisory lock, but waits for the lesson's row: bounded too."""
    lesson = LessonFactory(start=soon, end=soon + timedelta(hours=1))

    def lock_the_lesson_row(holder):
        with transaction.atomic():
            Lesson.objects.select_for_update().get(pk=lesson.pk)
            holder.hold()

    url = reverse("lessons:lesson-cancel", args=[lesson.pk])
    with _held(lock_the_lesson_row):
        busy = busy_client_for(lesson.tutor).post(url, {"reason": "ill"}, format="json")

    assert busy.status_code == 503, busy.content
    assert busy.json()["errors"][0]["code"] == "booking_busy"
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED
    assert busy_client_for(lesson.tutor).post(url, {}, format="json").status_code == 200


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_lock_timeout_none_waits_as_the_database_says(busy_client_for, soon):
    tutor, student = PersonFactory(), PersonFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '150ms'")
    try:
        with (
            override_settings(TUTOR_LESSONS={**SHORT_WAIT, "LOCK_TIMEOUT": None}),
            _booking_held_open(tutor, student, soon),
        ):
            busy = busy_client_for(tutor).post(
                reverse("lessons:lesson-create"),
                {"student": json_id(student), **_window(soon + timedelta(hours=3))},
                format="json",
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    # The session's own 150 ms applied, and its timeout is the same 503.
    assert busy.status_code == 503, busy.content


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_booking_leaves_the_connections_lock_timeout_as_it_was(tutor, student, soon):
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '7s'")
    try:
        services.lesson_create(
            actor=tutor, student=student, start=soon, end=soon + timedelta(hours=1)
        )
        assert _show_lock_timeout() == "7s"

        # Inside a caller's transaction (ATOMIC_REQUESTS, say) the booking is a savepoint,
        # whose SET LOCAL would last until the caller's commit: it is set back.
        with transaction.atomic():
            later = soon + timedelta(hours=2)
            services.lesson_create(
                actor=tutor, student=student, start=later, end=later + timedelta(hours=1)
            )
            assert _show_lock_timeout() == "7s"
            # And a refused write (a rollback to its savepoint) leaves it as it was too.
            with pytest.raises(TimeConflict):
                services.lesson_create(
                    actor=tutor, student=student, start=later, end=later + timedelta(hours=1)
                )
            assert _show_lock_timeout() == "7s"
        assert _show_lock_timeout() == "7s"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_during_a_booking_lock_waits_are_bounded_by_the_setting(tutor, student, soon):
    seen = []
    real_lock_participants = services._lock_participants

    def lock_participants(*user_ids):
        seen.append(_show_lock_timeout())
        real_lock_participants(*user_ids)

    with (
        override_settings(TUTOR_LESSONS={"LOCK_TIMEOUT": timedelta(seconds=1.5)}),
        mock.patch.object(services, "_lock_participants", lock_participants),
    ):
        services.lesson_create(
            actor=tutor, student=student, start=soon, end=soon + timedelta(hours=1)
        )

    assert seen == ["1500ms"]


class _DriverError(Exception):
    def __init__(self, **attributes) -> None:
        super().__init__("driver error")
        self.__dict__.update(attributes)


@pytest.mark.parametrize(
    ("cause", "busy"),
    [
        (_DriverError(sqlstate="55P03"), True),  # psycopg 3's LockNotAvailable
        (_DriverError(pgcode="55P03"), True),  # psycopg2's
        (_DriverError(sqlstate="57014"), False),  # a statement timeout is not this
        (None, False),
    ],
)
def test_only_a_lock_wait_timeout_is_busy(cause, busy):
    error = OperationalError("lock")
    error.__cause__ = cause
    assert services._is_lock_timeout(error) is busy


@pytest.mark.parametrize(
    ("timeout", "setting"),
    [
        (timedelta(seconds=5), "5000ms"),
        (timedelta(milliseconds=1.2), "2ms"),  # whole milliseconds, rounded up
        (timedelta(0), "1ms"),  # never PostgreSQL's 0, which is no limit at all
        (None, None),  # the database's own lock_timeout
    ],
)
def test_lock_timeout_is_given_to_postgresql_in_whole_milliseconds(timeout, setting):
    with override_settings(TUTOR_LESSONS={"LOCK_TIMEOUT": timeout}):
        assert services._lock_timeout_setting() == setting


@pytest.mark.django_db
def test_a_lock_wait_timeout_rolls_the_whole_write_back_as_busy(tutor, student, soon):
    timed_out = OperationalError("canceling statement due to lock timeout")
    timed_out.__cause__ = _DriverError(sqlstate="55P03")

    def write_then_time_out():
        with services._write_transaction():
            LessonFactory(tutor=tutor, student=student, start=soon, end=soon + timedelta(hours=1))
            raise timed_out

    with pytest.raises(BookingBusy) as raised:
        write_then_time_out()

    assert raised.value.__cause__ is timed_out
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_another_operational_error_is_not_turned_into_busy():
    with pytest.raises(OperationalError), services._write_transaction():
        raise OperationalError("the server closed the connection")

"""Writes: scheduling, rescheduling, cancelling and completing lessons.

Each service runs in one transaction. Overlaps are checked here on every database. On
PostgreSQL, per-user advisory locks make that check race-free and the exclusion
constraints hold the rule in the database itself; a violation of either raises the
same ``TimeConflict`` (409). A lock held elsewhere is waited for at most
``LOCK_TIMEOUT``, then the write is rolled back as ``BookingBusy`` (503). Signals and
the domain-event log lines are emitted only after the transaction commits.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from tutor_core.signals import Announcer
from tutor_lessons.conf import lessons_settings
from tutor_lessons.exceptions import (
    BookingBusy,
    InvalidLesson,
    LessonExpired,
    LessonNotScheduled,
    SchedulingNotAllowed,
    TimeConflict,
)
from tutor_lessons.models import STUDENT_NO_OVERLAP, TUTOR_NO_OVERLAP, Lesson, LessonStatus
from tutor_lessons.signals import lesson_cancelled, lesson_rescheduled, lesson_scheduled

logger = logging.getLogger("tutor_lessons")

_OVERLAP_CONSTRAINTS = frozenset({TUTOR_NO_OVERLAP, STUDENT_NO_OVERLAP})


def _validate_times(*, start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise InvalidLesson("end_before_start")
    duration = end - start
    if duration < lessons_settings.MIN_DURATION:
        raise InvalidLesson("duration_too_short")
    if duration > lessons_settings.MAX_DURATION:
        raise InvalidLesson("duration_too_long")
    if start <= now:
        raise InvalidLesson("start_in_past")
    if start > now + lessons_settings.BOOKING_HORIZON:
        raise InvalidLesson("start_too_far_ahead")


# SQLSTATE lock_not_available: a lock wait ran past lock_timeout (psycopg's
# LockNotAvailable; psycopg2 names it in ``pgcode``).
_LOCK_NOT_AVAILABLE = "55P03"


def _lock_timeout_setting() -> str | None:
    """``LOCK_TIMEOUT`` as PostgreSQL's ``lock_timeout`` reads it; None leaves that alone."""
    timeout = lessons_settings.LOCK_TIMEOUT
    if timeout is None:
        return None
    # Whole milliseconds, and 0 would mean "no limit": round up, to 1 ms at least.
    return f"{max(1, math.ceil(timeout / timedelta(milliseconds=1)))}ms"


def _set_lock_timeout(value: str) -> str:
    """``SET LOCAL lock_timeout`` (as ``set_config(..., true)``); return the value before."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [value],
        )
        return cursor.fetchone()[0]


def _is_lock_timeout(error: OperationalError) -> bool:
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code == _LOCK_NOT_AVAILABLE


@contextmanager
def _write_transaction() -> Iterator[None]:
    """The transaction of one write, its lock waits bounded by ``LOCK_TIMEOUT``.

    On PostgreSQL ``lock_timeout`` is set first thing inside the transaction, ``LOCAL``
    to it: it ends with the transaction, and a rollback, to a savepoint too, undoes it.
    When this transaction is a savepoint in a caller's (``ATOMIC_REQUESTS``, say) the
    value would outlive it until the caller's commit, so a success sets the previous one
    back. A wait that times out aborts the transaction; it is rolled back whole
    (nothing of the write is kept) before ``BookingBusy`` is raised.
    """
    # Only a savepoint in a caller's transaction needs the old value back (one more
    # round trip); the commit of an outermost transaction ends the LOCAL setting itself.
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            timeout = _lock_timeout_setting() if connection.vendor == "postgresql" else None
            previous = None if timeout is None else _set_lock_timeout(timeout)
            yield
            if previous is not None and nested:
                _set_lock_timeout(previous)
    except OperationalError as error:
        if _is_lock_timeout(error):
            raise BookingBusy() from error
        raise


# First key of the two-key PostgreSQL advisory locks this package takes ("tutr").
_ADVISORY_LOCK_NAMESPACE = 0x74757472


def _lock_participants(*user_ids: Any) -> None:
    """Serialise scheduling per user until the transaction ends (PostgreSQL only).

    The exclusion constraints cover a tutor against their own lessons and a student
    against theirs; a user who teaches one lesson and attends another is covered by
    ``_ensure_free`` alone, which these locks make race-free. Ids are locked in order so
    two requests for the same pair cannot deadlock; ``hashtext`` fits any primary key
    (integer or UUID) into the lock's key, and a rare collision only serialises two
    unrelated users. SQLite needs no lock: ``IMMEDIATE`` transactions serialise writers.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted({str(user_id) for user_id in user_ids}):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_ADVISORY_LOCK_NAMESPACE, key]
            )


def _clashes(
    *, tutor_id: Any, student_id: Any, start: datetime, end: datetime, exclude_pk: int | None
) -> list[tuple[int, Any, Any]]:
    """(id, tutor id, student id) of the scheduled lessons of either participant, in
    either role, that overlap ``[start, end)``, by start."""
    busy = Lesson.objects.filter(
        Q(tutor=tutor_id) | Q(student=student_id) | Q(tutor=student_id) | Q(student=tutor_id),
        status=LessonStatus.SCHEDULED,
        start__lt=end,
        end__gt=start,
    )
    if exclude_pk is not None:
        busy = busy.exclude(pk=exclude_pk)
    # Bounded: each participant's scheduled lessons do not overlap one another, so at most
    # MAX_DURATION / MIN_DURATION of each can clash.
    return list(busy.order_by("start", "id").values_list("id", "tutor_id", "student_id"))


def _conflict(
    clashes: list[tuple[int, Any, Any]],
    *,
    tutor_id: Any,
    student_id: Any,
    requester: Any,
    constraint: str | None = None,
) -> TimeConflict:
    """The ``TimeConflict`` of ``clashes``: who is busy, and the requester's own lesson.

    ``constraint`` is the exclusion constraint that fired, for when the clashing lesson
    is no longer there to be found (cancelled since): it still says who was busy.
    """
    busy = []
    for participant, side in ((tutor_id, "tutor"), (student_id, "student")):
        if any(participant in clash[1:] for clash in clashes):
            busy.append(side)
    if not busy and constraint is not None:
        busy.append("tutor" if constraint == TUTOR_NO_OVERLAP else "student")
    requester_id = getattr(requester, "pk", None)
    # Only a lesson the requester takes part in: another person's stays unknown.
    own = next((clash[0] for clash in clashes if requester_id in clash[1:]), None)
    role = {tutor_id: "tutor", student_id: "student"}.get(requester_id)
    return TimeConflict(busy=tuple(busy), lesson_id=own, requester_role=role)


def _ensure_free(
    *,
    tutor: Any,
    student: Any,
    start: datetime,
    end: datetime,
    exclude_pk: int | None = None,
    requester: Any = None,
) -> None:
    """Raise ``TimeConflict`` if either participant has an overlapping scheduled lesson."""
    tutor_id, student_id = getattr(tutor, "pk", tutor), getattr(student, "pk", student)
    clashes = _clashes(
        tutor_id=tutor_id, student_id=student_id, start=start, end=end, exclude_pk=exclude_pk
    )
    if clashes:
        raise _conflict(clashes, tutor_id=tutor_id, student_id=student_id, requester=requester)


def _overlap_constraint(error: IntegrityError) -> str | None:
    """The name of the exclusion constraint ``error`` violated, if it is one of ours."""
    diagnostics = getattr(error.__cause__, "diag", None)
    name = getattr(diagnostics, "constraint_name", None)
    return name if name in _OVERLAP_CONSTRAINTS else None


def _save_or_conflict(lesson: Lesson, *, requester: Any = None, **save_kwargs: Any) -> None:
    """Save ``lesson``; a violated exclusion constraint is a ``TimeConflict``.

    The save runs in a savepoint: once the constraint fires it is rolled back, and the
    clashing lessons (committed by a concurrent write the check could not see) are read
    in the same transaction, before it ends.
    """
    try:
        with transaction.atomic():
            lesson.save(**save_kwargs)
    except IntegrityError as error:
        constraint = _overlap_constraint(error)
        if constraint is None:
            raise
        clashes = _clashes(
            tutor_id=lesson.tutor_id,
            student_id=lesson.student_id,
            start=lesson.start,
            end=lesson.end,
            exclude_pk=lesson.pk,
        )
        raise _conflict(
            clashes,
            tutor_id=lesson.tutor_id,
            student_id=lesson.student_id,
            requester=requester,
            constraint=constraint,
        ) from error


_ANNOUNCE = Announcer(logger, Lesson, "lesson signal receiver failed")


def _announce(signal: Signal, event: str, *, lesson: Lesson, actor: Any, **extra: Any) -> None:
    """After commit: log the domain event and send the signal to every receiver.

    The change is committed by then, so nothing here may turn the write into an error:
    the signal is sent robustly and each receiver that raises is logged, with the lesson
    id, at error level.
    """
    details = {
        "tutor_id": lesson.tutor_id,
        "student_id": lesson.student_id,
        "actor_id": getattr(actor, "pk", None),
        "start": lesson.start.astimezone(UTC).isoformat(),
        "end": lesson.end.astimezone(UTC).isoformat(),
    }
    ids = {"lesson_id": lesson.pk}
    _ANNOUNCE.on_commit(
        signal, event, ids=ids, details=details, lesson=lesson, actor=actor, **extra
    )


def _lock_changeable(lesson: Lesson, *, now: datetime) -> Lesson:
    """Re-read ``lesson`` under a row lock and check it may still change."""
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if locked.status != LessonStatus.SCHEDULED:
        raise LessonNotScheduled()
    if locked.start <= now:
        raise LessonExpired()
    return locked


def lesson_create(
    *,
    actor: Any,
    student: Any,
    start: datetime,
    end: datetime,
    series_id: uuid.UUID | None = None,
) -> Lesson:
    """Schedule a lesson taught by ``actor``, if the scheduling policy allows it."""
    if student.pk == actor.pk:
        raise InvalidLesson("same_participant")
    if not lessons_settings.SCHEDULING_POLICY(actor=actor, student=student):
        raise SchedulingNotAllowed()
    _validate_times(start=start, end=end, now=timezone.now())
    with _write_transaction():
        _lock_participants(actor.pk, student.pk)
        _ensure_free(tutor=actor, student=student, start=start, end=end, requester=actor)
        lesson = Lesson(tutor=actor, student=student, start=start, end=end, series_id=series_id)
        _save_or_conflict(lesson, requester=actor)
        _announce(lesson_scheduled, "lesson_scheduled", lesson=lesson, actor=actor)
    return lesson


def lesson_reschedule(
    *,
    lesson: Lesson,
    actor: Any,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Lesson:
    """Move a scheduled lesson that has not started yet to ``[start, end)``.

    Without ``end`` the lesson keeps its length (a drag); without ``start`` it keeps its
    start (a resize).
    """
    now = timezone.now()
    with _write_transaction():
        lesson = _lock_changeable(lesson, now=now)
        if start is None:
            start = lesson.start
        if end is None:
            end = start + (lesson.end - lesson.start)
        _validate_times(start=start, end=end, now=now)
        _lock_participants(lesson.tutor_id, lesson.student_id)
        _ensure_free(
            tutor=lesson.tutor_id,
            student=lesson.student_id,
            start=start,
            end=end,
            exclude_pk=lesson.pk,
            requester=actor,
        )
        previous_start, previous_end = lesson.start, lesson.end
        lesson.start, lesson.end = start, end
        _save_or_conflict(lesson, requester=actor, update_fields=["start", "end", "updated_at"])
        _announce(
            lesson_rescheduled,
            "lesson_rescheduled",
            lesson=lesson,
            actor=actor,
            previous_start=previous_start,
            previous_end=previous_end,
        )
    return lesson


def lesson_cancel(*, lesson: Lesson, actor: Any, reason: str = "") -> Lesson:
    """Cancel a scheduled lesson that has not started yet, recording who and why."""
    now = timezone.now()
    with _write_transaction():
        lesson = _lock_changeable(lesson, now=now)
        lesson.status = LessonStatus.CANCELLED
        lesson.cancelled_by = actor
        lesson.cancelled_at = now
        lesson.cancellation_reason = reason
        lesson.save(
            update_fields=[
                "status",
                "cancelled_by",
                "cancelled_at",
                "cancellation_reason",
                "updated_at",
            ]
        )
        _announce(lesson_cancelled, "lesson_cancelled", lesson=lesson, actor=actor)
    return lesson


def lessons_complete_past(*, now: datetime | None = None) -> int:
    """Mark every scheduled lesson that has ended as completed; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        completed = Lesson.objects.filter(status=LessonStatus.SCHEDULED, end__lte=now).update(
            status=LessonStatus.COMPLETED, updated_at=now
        )
    if completed:
        logger.info("lessons completed", extra={"event": "lessons_completed", "count": completed})
    return completed

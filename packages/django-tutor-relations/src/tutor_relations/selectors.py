"""Reads: the relations and log entries a user may see, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from tutor_relations import cursors
from tutor_relations.models import RelationStatusLog, TutorStudentRelation


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    #: The cursor of the next page; None on the last page.
    cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.cursor is not None


def _newest_first_page(
    queryset: QuerySet,
    *,
    time_field: str,
    listing: str,
    user: Any,
    filters: dict[str, Any],
    cursor: str | None,
    size: int,
) -> Page:
    """One page of ``queryset`` ordered by ``(time_field, id)`` descending: one query.

    It fetches ``size + 1`` rows to learn whether another page follows.
    """
    if cursor:
        after = cursors.decode(cursor, listing=listing, user_id=user.pk, filters=filters)
        queryset = queryset.filter(
            Q(**{f"{time_field}__lt": after.timestamp})
            | Q(**{time_field: after.timestamp, "pk__lt": after.id})
        )
    rows = list(queryset.order_by(f"-{time_field}", "-pk")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last: Model = rows[-1]
        next_cursor = cursors.encode(
            listing=listing,
            user_id=user.pk,
            filters=filters,
            position=cursors.Position(getattr(last, time_field), last.pk),
        )
    return Page(rows, next_cursor)


def tutor_relations_page(*, tutor: Any, status: str | None, cursor: str | None, size: int) -> Page:
    """The tutor's relations (optionally of one status), newest first, with students."""
    queryset = TutorStudentRelation.objects.filter(tutor=tutor).select_related("student")
    if status:
        queryset = queryset.filter(status=status)
    return _newest_first_page(
        queryset,
        time_field="created",
        listing="tutor-students",
        user=tutor,
        filters={"status": status},
        cursor=cursor,
        size=size,
    )


def student_relations_page(
    *, student: Any, status: str | None, cursor: str | None, size: int
) -> Page:
    """The student's own relations (optionally of one status), newest first, with tutors."""
    queryset = TutorStudentRelation.objects.filter(student=student).select_related("tutor")
    if status:
        queryset = queryset.filter(status=status)
    return _newest_first_page(
        queryset,
        time_field="created",
        listing="student-relations",
        user=student,
        filters={"status": status},
        cursor=cursor,
        size=size,
    )


def recent_actions_page(*, tutor: Any, cursor: str | None, size: int) -> Page:
    """The audit-log entries of the tutor's relations, newest first."""
    queryset = RelationStatusLog.objects.filter(relation__tutor=tutor).select_related(
        "relation__student"
    )
    return _newest_first_page(
        queryset,
        time_field="timestamp",
        listing="recent-actions",
        user=tutor,
        filters={},
        cursor=cursor,
        size=size,
    )


def relation_of_tutor(*, tutor: Any, relation_id: int) -> TutorStudentRelation | None:
    return TutorStudentRelation.objects.filter(tutor=tutor, pk=relation_id).first()


def relation_timeline(*, relation: TutorStudentRelation) -> list[RelationStatusLog]:
    """Every log entry of ``relation``, oldest first."""
    return list(relation.status_log.order_by("timestamp", "pk"))

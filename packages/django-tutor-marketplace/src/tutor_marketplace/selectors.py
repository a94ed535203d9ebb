"""Reads: the published-tutor listing with keyset pagination and signed cursors.

A cursor is the signed position of the last row of a page (its sort value and id),
bound to the ordering and the filters it was issued for (``tutor_core.cursors``; the
listing is the same for everyone, so it has no owner): keyset pagination never repeats
or skips a row when tutors are added between pages, and a cursor that was tampered with
or reused with other filters is refused as ``invalid_cursor``, whatever core's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tutor_core.cursors import CursorError, SignedCursors
from tutor_marketplace.exceptions import InvalidInput
from tutor_marketplace.models import Subject, TutorProfile, WeeklyAvailability

CURSORS = SignedCursors(salt="tutor_marketplace.listing.cursor")
#: The list a cursor belongs to (a cursor of another package's list is not ours).
LISTING = "tutors"

#: ordering name -> (sort field, descending)
ORDERINGS: dict[str, tuple[str, bool]] = {
    "hourly_rate": ("hourly_rate", False),
    "-hourly_rate": ("hourly_rate", True),
    "-created": ("created", True),
}
DEFAULT_ORDERING = "-created"


@dataclass(frozen=True)
class TutorPage:
    #: Each with its ``user`` and ``listed_subjects``: its subjects' names, sorted.
    profiles: list[TutorProfile]
    cursor: str | None
    has_more: bool


def filtered_tutors(
    *,
    subject: str | None = None,
    min_rate: Decimal | None = None,
    max_rate: Decimal | None = None,
    weekday: int | None = None,
    q: str | None = None,
) -> QuerySet[TutorProfile]:
    tutors = TutorProfile.objects.listed()
    if subject:
        tutors = tutors.filter(subjects__name=subject)
    if min_rate is not None:
        tutors = tutors.filter(hourly_rate__gte=min_rate)
    if max_rate is not None:
        tutors = tutors.filter(hourly_rate__lte=max_rate)
    if weekday is not None:
        slots = WeeklyAvailability.objects.filter(profile=OuterRef("pk"), weekday=weekday)
        tutors = tutors.filter(Exists(slots))
    if q:
        tutors = tutors.filter(Q(headline__icontains=q) | Q(description__icontains=q))
    return tutors


def subject_exists(name: str) -> bool:
    """Whether a subject of this (normalised) name exists."""
    return Subject.objects.filter(name=name).exists()


def _encode_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _decode_value(field: str, text: Any) -> Any:
    if not isinstance(text, str):
        raise ValueError(text)
    if field == "created":
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(text)
        return value
    return Decimal(text)


def make_cursor(*, ordering: str, filters_digest: str, last: TutorProfile) -> str:
    field, _descending = ORDERINGS[ordering]
    return CURSORS.dumps(
        listing=LISTING,
        owner=None,
        filters=[ordering, filters_digest],
        position=[_encode_value(getattr(last, field)), last.pk],
    )


def read_cursor(cursor: str, *, ordering: str, filters_digest: str) -> tuple[Any, int]:
    """The ``(value, id)`` position a cursor names; ``InvalidInput`` if it is not ours."""
    try:
        position = CURSORS.loads(
            cursor, listing=LISTING, owner=None, filters=[ordering, filters_digest]
        )
        text, last_id = position
        field, _descending = ORDERINGS[ordering]
        value = _decode_value(field, text)
        if isinstance(last_id, bool) or not isinstance(last_id, int):
            raise ValueError(last_id)
    except (CursorError, ValueError, KeyError, TypeError, InvalidOperation) as error:
        raise InvalidInput("invalid_cursor") from error
    return value, last_id


def tutors_page(
    tutors: QuerySet[TutorProfile],
    *,
    ordering: str,
    page_size: int,
    filters_digest: str,
    cursor: str | None = None,
) -> TutorPage:
    """One page of ``tutors``, each with ``listed_subjects``, its subjects' names by name.

    On PostgreSQL one query: the names come as an array of a subquery per row
    (``ArraySubquery``). Elsewhere two: the profiles with their users, then their
    subjects (``prefetch_related``). The prefetch built a ``Subject`` instance for every
    subject of every row and cost a round trip: about a fifth of a cache miss.
    """
    field, descending = ORDERINGS[ordering]
    if cursor:
        value, last_id = read_cursor(cursor, ordering=ordering, filters_digest=filters_digest)
        if descending:
            after = Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": last_id})
        else:
            after = Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": last_id})
        tutors = tutors.filter(after)
    sign = "-" if descending else ""
    tutors = tutors.order_by(f"{sign}{field}", f"{sign}pk").select_related("user")
    if connections[tutors.db].vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery  # imports psycopg

        names = Subject.objects.filter(profiles=OuterRef("pk")).order_by("name").values("name")
        annotated = list(tutors.annotate(subject_names=ArraySubquery(names))[: page_size + 1])
        for tutor in annotated:
            tutor.listed_subjects = tutor.subject_names
        rows: list[TutorProfile] = list(annotated)
    else:
        by_name = Prefetch("subjects", queryset=Subject.objects.order_by("name"))
        rows = list(tutors.prefetch_related(by_name)[: page_size + 1])
        for row in rows:
            row.listed_subjects = [subject.name for subject in row.subjects.all()]
    has_more = len(rows) > page_size
    profiles = rows[:page_size]
    next_cursor = (
        make_cursor(ordering=ordering, filters_digest=filters_digest, last=profiles[-1])
        if has_more
        else None
    )
    return TutorPage(profiles=profiles, cursor=next_cursor, has_more=has_more)

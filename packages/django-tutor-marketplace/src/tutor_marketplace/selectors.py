"""Reads: the published-tutor listing with keyset pagination and signed cursors.

A cursor is the signed position of the last row of a page (its sort value and id),
bound to the ordering and the filters it was issued for (core's ``KeysetPagination``;
the listing is the same for everyone, so it has no owner): keyset pagination never
repeats or skips a row when tutors are added between pages, and a cursor that was
tampered with or reused with other filters is refused as ``invalid_cursor``, whatever
core's reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tutor_core.cursors import SignedCursors
from tutor_core.pagination import KeysetPage, KeysetPagination
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


class ListingPagination(KeysetPagination):
    """The listing's pages: the same for everyone (no owner), bound to the ordering and a
    digest of the filters; every refusal is ``invalid_cursor``."""

    cursors = CURSORS
    listing = LISTING
    owner_bound = False
    model = TutorProfile

    def cursor_error(self, code: str) -> Exception:
        return InvalidInput("invalid_cursor")


#: ordering name -> its pagination
PAGINATIONS: dict[str, ListingPagination] = {
    name: ListingPagination(field=field, descending=descending)
    for name, (field, descending) in ORDERINGS.items()
}


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


def tutors_page(
    tutors: QuerySet[TutorProfile],
    *,
    ordering: str,
    page_size: int,
    filters_digest: str,
    cursor: str | None = None,
) -> KeysetPage:
    """One page of ``tutors``, each with ``listed_subjects``, its subjects' names by name.

    On PostgreSQL one query: the names come as an array of a subquery per row
    (``ArraySubquery``). Elsewhere two: the profiles with their users, then their
    subjects (``prefetch_related``). The prefetch built a ``Subject`` instance for every
    subject of every row and cost a round trip: about a fifth of a cache miss.
    """
    postgres = connections[tutors.db].vendor == "postgresql"
    if postgres:
        from django.contrib.postgres.expressions import ArraySubquery  # imports psycopg

        names = Subject.objects.filter(profiles=OuterRef("pk")).order_by("name").values("name")
        tutors = tutors.annotate(subject_names=ArraySubquery(names))
    else:
        tutors = tutors.prefetch_related(
            Prefetch("subjects", queryset=Subject.objects.order_by("name"))
        )
    page = PAGINATIONS[ordering].paginate(
        tutors.select_related("user"),
        cursor=cursor,
        size=page_size,
        filters=[ordering, filters_digest],
    )
    for row in page.rows:
        if postgres:
            row.listed_subjects = row.subject_names
        else:
            row.listed_subjects = [subject.name for subject in row.subjects.all()]
    return page

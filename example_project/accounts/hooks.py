"""The example project's answers to the packages' settings hooks.

The packages never import one another; the host composes them. Here the lessons
package's scheduling policy asks the relations package's model, the relations package
lets students ask only the tutors the marketplace lists, and every package shows a
person by the accounts user's display name.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tutor_marketplace.models import TutorProfile
from tutor_relations.models import TutorStudentRelation


def display_name(user: Any) -> str:
    """``USER_DISPLAY_NAME`` of every package: the display name, else "User 42".

    Never the login name: that is half of a credential, and any student who asks a tutor
    for lessons would learn it.
    """
    return user.display_name or f"User {user.pk}"


def published_tutors(users: QuerySet) -> QuerySet:
    """``TUTOR_RELATIONS["TUTOR_ELIGIBILITY"]``: a student may ask only a listed tutor.

    Listed as the marketplace lists them (``TutorProfile.objects.listed()``: a published
    profile with a rate), a subquery of the same one query. Anyone else's id, like an
    unknown or inactive one, is the same 400, so ids cannot be probed.
    """
    return users.filter(pk__in=TutorProfile.objects.listed().values("user_id"))


def tutor_has_active_relation(*, actor: Any, student: Any) -> bool:
    """``TUTOR_LESSONS["SCHEDULING_POLICY"]``: a tutor books only their active students."""
    return TutorStudentRelation.objects.filter(
        tutor=actor, student=student, status=TutorStudentRelation.STATUS.active
    ).exists()

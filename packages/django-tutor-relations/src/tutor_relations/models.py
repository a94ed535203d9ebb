"""Relations between a tutor and a student, their audit log, and remembered idempotency keys."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from model_utils import Choices
from model_utils.fields import StatusField
from model_utils.models import TimeStampedModel

#: pending → active → archived, and pending → archived.
RELATION_STATUS = Choices(
    ("pending", _("Pending")),
    ("active", _("Active")),
    ("archived", _("Archived")),
)

#: The statuses a relation may move to, from each status that allows it.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    RELATION_STATUS.active: frozenset({RELATION_STATUS.pending}),
    RELATION_STATUS.archived: frozenset({RELATION_STATUS.pending, RELATION_STATUS.active}),
}

UNIQUE_PAIR = "tutor_relations_unique_pair"


class TutorStudentRelation(TimeStampedModel):
    """A student's request to learn with a tutor, and what the tutor made of it.

    ``created`` and ``modified`` come from ``TimeStampedModel``. The status changes only
    through ``tutor_relations.services``, which writes a ``RelationStatusLog`` row for
    each change in the same transaction.
    """

    STATUS = RELATION_STATUS

    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relations_as_tutor"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relations_as_student"
    )
    status = StatusField(max_length=16)

    class Meta:
        verbose_name = _("tutor-student relation")
        constraints = [
            models.UniqueConstraint(fields=["tutor", "student"], name=UNIQUE_PAIR),
            models.CheckConstraint(
                condition=~Q(tutor=F("student")), name="tutor_relations_distinct_users"
            ),
        ]
        indexes = [
            # The dashboard lists: a tutor's relations and a student's, newest first.
            models.Index(fields=["tutor", "-created", "-id"], name="tutor_relations_tutor_new"),
            models.Index(fields=["student", "-created", "-id"], name="tutor_relations_student_new"),
        ]

    def __str__(self) -> str:
        return f"Relation {self.pk} ({self.status})"


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are written once: bulk updates and deletes through the ORM are refused.

    Deleting a user or a relation leaves the rows too: their foreign keys do nothing on
    delete (see ``RelationStatusLog``).
    """

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The relation status log is append-only.")

    def delete(self) -> NoReturn:
        raise TypeError("The relation status log is append-only.")


class RelationStatusLog(models.Model):
    """One row per status change of a relation, creation included (SPEC §1.3).

    ``prev_status`` is empty for the creation. ``metadata`` holds ``source``
    (``"single"`` or ``"batch"``) and ``request_id``. Never updated or deleted.

    The log outlives what it names (SPEC §1.3): deleting a user deletes their relations
    but not these rows, which keep ``relation_id`` and ``actor_id`` as they were. So
    neither foreign key has a database constraint, and deleting does nothing to the rows;
    both columns stay indexed. ``relation`` or ``actor`` of a row whose relation or user
    is gone raises ``DoesNotExist``: read ``relation_id`` and ``actor_id`` where that
    may be the case.
    """

    id = models.BigAutoField(primary_key=True)
    relation = models.ForeignKey(
        TutorStudentRelation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="status_log",
        db_index=True,
    )
    prev_status = models.CharField(max_length=16, blank=True, choices=RELATION_STATUS)
    new_status = models.CharField(max_length=16, choices=RELATION_STATUS)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("relation status log entry")
        verbose_name_plural = _("relation status log")

    def __str__(self) -> str:
        return f"Relation {self.relation_id}: {self.prev_status or '∅'} → {self.new_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The relation status log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The relation status log is append-only.")


class IdempotencyKey(models.Model):
    """The first response to a write sent with an ``Idempotency-Key`` header, per user.

    A retry with the same key and the same request gets that response again instead of
    acting twice; the same key with another request is a 422. Keys expire after
    ``IDEMPOTENCY_KEY_TTL``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: SHA-256 of the method, the path and the canonical JSON of the body.
    fingerprint = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    #: Empty until the first request's transaction has its response.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="tutor_relations_unique_key")
        ]

    def __str__(self) -> str:
        return f"Idempotency key {self.key!r} of user {self.user_id}"

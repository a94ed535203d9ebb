"""The ``Lesson`` model: who teaches whom, when, and in what state."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

TUTOR_NO_OVERLAP = "tutor_lessons_tutor_no_overlap"
STUDENT_NO_OVERLAP = "tutor_lessons_student_no_overlap"


class LessonStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class TimeRange(Func):
    """``tstzrange(start, end, '[)')``: back-to-back lessons do not overlap.

    A plain ``Func`` instead of ``django.contrib.postgres.fields.DateTimeRangeField`` keeps
    psycopg out of the import path, so SQLite hosts need no PostgreSQL driver.
    """

    function = "TSTZRANGE"
    template = "%(function)s(%(expressions)s, '[)')"
    output_field = models.Field()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that other databases skip.

    The services check overlaps themselves on every database; on PostgreSQL this
    constraint is what makes the check hold under concurrent writes.
    """

    def _on_postgres(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return (
            super().constraint_sql(model, schema_editor)
            if self._on_postgres(schema_editor)
            else None
        )

    def create_sql(self, model, schema_editor):
        return (
            super().create_sql(model, schema_editor) if self._on_postgres(schema_editor) else None
        )

    def remove_sql(self, model, schema_editor):
        return (
            super().remove_sql(model, schema_editor) if self._on_postgres(schema_editor) else None
        )

    def _check_postgres_installed(self, *args):
        # Django asks for django.contrib.postgres wherever an exclusion constraint is
        # declared; only PostgreSQL databases, where the constraint exists, need it.
        connection = args[1] if len(args) > 1 else None
        if connection is not None and connection.vendor != "postgresql":
            return []
        return super()._check_postgres_installed(*args)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


def _no_overlap(participant: str, name: str, message: str) -> PostgresOnlyExclusionConstraint:
    """No two scheduled lessons of the same ``participant`` overlap in time."""
    return PostgresOnlyExclusionConstraint(
        name=name,
        expressions=[(F(participant), "="), (TimeRange(F("start"), F("end")), "&&")],
        condition=Q(status=LessonStatus.SCHEDULED),
        violation_error_code="time_conflict",
        violation_error_message=message,
    )


class Lesson(models.Model):
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_as_tutor"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_as_student"
    )
    status = models.CharField(
        max_length=16, choices=LessonStatus.choices, default=LessonStatus.SCHEDULED
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # Reserved for recurring lessons (v1.1); stored, never interpreted in v0.9.
    series_id = models.UUIDField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["tutor", "start"], name="tutor_lessons_tutor_start"),
            models.Index(fields=["student", "start"], name="tutor_lessons_student_start"),
            models.Index(
                fields=["end"],
                condition=Q(status=LessonStatus.SCHEDULED),
                name="tutor_lessons_scheduled_end",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="tutor_lessons_end_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(tutor=F("student")), name="tutor_lessons_distinct_participants"
            ),
            _no_overlap(
                "tutor", TUTOR_NO_OVERLAP, _("The tutor already has a lesson at that time.")
            ),
            _no_overlap(
                "student", STUDENT_NO_OVERLAP, _("The student already has a lesson at that time.")
            ),
        ]

    def __str__(self) -> str:
        return f"Lesson {self.pk} ({self.status}, {self.start:%Y-%m-%d %H:%M} UTC)"

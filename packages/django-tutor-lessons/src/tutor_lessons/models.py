"""The ``Lesson`` model: who teaches whom, when, and in what state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import BaseConstraint, F, Func, Q
from django.utils.functional import Promise
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


class PostgresOnlyExclusionConstraint(BaseConstraint):
    """An exclusion constraint on PostgreSQL; other databases skip it.

    The services check overlaps themselves on every database; on PostgreSQL this
    constraint is what makes the check hold under concurrent writes.

    It delegates to ``django.contrib.postgres``'s ``ExclusionConstraint``, imported only
    when a PostgreSQL connection needs it: that module imports the PostgreSQL driver
    (on Django 6.1 at import time), and SQLite hosts install none. The migration is the
    same on every database.
    """

    def __init__(
        self,
        *,
        name: str,
        expressions: list[tuple[Any, str]],
        condition: Q | None = None,
        violation_error_code: str | None = None,
        violation_error_message: Any = None,
    ) -> None:
        self.expressions = expressions
        self.condition = condition
        super().__init__(
            name=name,
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )

    def _exclusion(self) -> BaseConstraint:
        from django.contrib.postgres.constraints import ExclusionConstraint

        return ExclusionConstraint(
            name=self.name,
            expressions=self.expressions,
            condition=self.condition,
            violation_error_code=self.violation_error_code,
            violation_error_message=self.violation_error_message,
        )

    @staticmethod
    def _on_postgres(schema_editor: Any) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if self._on_postgres(schema_editor):
            return self._exclusion().constraint_sql(model, schema_editor)
        return None

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if self._on_postgres(schema_editor):
            return self._exclusion().create_sql(model, schema_editor)
        return None

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if self._on_postgres(schema_editor):
            return self._exclusion().remove_sql(model, schema_editor)
        return None

    def check(self, model: Any, connection: Any) -> list:
        # On PostgreSQL, Django's own checks apply, postgres.E005 included: the host adds
        # django.contrib.postgres. Elsewhere the constraint does not exist.
        if connection.vendor != "postgresql":
            return []
        exclusion_check = getattr(self._exclusion(), "check", None)  # Django 6.0+
        return exclusion_check(model, connection) if exclusion_check else []

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS) -> None:
        if connections[using].vendor == "postgresql":
            self._exclusion().validate(model, instance, exclude=exclude, using=using)

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["expressions"] = self.expressions
        if self.condition is not None:
            kwargs["condition"] = self.condition
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PostgresOnlyExclusionConstraint):
            return self.deconstruct() == other.deconstruct()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: name={self.name!r}>"


def _no_overlap(
    participant: str, name: str, message: str | Promise
) -> PostgresOnlyExclusionConstraint:
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

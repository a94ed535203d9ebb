"""Factories of the relations suite; the user's comes from ``tutor_testing.factories``."""

import factory
from django.contrib.auth import get_user_model

from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation
from tutor_testing.factories import PersonFactory, full_name, json_id

__all__ = [
    "PersonFactory",
    "RelationFactory",
    "full_name",
    "json_id",
    "log_rows",
    "pending_relations",
]


class RelationFactory(factory.django.DjangoModelFactory):
    """A relation written straight to the table, bypassing the services (and the log)."""

    class Meta:
        model = TutorStudentRelation

    tutor = factory.SubFactory(PersonFactory)
    student = factory.SubFactory(PersonFactory)
    status = RELATION_STATUS.pending


def pending_relations(*, tutor, count: int, prefix: str = "learner") -> list[TutorStudentRelation]:
    """``count`` pending relations of ``tutor`` with new students, in two INSERTs."""
    students = [get_user_model()(username=f"{prefix}-{tutor.pk}-{i}") for i in range(count)]
    students = get_user_model()._default_manager.bulk_create(students)
    relations = TutorStudentRelation.objects.bulk_create(
        TutorStudentRelation(tutor=tutor, student=student) for student in students
    )
    return sorted(relations, key=lambda relation: relation.pk)


def log_rows(relation) -> list[tuple[str, str]]:
    return list(
        RelationStatusLog.objects.filter(relation=relation)
        .order_by("timestamp", "pk")
        .values_list("prev_status", "new_status")
    )

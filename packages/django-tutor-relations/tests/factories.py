import factory
from django.contrib.auth import get_user_model

from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation


def json_id(user) -> int | str:
    """A user's id as the API shows it: a number, or the text of a UUID key."""
    return user.pk if isinstance(user.pk, int) else str(user.pk)


def full_name(first: str, last: str) -> dict[str, str]:
    """Name fields for user models that have them (the UUID test user has none)."""
    fields = {field.name for field in get_user_model()._meta.get_fields()}
    return {"first_name": first, "last_name": last} if "first_name" in fields else {}


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    timezone = "UTC"


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

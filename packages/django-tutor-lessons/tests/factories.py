from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from tutor_lessons.models import Lesson


def json_id(user) -> int | str:
    """A user's id as the API shows it: a number, or the text of a UUID key."""
    return user.pk if isinstance(user.pk, int) else str(user.pk)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    timezone = "UTC"


class LessonFactory(factory.django.DjangoModelFactory):
    """A lesson written straight to the table, bypassing the services' rules."""

    class Meta:
        model = Lesson

    tutor = factory.SubFactory(PersonFactory)
    student = factory.SubFactory(PersonFactory)
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda lesson: lesson.start + timedelta(hours=1))


def fill_calendar(*, tutor, count: int, start: datetime, students: int = 5) -> None:
    """``count`` hourly 45-minute lessons of ``tutor`` from ``start``, in one INSERT."""
    learners = PersonFactory.create_batch(students)
    Lesson.objects.bulk_create(
        Lesson(
            tutor=tutor,
            student=learners[i % students],
            start=start + timedelta(hours=i),
            end=start + timedelta(hours=i, minutes=45),
        )
        for i in range(count)
    )

"""Factories of the lessons suite; the user's comes from ``tutor_testing.factories``."""

from datetime import datetime, timedelta

import factory
from django.utils import timezone

from tutor_lessons.models import Lesson
from tutor_testing.factories import PersonFactory, json_id

__all__ = ["LessonFactory", "PersonFactory", "fill_calendar", "json_id"]


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

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from tutor_lessons.models import Lesson


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

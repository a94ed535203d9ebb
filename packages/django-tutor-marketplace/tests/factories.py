"""Factories of the marketplace suite, its user's built on ``tutor_testing.factories``."""

from decimal import Decimal

import factory

from tutor_marketplace.models import Subject, TutorProfile, WeeklyAvailability
from tutor_testing import factories


class PersonFactory(factories.PersonFactory):
    """A user with first and last names and no display name, as these tests expect."""

    display_name = ""
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"subject {n}")


class TutorProfileFactory(factory.django.DjangoModelFactory):
    """A published, complete profile written straight to the table."""

    class Meta:
        model = TutorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(PersonFactory)
    headline = factory.Sequence(lambda n: f"Tutor number {n}")
    description = "Patient and thorough."
    is_published = True
    hourly_rate = factory.Sequence(lambda n: Decimal(10 + n % 50))
    currency = "UAH"

    @factory.post_generation
    def subjects(self, create, extracted, **kwargs):
        if create:
            names = extracted if extracted is not None else ["math"]
            self.subjects.set([SubjectFactory(name=name) for name in names])


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyAvailability

    profile = factory.SubFactory(TutorProfileFactory)
    weekday = 0
    start = "09:00"
    end = "12:00"

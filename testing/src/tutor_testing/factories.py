"""The test user's factory and the helpers that let a test run under either user model."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model


def json_id(user: Any) -> int | str:
    """A user's id as the API shows it: a number, or the text of a UUID key."""
    return user.pk if isinstance(user.pk, int) else str(user.pk)


def full_name(first: str, last: str) -> dict[str, str]:
    """Name fields for user models that have them (the UUID test user has none)."""
    fields = {field.name for field in get_user_model()._meta.get_fields()}
    return {"first_name": first, "last_name": last} if "first_name" in fields else {}


class PersonFactory(factory.django.DjangoModelFactory):
    """A user of whichever test user model is installed (both have these fields)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    timezone = "UTC"

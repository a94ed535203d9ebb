"""factory_boy factories for the example project's tests."""

import factory
from rest_framework.authtoken.models import Token

from accounts.models import User

DEFAULT_PASSWORD = "a-long-test-passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"user{number}")
    display_name = factory.LazyAttribute(lambda user: user.username.title())
    timezone = "UTC"
    password = factory.django.Password(DEFAULT_PASSWORD)


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)

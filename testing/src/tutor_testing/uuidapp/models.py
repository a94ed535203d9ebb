"""A minimal user model of another shape: a UUID key and no ``is_active`` field.

A package must work with any ``AUTH_USER_MODEL``; ``nox`` runs its whole suite once
with this one (``TUTOR_TEST_USER_MODEL=uuid``).
"""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class UuidPersonManager(BaseUserManager):
    def create_user(self, username: str, password: str | None = None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        return self.create_user(username, password, is_staff=True, is_superuser=True, **fields)


class UuidPerson(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=150, unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    # For the admin tests; deliberately no ``is_active`` field.
    is_staff = models.BooleanField(default=False)

    USERNAME_FIELD = "username"

    objects = UuidPersonManager()

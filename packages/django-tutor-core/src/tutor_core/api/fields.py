"""``UserField``: a user of the host's user model, by primary key, strictly typed."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

#: The largest id PostgreSQL's bigint holds; a larger one names no row.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def user_key_is_integer() -> bool:
    """Whether the host user model's primary key is an integer (else a UUID or text)."""
    # AutoField and BigAutoField are IntegerField subclasses.
    return isinstance(get_user_model()._meta.pk, models.IntegerField)


def active_users(users: models.QuerySet) -> models.QuerySet:
    """``users`` that are active; all of them for a user model without ``is_active``."""
    try:
        users.model._meta.get_field("is_active")
    except FieldDoesNotExist:
        return users
    return users.filter(is_active=True)


class UserField(serializers.PrimaryKeyRelatedField):
    """A user of the host's user model, by primary key (its OpenAPI type follows the key).

    Django's integer fields truncate what they are given (``1.5`` would name user 1, and
    ``true`` user 1 too), so a value must already have the key's type: a whole number (or
    its digits as text, as forms send) for integer keys, text for the others (UUIDs);
    anything else is a 400 ``incorrect_type``, and an integer beyond bigint is
    ``does_not_exist``. A user model with an ``is_active`` field only offers active
    users; one without (a bare ``AbstractBaseUser``) offers every user.
    """

    def get_queryset(self) -> models.QuerySet:
        return active_users(get_user_model()._default_manager.all())

    def to_internal_value(self, data: Any) -> Any:
        integer_key = user_key_is_integer()
        allowed = (int, str) if integer_key else (str,)
        if isinstance(data, bool) or not isinstance(data, allowed):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if integer_key and isinstance(data, str) and not _DIGITS.fullmatch(data):
            self.fail("incorrect_type", data_type="str")
        if integer_key and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if not integer_key:
            try:
                get_user_model()._meta.pk.to_python(data)
            except DjangoValidationError:
                self.fail("incorrect_type", data_type="str")
        return super().to_internal_value(data)

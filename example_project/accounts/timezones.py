"""Which time zone names a user may choose: the IANA names this Python knows."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def valid_timezone_names() -> frozenset[str]:
    # available_timezones() walks the tz database on disk on every call.
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in valid_timezone_names()


def validate_timezone_name(value: str) -> None:
    """Model/form validator (the admin uses it); the API checks in ``services``."""
    if not is_valid_timezone(value):
        raise ValidationError(
            _("%(value)s is not a known IANA time zone name, e.g. Europe/Kyiv."),
            code="invalid_timezone",
            params={"value": value},
        )

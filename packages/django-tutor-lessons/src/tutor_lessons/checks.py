"""System checks: a bad ``TUTOR_LESSONS`` fails ``manage.py check``, not the first request.

The common ones come from ``tutor_core.checks`` (E001 a missing app, E002 not a dict,
E003 an unknown key, E004 a hook that cannot be used, W001 the error shape); the rest
are the package's own. The ids are the package's public contract: they do not move.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.checks import CheckMessage, Tags, register

from tutor_core import checks
from tutor_lessons.conf import SETTING_NAME, lessons_settings

APP_LABEL = "tutor_lessons"


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors = [
        *checks.required_apps(APP_LABEL, ["rest_framework"]),
        *checks.settings_shape(APP_LABEL, lessons_settings),
    ]
    user_settings = checks.user_settings(lessons_settings)
    if not isinstance(user_settings, dict):  # E002 says so; nothing else can be read
        return errors
    for key in ("MIN_DURATION", "MAX_DURATION", "BOOKING_HORIZON"):
        if key in user_settings and not isinstance(user_settings[key], timedelta):
            errors.append(
                checks.error(APP_LABEL, 5, f"{SETTING_NAME}[{key!r}] must be a timedelta.")
            )
    lock_timeout = checks.value_of(lessons_settings, "LOCK_TIMEOUT")
    if lock_timeout is not None and (
        not isinstance(lock_timeout, timedelta) or lock_timeout < timedelta(0)
    ):
        errors.append(
            checks.error(
                APP_LABEL,
                8,
                f"{SETTING_NAME}['LOCK_TIMEOUT'] = {lock_timeout!r} is not a non-negative "
                "timedelta.",
                "Use e.g. timedelta(seconds=5), or None to wait as PostgreSQL's own "
                "lock_timeout says.",
            )
        )
    for key in ("CALENDAR_MAX_EVENTS", "CALENDAR_MAX_RANGE_DAYS"):
        value = checks.value_of(lessons_settings, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                checks.error(APP_LABEL, 6, f"{SETTING_NAME}[{key!r}] must be a positive int.")
            )
    listed = checks.value_of(lessons_settings, "USER_LISTED_FIELDS")
    if not isinstance(listed, list | tuple) or not all(isinstance(name, str) for name in listed):
        errors.append(
            checks.error(
                APP_LABEL,
                9,
                f"{SETTING_NAME}['USER_LISTED_FIELDS'] must be a list of field names of "
                "AUTH_USER_MODEL.",
                'e.g. ["display_name"]: the fields USER_DISPLAY_NAME reads.',
            )
        )
    errors.extend(
        checks.rates(
            APP_LABEL, lessons_settings, ["WRITE_THROTTLE_RATE", "READ_THROTTLE_RATE"], number=7
        )
    )
    return errors


_SHARED = checks.register_shared(
    APP_LABEL, "Lessons API", sqlite_risk="two concurrent requests could book the same slot twice"
)
check_error_shape = _SHARED.error_shape
sqlite_transaction_warnings = _SHARED.sqlite_warnings

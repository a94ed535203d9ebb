"""System checks: a bad ``TUTOR_LESSONS`` fails ``manage.py check``, not the first request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from tutor_lessons.conf import DEFAULTS, IMPORT_STRINGS, SETTING_NAME


def _error(message: str, hint: str, number: int) -> Error:
    return Error(message, hint=hint, id=f"tutor_lessons.E{number:03d}")


def _is_drf_rate(rate: Any) -> bool:
    try:
        num, period = rate.split("/")
        int(num)
    except (AttributeError, ValueError):
        return False
    return bool(period) and period[0] in "smhd"


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if not apps.is_installed("rest_framework"):
        errors.append(
            _error(
                "tutor_lessons needs Django REST framework.",
                "Add 'rest_framework' to INSTALLED_APPS.",
                1,
            )
        )
    user_settings = getattr(settings, SETTING_NAME, {})
    if not isinstance(user_settings, dict):
        return [
            *errors,
            _error(f"{SETTING_NAME} must be a dict.", f"Set {SETTING_NAME} = {{...}}.", 2),
        ]
    for key in sorted(set(user_settings) - set(DEFAULTS)):
        errors.append(
            _error(
                f"{SETTING_NAME} has an unknown key {key!r}.",
                "Known keys: " + ", ".join(sorted(DEFAULTS)),
                3,
            )
        )
    for key in sorted(IMPORT_STRINGS & set(user_settings)):
        value = user_settings[key]
        try:
            hook = import_string(value) if isinstance(value, str) else value
        except ImportError as error:
            errors.append(
                _error(
                    f"{SETTING_NAME}[{key!r}] = {value!r} cannot be imported: {error}",
                    "Give the dotted path of a callable.",
                    4,
                )
            )
            continue
        if not callable(hook):
            errors.append(
                _error(f"{SETTING_NAME}[{key!r}] is not callable.", "Give a callable.", 4)
            )
    for key in ("MIN_DURATION", "MAX_DURATION", "BOOKING_HORIZON"):
        if key in user_settings and not isinstance(user_settings[key], timedelta):
            errors.append(_error(f"{SETTING_NAME}[{key!r}] must be a timedelta.", "", 5))
    lock_timeout = user_settings.get("LOCK_TIMEOUT", DEFAULTS["LOCK_TIMEOUT"])
    if lock_timeout is not None and (
        not isinstance(lock_timeout, timedelta) or lock_timeout < timedelta(0)
    ):
        errors.append(
            _error(
                f"{SETTING_NAME}['LOCK_TIMEOUT'] = {lock_timeout!r} is not a non-negative "
                "timedelta.",
                "Use e.g. timedelta(seconds=5), or None to wait as PostgreSQL's own "
                "lock_timeout says.",
                8,
            )
        )
    for key in ("CALENDAR_MAX_EVENTS", "CALENDAR_MAX_RANGE_DAYS"):
        value = user_settings.get(key, DEFAULTS[key])
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(_error(f"{SETTING_NAME}[{key!r}] must be a positive int.", "", 6))
    for key in ("WRITE_THROTTLE_RATE", "READ_THROTTLE_RATE"):
        rate = user_settings.get(key, DEFAULTS[key])
        if rate is not None and not _is_drf_rate(rate):
            errors.append(
                _error(
                    f"{SETTING_NAME}[{key!r}] = {rate!r} is not a DRF rate.",
                    "Use e.g. '60/min', or None to disable the throttle.",
                    7,
                )
            )
    return errors


@register(Tags.compatibility)
def check_error_shape(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    # Any handler works, but the documented error shape and codes need this one.
    if api_settings.EXCEPTION_HANDLER.__module__.startswith("drf_standardized_errors"):
        return []
    return [
        Warning(
            "Lessons API errors will not have the documented JSON shape.",
            hint="Set REST_FRAMEWORK['EXCEPTION_HANDLER'] = "
            "'drf_standardized_errors.handler.exception_handler'.",
            id="tutor_lessons.W001",
        )
    ]


@register(Tags.compatibility)
def check_sqlite_transaction_mode(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return sqlite_transaction_warnings(settings.DATABASES)


def sqlite_transaction_warnings(databases: dict[str, dict[str, Any]]) -> list[Warning]:
    # SQLite has no exclusion constraints and no advisory locks: only transactions that
    # take the write lock up front (BEGIN IMMEDIATE) stop two bookings of one slot.
    warnings = []
    for alias, database in databases.items():
        if not database.get("ENGINE", "").endswith("sqlite3"):
            continue
        mode = str((database.get("OPTIONS") or {}).get("transaction_mode") or "").upper()
        if mode != "IMMEDIATE":
            warnings.append(
                Warning(
                    f"The SQLite database {alias!r} does not use IMMEDIATE transactions: "
                    "two concurrent requests could book the same slot twice.",
                    hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["transaction_mode"] = '
                    '"IMMEDIATE" (Django 5.1+).',
                    id="tutor_lessons.W002",
                )
            )
    return warnings

"""System checks: a bad ``TUTOR_RELATIONS`` fails ``manage.py check``, not the first request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from tutor_relations.conf import DEFAULTS, IMPORT_STRINGS, SETTING_NAME


def _error(message: str, hint: str, number: int) -> Error:
    return Error(message, hint=hint, id=f"tutor_relations.E{number:03d}")


def _is_drf_rate(rate: Any) -> bool:
    try:
        num, period = rate.split("/")
        int(num)
    except (AttributeError, ValueError):
        return False
    return bool(period) and period[0] in "smhd"


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if not apps.is_installed("rest_framework"):
        errors.append(
            _error(
                "tutor_relations needs Django REST framework.",
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
    sizes = {key: user_settings.get(key, DEFAULTS[key]) for key in DEFAULTS if "SIZE" in key}
    for key, value in sorted(sizes.items()):
        if not _is_positive_int(value):
            errors.append(_error(f"{SETTING_NAME}[{key!r}] must be a positive int.", "", 5))
    if all(map(_is_positive_int, sizes.values())) and sizes["PAGE_SIZE"] > sizes["MAX_PAGE_SIZE"]:
        errors.append(
            _error(
                f"{SETTING_NAME}['PAGE_SIZE'] is larger than MAX_PAGE_SIZE.",
                "Make PAGE_SIZE at most MAX_PAGE_SIZE.",
                5,
            )
        )
    ttl = user_settings.get("IDEMPOTENCY_KEY_TTL", DEFAULTS["IDEMPOTENCY_KEY_TTL"])
    if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
        errors.append(
            _error(f"{SETTING_NAME}['IDEMPOTENCY_KEY_TTL'] must be a positive timedelta.", "", 6)
        )
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
            "Relations API errors will not have the documented JSON shape.",
            hint="Set REST_FRAMEWORK['EXCEPTION_HANDLER'] = "
            "'drf_standardized_errors.handler.exception_handler'.",
            id="tutor_relations.W001",
        )
    ]


@register(Tags.compatibility)
def check_sqlite_transaction_mode(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    return sqlite_transaction_warnings(settings.DATABASES)


def sqlite_transaction_warnings(databases: dict[str, dict[str, Any]]) -> list[Warning]:
    # SQLite ignores SELECT ... FOR UPDATE: only transactions that take the write lock up
    # front (BEGIN IMMEDIATE) stop two batches from changing one relation twice.
    warnings = []
    for alias, database in databases.items():
        if not database.get("ENGINE", "").endswith("sqlite3"):
            continue
        mode = str((database.get("OPTIONS") or {}).get("transaction_mode") or "").upper()
        if mode != "IMMEDIATE":
            warnings.append(
                Warning(
                    f"The SQLite database {alias!r} does not use IMMEDIATE transactions: "
                    "two concurrent batches could change the same relation twice.",
                    hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["transaction_mode"] = '
                    '"IMMEDIATE" (Django 5.1+).',
                    id="tutor_relations.W002",
                )
            )
    return warnings

"""System checks: a bad ``TUTOR_MARKETPLACE`` fails ``manage.py check``, not a request."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.dispatch import Signal
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from tutor_marketplace.conf import DEFAULTS, IMPORT_STRINGS, SETTING_NAME, marketplace_settings


def _error(message: str, hint: str, number: int) -> Error:
    return Error(message, hint=hint, id=f"tutor_marketplace.E{number:03d}")


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
    for app in ("rest_framework", "django_filters"):
        if not apps.is_installed(app):
            errors.append(
                _error(f"tutor_marketplace needs {app}.", f"Add {app!r} to INSTALLED_APPS.", 1)
            )
    user_settings = getattr(settings, SETTING_NAME, {})
    if not isinstance(user_settings, dict):
        return [*errors, _error(f"{SETTING_NAME} must be a dict.", "", 2)]
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
            errors.append(_error(f"{SETTING_NAME}[{key!r}] cannot be imported: {error}", "", 4))
            continue
        if not callable(hook):
            errors.append(_error(f"{SETTING_NAME}[{key!r}] is not callable.", "", 4))
    for path in user_settings.get("INVALIDATE_ON_SIGNALS", []) or []:
        try:
            signal = import_string(path)
        except ImportError as error:
            errors.append(
                _error(
                    f"{SETTING_NAME}['INVALIDATE_ON_SIGNALS'] names {path!r}, which cannot be "
                    f"imported: {error}",
                    "Install the app that sends it, or remove it from the list.",
                    5,
                )
            )
            continue
        if not isinstance(signal, Signal):
            errors.append(_error(f"{path!r} is not a django.dispatch.Signal.", "", 5))
    for key in ("READ_THROTTLE_RATE", "WRITE_THROTTLE_RATE", "AUTOSAVE_THROTTLE_RATE"):
        rate = user_settings.get(key, DEFAULTS[key])
        if rate is not None and not _is_drf_rate(rate):
            errors.append(
                _error(f"{SETTING_NAME}[{key!r}] = {rate!r} is not a DRF rate.", "e.g. '60/min'", 6)
            )
    warning_ms = user_settings.get("SLOW_MISS_WARNING_MS", DEFAULTS["SLOW_MISS_WARNING_MS"])
    error_ms = user_settings.get("SLOW_MISS_ERROR_MS", DEFAULTS["SLOW_MISS_ERROR_MS"])
    if not warning_ms <= error_ms:
        errors.append(_error("SLOW_MISS_WARNING_MS must not exceed SLOW_MISS_ERROR_MS.", "", 7))
    currency = user_settings.get("DEFAULT_CURRENCY", DEFAULTS["DEFAULT_CURRENCY"])
    if currency not in user_settings.get("CURRENCIES", DEFAULTS["CURRENCIES"]):
        errors.append(_error("DEFAULT_CURRENCY must be one of CURRENCIES.", "", 8))
    largest = user_settings.get("MAX_PAGE_SIZE", DEFAULTS["MAX_PAGE_SIZE"])
    sizes = user_settings.get("CACHED_PAGE_SIZES", DEFAULTS["CACHED_PAGE_SIZES"])
    if not _is_list_of(sizes, int) or not all(1 <= size <= largest for size in sizes):
        errors.append(
            _error(
                "CACHED_PAGE_SIZES must be a list of page sizes from 1 to MAX_PAGE_SIZE.",
                "e.g. [10, 20, 50, 100]; keep it short: each size is another cached page.",
                9,
            )
        )
    fields = user_settings.get("USER_LISTED_FIELDS", DEFAULTS["USER_LISTED_FIELDS"])
    if not _is_list_of(fields, str):
        errors.append(
            _error(
                "USER_LISTED_FIELDS must be a list of field names of AUTH_USER_MODEL.",
                'e.g. ["is_active", "display_name"]: what USER_DISPLAY_NAME reads.',
                10,
            )
        )
    return errors


def _is_list_of(value: Any, kind: type) -> bool:
    return isinstance(value, list | tuple) and all(
        isinstance(item, kind) and not isinstance(item, bool) for item in value
    )


@register(Tags.compatibility)
def check_metrics_retention(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    # Rows are few (summed per minute) but would still grow for ever.
    if not marketplace_settings.METRICS_DATABASE:
        return []
    if marketplace_settings.METRICS_PRUNE_INTERVAL is not None:
        return []
    return [
        Warning(
            "MarketplaceMetrics rows are written and nothing in the app deletes old ones "
            "(METRICS_PRUNE_INTERVAL is None).",
            hint="Set METRICS_PRUNE_INTERVAL (e.g. 3600), or run "
            "`manage.py prune_marketplace_metrics` daily and silence tutor_marketplace.W003.",
            id="tutor_marketplace.W003",
        )
    ]


@register(Tags.compatibility)
def check_redis_timeouts(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    # Without them a Redis that stops answering hangs every listing request. A host
    # without Redis (the cache switched off) never reaches it, so needs none.
    if not marketplace_settings.CACHE_ENABLED:
        return []
    redis = getattr(settings, "CACHEOPS_REDIS", None)
    if isinstance(redis, dict):
        # A ready pool (``redis.ConnectionPool.from_url``, e.g. for a rediss:// URL) holds
        # the options itself; redis-py ignores any others beside it.
        pool = redis.get("connection_pool")
        options = redis if pool is None else getattr(pool, "connection_kwargs", {})
        if {"socket_timeout", "socket_connect_timeout", "retry"} <= set(options):
            return []
    if isinstance(redis, str) and "socket_timeout=" in redis and "socket_connect_timeout=" in redis:
        return []
    return [
        Warning(
            "CACHEOPS_REDIS sets no socket timeouts or retry policy: a Redis that hangs "
            "would hang the listing (redis-py retries 3 times with backoff by default).",
            hint='Add "socket_timeout": 0.25, "socket_connect_timeout": 0.25, '
            '"retry": redis.retry.Retry(redis.backoff.NoBackoff(), 0) (to the dict, or '
            "to the ConnectionPool.from_url() of its connection_pool).",
            id="tutor_marketplace.W002",
        )
    ]


@register(Tags.compatibility)
def check_error_shape(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if api_settings.EXCEPTION_HANDLER.__module__.startswith("drf_standardized_errors"):
        return []
    return [
        Warning(
            "Marketplace API errors will not have the documented JSON shape.",
            hint="Set REST_FRAMEWORK['EXCEPTION_HANDLER'] = "
            "'drf_standardized_errors.handler.exception_handler'.",
            id="tutor_marketplace.W001",
        )
    ]

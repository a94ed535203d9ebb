"""System checks: a bad ``TUTOR_MARKETPLACE`` fails ``manage.py check``, not a request.

The checks every package shares (E001-E004, the rates as E006, W001) come from
``tutor_core.checks``; the numbers are the ones this package has always used.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.dispatch import Signal
from django.utils.module_loading import import_string

from tutor_core import checks
from tutor_core.checks import error, value_of
from tutor_marketplace.conf import SETTING_NAME, marketplace_settings

APP = "tutor_marketplace"
RATES = ("READ_THROTTLE_RATE", "WRITE_THROTTLE_RATE", "AUTOSAVE_THROTTLE_RATE")


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001-E004 and E006 as every package numbers them; E005 and E007-E010 are our own."""
    errors = checks.required_apps(APP, ("rest_framework", "django_filters"))
    if not isinstance(checks.user_settings(marketplace_settings), dict):
        return [*errors, *checks.settings_shape(APP, marketplace_settings)]
    errors += checks.settings_shape(APP, marketplace_settings)
    errors += _signals()
    errors += checks.rates(APP, marketplace_settings, RATES, number=6)
    errors += _values()
    return errors


def _signals() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for path in value_of(marketplace_settings, "INVALIDATE_ON_SIGNALS") or []:
        try:
            signal = import_string(path)
        except ImportError as problem:
            errors.append(
                error(
                    APP,
                    5,
                    f"{SETTING_NAME}['INVALIDATE_ON_SIGNALS'] names {path!r}, which cannot be "
                    f"imported: {problem}",
                    "Install the app that sends it, or remove it from the list.",
                )
            )
            continue
        if not isinstance(signal, Signal):
            errors.append(error(APP, 5, f"{path!r} is not a django.dispatch.Signal."))
    return errors


def _values() -> list[CheckMessage]:
    def value(key: str) -> Any:
        return value_of(marketplace_settings, key)

    errors: list[CheckMessage] = []
    if not value("SLOW_MISS_WARNING_MS") <= value("SLOW_MISS_ERROR_MS"):
        errors.append(error(APP, 7, "SLOW_MISS_WARNING_MS must not exceed SLOW_MISS_ERROR_MS."))
    if value("DEFAULT_CURRENCY") not in value("CURRENCIES"):
        errors.append(error(APP, 8, "DEFAULT_CURRENCY must be one of CURRENCIES."))
    largest, sizes = value("MAX_PAGE_SIZE"), value("CACHED_PAGE_SIZES")
    if not _is_list_of(sizes, int) or not all(1 <= size <= largest for size in sizes):
        errors.append(
            error(
                APP,
                9,
                "CACHED_PAGE_SIZES must be a list of page sizes from 1 to MAX_PAGE_SIZE.",
                "e.g. [10, 20, 50, 100]; keep it short: each size is another cached page.",
            )
        )
    if not _is_list_of(value("USER_LISTED_FIELDS"), str):
        errors.append(
            error(
                APP,
                10,
                "USER_LISTED_FIELDS must be a list of field names of AUTH_USER_MODEL.",
                'e.g. ["is_active", "display_name"]: what USER_DISPLAY_NAME reads.',
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


check_error_shape = checks.register_shared(APP, "Marketplace API").error_shape

"""System checks: a bad ``TUTOR_RELATIONS`` fails ``manage.py check``, not the first request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.checks import CheckMessage, Tags, register

from tutor_core import checks
from tutor_relations.conf import SETTING_NAME, relations_settings

APP_LABEL = "tutor_relations"


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E001-E004 as every package numbers them (core), then the package's own E005-E007."""
    errors = checks.required_apps(APP_LABEL, ["rest_framework"])
    errors += checks.settings_shape(APP_LABEL, relations_settings)
    if not isinstance(checks.user_settings(relations_settings), dict):
        return errors
    sizes = {
        key: checks.value_of(relations_settings, key)
        for key in relations_settings.defaults
        if "SIZE" in key
    }
    for key, value in sorted(sizes.items()):
        if not _is_positive_int(value):
            errors.append(
                checks.error(APP_LABEL, 5, f"{SETTING_NAME}[{key!r}] must be a positive int.")
            )
    if all(map(_is_positive_int, sizes.values())) and sizes["PAGE_SIZE"] > sizes["MAX_PAGE_SIZE"]:
        errors.append(
            checks.error(
                APP_LABEL,
                5,
                f"{SETTING_NAME}['PAGE_SIZE'] is larger than MAX_PAGE_SIZE.",
                "Make PAGE_SIZE at most MAX_PAGE_SIZE.",
            )
        )
    ttl = checks.value_of(relations_settings, "IDEMPOTENCY_KEY_TTL")
    if not isinstance(ttl, timedelta) or ttl <= timedelta(0):
        errors.append(
            checks.error(
                APP_LABEL, 6, f"{SETTING_NAME}['IDEMPOTENCY_KEY_TTL'] must be a positive timedelta."
            )
        )
    errors += checks.rates(
        APP_LABEL, relations_settings, ["WRITE_THROTTLE_RATE", "READ_THROTTLE_RATE"], number=7
    )
    return errors


_SHARED = checks.register_shared(
    APP_LABEL,
    "Relations API",
    sqlite_risk="two concurrent batches could change the same relation twice",
)
check_error_shape = _SHARED.error_shape
sqlite_transaction_warnings = _SHARED.sqlite_warnings

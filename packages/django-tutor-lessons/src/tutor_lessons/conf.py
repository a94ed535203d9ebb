"""The package's settings: one ``TUTOR_LESSONS`` dict, read through ``lessons_settings``.

Modelled on ``rest_framework.settings``: documented defaults, dotted-path hooks resolved
on first use, and a reload on ``setting_changed`` so tests can override them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

SETTING_NAME = "TUTOR_LESSONS"

DEFAULTS: dict[str, Any] = {
    # Dotted path to ``callable(user) -> str``: the IANA zone a user's local times are
    # read and shown in. Unknown or empty names fall back to UTC.
    "USER_TIMEZONE": "tutor_lessons.policies.user_timezone_attribute",
    # Dotted path to ``callable(*, actor, student) -> bool``: may ``actor`` schedule a
    # lesson with ``student`` (``actor`` becomes the tutor)? False answers 403.
    "SCHEDULING_POLICY": "tutor_lessons.policies.authenticated_user_is_tutor",
    "MIN_DURATION": timedelta(minutes=15),
    "MAX_DURATION": timedelta(hours=8),
    # How far ahead a lesson may start.
    "BOOKING_HORIZON": timedelta(days=730),
    # The calendar answers at most this many lessons and sets ``has_more_events``.
    "CALENDAR_MAX_EVENTS": 500,
    # The longest calendar window, in days.
    "CALENDAR_MAX_RANGE_DAYS": 366,
    # DRF rate for create/reschedule/cancel per user; None disables the throttle.
    "WRITE_THROTTLE_RATE": "60/min",
    # DRF rate for the calendar per user; None disables the throttle.
    "READ_THROTTLE_RATE": "600/min",
    # Dotted path to a DRF ``SimpleRateThrottle`` subclass that the package's throttles
    # are built on, for another way of counting (an atomic Redis window, say); None is
    # DRF's own. The package's scopes and rates apply either way.
    "THROTTLE_BASE_CLASS": None,
    # On PostgreSQL, how long a write waits for a lock another transaction holds (a
    # participant's advisory lock, the lesson's row) before it answers 503
    # ``booking_busy``; None waits as the database's own ``lock_timeout`` says.
    "LOCK_TIMEOUT": timedelta(seconds=5),
}

IMPORT_STRINGS = frozenset({"USER_TIMEZONE", "SCHEDULING_POLICY", "THROTTLE_BASE_CLASS"})


class LessonsSettings:
    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, SETTING_NAME, {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid {SETTING_NAME} setting: {name!r}")
        if name not in self._cache:
            value = self.user_settings.get(name, DEFAULTS[name])
            if name in IMPORT_STRINGS and isinstance(value, str):
                value = import_string(value)
            self._cache[name] = value
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


lessons_settings = LessonsSettings()


def _reload_lessons_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        lessons_settings.reload()


setting_changed.connect(_reload_lessons_settings)

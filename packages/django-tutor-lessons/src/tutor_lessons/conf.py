"""The package's settings: one ``TUTOR_LESSONS`` dict, read through ``lessons_settings``.

``tutor_core.conf.PackageSettings`` (DRF's ``APISettings`` for one dict): documented
defaults, dotted-path hooks resolved on first use, and a reload on ``setting_changed``
so tests can override them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tutor_core.conf import PackageSettings

SETTING_NAME = "TUTOR_LESSONS"

DEFAULTS: dict[str, Any] = {
    # Dotted path to ``callable(user) -> str``: the IANA zone a user's local times are
    # read and shown in. Unknown or empty names fall back to UTC.
    "USER_TIMEZONE": "tutor_lessons.policies.user_timezone_attribute",
    # Dotted path to ``callable(*, actor, student) -> bool``: may ``actor`` schedule a
    # lesson with ``student`` (``actor`` becomes the tutor)? False answers 403.
    "SCHEDULING_POLICY": "tutor_lessons.policies.authenticated_user_is_tutor",
    # Dotted path to ``callable(user) -> str``: how a lesson names its tutor and its
    # student (``tutor_display_name``, ``student_display_name``).
    "USER_DISPLAY_NAME": "tutor_lessons.policies.full_name_or_label",
    # Fields of AUTH_USER_MODEL that USER_DISPLAY_NAME reads: the calendar's one query
    # selects only these of each participant (a field the hook reads beyond them costs a
    # query per person). Names the user model does not have are skipped.
    "USER_LISTED_FIELDS": ["first_name", "last_name"],
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

IMPORT_STRINGS = frozenset(
    {"USER_TIMEZONE", "SCHEDULING_POLICY", "USER_DISPLAY_NAME", "THROTTLE_BASE_CLASS"}
)


lessons_settings = PackageSettings(SETTING_NAME, DEFAULTS, IMPORT_STRINGS)

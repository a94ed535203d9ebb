"""Time-zone resolution for users and the reading of naive local times (SPEC §2.1)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tutor_lessons.conf import lessons_settings
from tutor_lessons.exceptions import InvalidLesson


class LocalTimeError(InvalidLesson, ValueError):
    """A naive time that does not name exactly one instant in a zone.

    Its code is ``nonexistent_local_time`` (a DST gap) or ``ambiguous_local_time``
    (a DST fold); ``params`` hold the ``value`` and the ``zone``.
    """


def zone_for_name(name: str | None) -> ZoneInfo:
    """The zone of that IANA name; UTC for an unknown or empty one."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def user_zone(user: Any) -> ZoneInfo:
    """The zone the ``USER_TIMEZONE`` hook names for this user (UTC if unknown)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ZoneInfo("UTC")
    return zone_for_name(lessons_settings.USER_TIMEZONE(user))


def make_aware_strict(value: datetime, zone: tzinfo) -> datetime:
    """Read a naive wall-clock time in ``zone``, refusing DST gaps and folds.

    ``zoneinfo`` silently picks an instant for both, so they are detected here: a
    time in a gap does not survive a round trip through UTC, and an ambiguous one has
    two different offsets for ``fold=0`` and ``fold=1``.
    """
    earlier = value.replace(tzinfo=zone, fold=0)
    later = value.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    round_trip = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value:
        raise LocalTimeError("nonexistent_local_time", value=value.isoformat(), zone=str(zone))
    raise LocalTimeError("ambiguous_local_time", value=value.isoformat(), zone=str(zone))

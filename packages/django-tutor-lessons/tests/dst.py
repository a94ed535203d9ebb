"""Finding real DST changes ahead of today, so the DST tests never age into the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def next_transition(zone_name: str, *, forward: bool, after: datetime | None = None) -> datetime:
    """The next instant (UTC) when ``zone_name`` springs forward (or falls back)."""
    zone = ZoneInfo(zone_name)
    moment = (after or datetime.now(UTC) + timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    offset = moment.astimezone(zone).utcoffset()
    for _ in range(24 * 400):
        moment += timedelta(hours=1)
        new_offset = moment.astimezone(zone).utcoffset()
        if new_offset != offset:
            if (new_offset > offset) == forward:
                return moment
            offset = new_offset
    raise AssertionError(f"{zone_name} has no DST change within 400 days")


def naive_gap_time(zone_name: str) -> datetime:
    """A wall-clock time that does not exist in the zone (in the next spring-forward gap)."""
    change = next_transition(zone_name, forward=True)
    before = (change - timedelta(minutes=1)).astimezone(ZoneInfo(zone_name))
    return (before + timedelta(minutes=31)).replace(tzinfo=None)


def naive_ambiguous_time(zone_name: str) -> datetime:
    """A wall-clock time that happens twice in the zone (in the next fall-back fold)."""
    change = next_transition(zone_name, forward=False)
    return (change + timedelta(minutes=30)).astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def next_date(month: int, day: int) -> datetime:
    """Naive midnight of the next ``month``/``day`` at least a week from now."""
    today = datetime.now(UTC) + timedelta(days=7)
    candidate = datetime(today.year, month, day)
    return (
        candidate
        if candidate >= today.replace(tzinfo=None)
        else candidate.replace(year=today.year + 1)
    )

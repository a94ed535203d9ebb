"""The registry of the lessons package's error codes: code, HTTP status, message.

One ``tutor_core.errors.ErrorRegistry`` feeds the API's responses (``tutor_core.api``),
the OpenAPI examples (``tutor_lessons.api.schema``) and the docs' error table
(``tutor_lessons.errors.table``), so what clients get, what the schema shows and what
the docs say cannot drift apart.

Messages are translatable ``str.format`` templates (``gettext_lazy``; codes never are).
Placeholders named after a setting are filled from ``TUTOR_LESSONS`` when the message is
rendered (so "at least 15 minutes" follows ``MIN_DURATION``); the others come from the
error itself (``value``, ``zone``, ``wait``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tutor_core.errors import PARSE_ERROR, THROTTLED, ErrorCode, ErrorRegistry
from tutor_lessons.conf import lessons_settings


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def settings_parameters() -> dict[str, Any]:
    """The placeholders that come from ``TUTOR_LESSONS``, as they read in a message."""
    return {
        "min_duration": _minutes(lessons_settings.MIN_DURATION.total_seconds()),
        "max_duration": _minutes(lessons_settings.MAX_DURATION.total_seconds()),
        "booking_horizon_days": lessons_settings.BOOKING_HORIZON.days,
        "calendar_max_events": lessons_settings.CALENDAR_MAX_EVENTS,
        "calendar_max_range_days": lessons_settings.CALENDAR_MAX_RANGE_DAYS,
    }


_DST_EXAMPLE = {"value": "2026-03-29T03:30:00", "zone": "Europe/Kyiv"}

CODES = ErrorRegistry(
    [
        # 400: the request names a lesson that cannot be.
        ErrorCode(
            "same_participant",
            400,
            _("You cannot schedule a lesson with yourself."),
            attr="student",
            meaning="a lesson with yourself",
        ),
        ErrorCode(
            "end_before_start",
            400,
            _("The lesson must end after it starts."),
            attr="end",
            meaning="`end` is not after `start`",
        ),
        ErrorCode(
            "duration_too_short",
            400,
            _("A lesson lasts at least {min_duration}."),
            attr="end",
            meaning="shorter than `MIN_DURATION`",
        ),
        ErrorCode(
            "duration_too_long",
            400,
            _("A lesson lasts at most {max_duration}."),
            attr="end",
            meaning="longer than `MAX_DURATION`",
        ),
        ErrorCode(
            "start_in_past",
            400,
            _("A lesson cannot start in the past."),
            attr="start",
            meaning="the lesson would start in the past",
        ),
        ErrorCode(
            "start_too_far_ahead",
            400,
            _("A lesson can start at most {booking_horizon_days} days ahead."),
            attr="start",
            meaning="further ahead than `BOOKING_HORIZON`",
        ),
        ErrorCode(
            "nonexistent_local_time",
            400,
            _(
                "{value} does not exist in {zone} (the clocks skip it at a DST change); send an "
                "offset or pick another time."
            ),
            attr="start",
            meaning="a naive time skipped by a DST change in your zone",
            example=_DST_EXAMPLE,
        ),
        ErrorCode(
            "ambiguous_local_time",
            400,
            _(
                "{value} happens twice in {zone} (the clocks repeat it at a DST change); send an "
                "explicit UTC offset."
            ),
            attr="start",
            meaning="a naive time repeated by a DST change in your zone",
            example={"value": "2026-10-25T03:30:00", "zone": "Europe/Kyiv"},
        ),
        ErrorCode(
            "overflow",
            400,
            _("This time is out of the supported range."),
            attr="start",
            meaning="a time out of the representable range (years 1 to 9999 in UTC)",
        ),
        ErrorCode(
            "empty",
            400,
            _("Send `start`, `end` or both."),
            attr="non_field_errors",
            meaning="a reschedule that names neither time",
        ),
        ErrorCode(
            "conflict",
            400,
            _("`{alias}` is an alias of `{name}`; send one."),
            attr="start",
            meaning="a calendar bound and its alias with different values",
            example={"alias": "start", "name": "from"},
        ),
        ErrorCode(
            "invalid_range",
            400,
            _("`to` must be after `from`."),
            attr="to",
            meaning="a reversed calendar window",
        ),
        ErrorCode(
            "range_too_long",
            400,
            _("The window may span at most {calendar_max_range_days} days."),
            attr="to",
            meaning="a calendar window longer than `CALENDAR_MAX_RANGE_DAYS` local days",
        ),
        PARSE_ERROR,
        # 403, 404, 409, 429: the request is well formed but cannot be done.
        ErrorCode(
            "scheduling_not_allowed",
            403,
            _("You may not schedule a lesson with this student."),
            meaning="the host's `SCHEDULING_POLICY` refused",
        ),
        ErrorCode(
            "not_found",
            404,
            _("Not found."),
            meaning="no such lesson, or you are not one of its participants",
        ),
        ErrorCode(
            "time_conflict",
            409,
            _("The tutor or the student already has a lesson at that time."),
            meaning="the tutor or the student already has a scheduled lesson then; the "
            "error's `busy` names who (`tutor`, `student` or both), its `lesson_id` the "
            "clashing lesson when it is yours (else `null`), and its detail says who "
            "(see `BUSY_DETAILS`)",
        ),
        ErrorCode(
            "lesson_not_scheduled",
            409,
            _("Only a scheduled lesson can be changed; this one is not."),
            meaning="the lesson is cancelled or completed",
        ),
        ErrorCode(
            "lesson_expired",
            409,
            _("The lesson has already started and can no longer be changed."),
            meaning="the lesson has already started",
        ),
        THROTTLED,
        # 503: the request may well succeed a moment later.
        ErrorCode(
            "booking_busy",
            503,
            _(
                "Another change to the same people's schedule is in progress; try again in a "
                "moment."
            ),
            meaning="another write held the tutor's, the student's or the lesson's lock for "
            "longer than `LOCK_TIMEOUT`; nothing was changed: try again after `Retry-After`",
            retry_after=2,
        ),
    ],
    parameters=settings_parameters,
)


#: The members a ``time_conflict`` error adds to drf-standardized-errors' error item.
TIME_CONFLICT_MEMBERS = ("busy", "lesson_id")

#: What a ``time_conflict`` says, by the requester's role in the lesson asked for (None:
#: neither, e.g. a service called outside a request) and who is busy. The registry's
#: message is the general one, for what cannot tell.
BUSY_DETAILS: dict[tuple[str | None, tuple[str, ...]], Any] = {
    ("tutor", ("tutor",)): _("You already have a lesson at that time."),
    ("tutor", ("student",)): _("The student already has a lesson at that time."),
    ("tutor", ("tutor", "student")): _("You and the student both have a lesson at that time."),
    ("student", ("student",)): _("You already have a lesson at that time."),
    ("student", ("tutor",)): _("The tutor already has a lesson at that time."),
    ("student", ("tutor", "student")): _("You and the tutor both have a lesson at that time."),
    (None, ("tutor",)): _("The tutor already has a lesson at that time."),
    (None, ("student",)): _("The student already has a lesson at that time."),
    (None, ("tutor", "student")): _("The tutor and the student both have a lesson at that time."),
}


def _members(error: ErrorCode) -> str:
    if error.code == "time_conflict":
        return ", ".join(f"`{member}`" for member in TIME_CONFLICT_MEMBERS)
    return ""


def table() -> str:
    """The registry as a Markdown table, for the docs (with the members an error adds)."""
    return CODES.table(extra={"members": _members})

"""Input and output shapes of the lessons API. Business rules live in ``services``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tutor_core.api.fields import UserField
from tutor_core.api.schema import described
from tutor_lessons.api.errors import validation_error
from tutor_lessons.conf import lessons_settings
from tutor_lessons.errors import CODES, settings_parameters
from tutor_lessons.models import Lesson, LessonStatus
from tutor_lessons.people import participant_names
from tutor_lessons.timezones import LocalTimeError, make_aware_strict

try:  # optional: the same strings, formatted faster (django-tutor-lessons[orjson])
    import orjson
except ImportError:  # pragma: no cover - the suites install it
    HAS_ORJSON = False
else:
    HAS_ORJSON = True

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A time whose "+HH:MM" offset arrived as " HH:MM": an unencoded "+" in a query string.
_PLUS_READ_AS_SPACE = re.compile(r"\d \d{2}(:?\d{2})?$")


def _zone(serializer_field: serializers.Field) -> ZoneInfo:
    return serializer_field.context.get("timezone") or ZoneInfo("UTC")


def utc_iso_stdlib(value: datetime) -> str:
    """``value`` in UTC, ISO 8601 with a ``Z``: ``2026-03-01T09:00:00.123456Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_iso_stdlib(value: datetime, zone: ZoneInfo) -> str:
    """``value`` in ``zone``, ISO 8601 with its offset: ``2026-03-01T11:00:00+02:00``."""
    return value.astimezone(zone).isoformat()


# The same strings from orjson's C formatter, when it is installed: a 500-lesson calendar
# formats 3,500 datetimes, and isoformat() was the largest part of its rendering.
def utc_iso_orjson(value: datetime) -> str:
    return orjson.dumps(value.astimezone(UTC), option=orjson.OPT_UTC_Z)[1:-1].decode()


def local_iso_orjson(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    offset = local.utcoffset()
    if offset is None or offset.seconds % 60:
        # A local mean time offset with seconds (before ~1900): orjson would round it.
        return local.isoformat()
    return orjson.dumps(local)[1:-1].decode()


utc_iso = utc_iso_orjson if HAS_ORJSON else utc_iso_stdlib
local_iso = local_iso_orjson if HAS_ORJSON else local_iso_stdlib


def lesson_representation(
    lesson: Lesson | Any, *, zone: ZoneInfo, display_names: Mapping[Any, str]
) -> dict[str, Any]:
    """The JSON of one lesson as seen from ``zone`` (SPEC §2.1).

    ``lesson`` is a ``Lesson`` or a row with the same attributes (the calendar's);
    ``display_names`` names its tutor and student by user id (``USER_DISPLAY_NAME``). A
    plain function rather than per-field serializer machinery: the calendar renders up
    to 500 of these per request, and this keeps that close to the cost of ``json.dumps``.
    """
    return {
        "id": lesson.id,
        "tutor": lesson.tutor_id,
        "tutor_display_name": display_names[lesson.tutor_id],
        "student": lesson.student_id,
        "student_display_name": display_names[lesson.student_id],
        "status": lesson.status,
        "utc_start": utc_iso(lesson.start),
        "utc_end": utc_iso(lesson.end),
        "user_local_start": local_iso(lesson.start, zone),
        "user_local_end": local_iso(lesson.end, zone),
        "timezone": zone.key,
        "series_id": str(lesson.series_id) if lesson.series_id else None,
        "cancelled_by": lesson.cancelled_by_id,
        "cancelled_at": utc_iso(lesson.cancelled_at) if lesson.cancelled_at else None,
        "cancellation_reason": lesson.cancellation_reason,
        "created_at": utc_iso(lesson.created_at),
        "updated_at": utc_iso(lesson.updated_at),
    }


class LessonSerializer(serializers.Serializer):
    """A lesson, with its times in UTC and in the requesting user's zone."""

    id = serializers.IntegerField(read_only=True)
    tutor = UserField(read_only=True, help_text=_("The tutor's user id."))
    tutor_display_name = serializers.CharField(
        read_only=True, help_text=_("The tutor's name, from the host's `USER_DISPLAY_NAME` hook.")
    )
    student = UserField(read_only=True, help_text=_("The student's user id."))
    student_display_name = serializers.CharField(
        read_only=True,
        help_text=_("The student's name, from the host's `USER_DISPLAY_NAME` hook."),
    )
    status = serializers.ChoiceField(choices=LessonStatus.choices, read_only=True)
    utc_start = serializers.DateTimeField(read_only=True, help_text=_("Start in UTC (`Z`)."))
    utc_end = serializers.DateTimeField(read_only=True, help_text=_("End in UTC (`Z`)."))
    user_local_start = serializers.DateTimeField(
        read_only=True, help_text=_("Start with the offset of `timezone` at that instant.")
    )
    user_local_end = serializers.DateTimeField(
        read_only=True, help_text=_("End with the offset of `timezone` at that instant.")
    )
    timezone = serializers.CharField(
        read_only=True, help_text=_("The IANA zone of the requesting user used for local times.")
    )
    series_id = serializers.UUIDField(read_only=True, allow_null=True)
    cancelled_by = UserField(
        read_only=True, allow_null=True, help_text=_("The user id of who cancelled it.")
    )
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancellation_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Lesson) -> dict[str, Any]:
        request = self.context.get("request")
        known = [request.user] if request is not None else []
        names = participant_names(instance, known=known)
        return lesson_representation(instance, zone=_zone(self), display_names=names)


def _to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """An aware value as given; a naive one read in ``zone`` (DST gaps and folds refused)."""
    try:
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return make_aware_strict(value, zone).astimezone(UTC)
    except LocalTimeError as error:
        raise _field_error(error.code, **error.params) from error
    except OverflowError as error:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
        raise _field_error("overflow") from error


def _field_error(code: str, **params: Any) -> serializers.ValidationError:
    """A registry error about the field being validated (the serializer names it)."""
    return serializers.ValidationError(CODES[code].detail(**params), code=code)


# Both forms are valid input, so the schema may not say "format: date-time" alone.
_NAIVE_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "date-time"},
            {"type": "string", "pattern": _NAIVE_DATETIME},
        ],
        "example": "2026-07-14T16:00:00+03:00",
    }
)
class LocalDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime; without an offset it is read in the requesting user's zone."""

    def enforce_timezone(self, value: datetime) -> datetime:
        return _to_utc(value, _zone(self))


class LessonWindowSerializer(serializers.Serializer):
    start = LocalDateTimeField(
        help_text=_(
            "ISO 8601. With an offset it is taken as given; without one it is read "
            "in your time zone, and a time skipped or repeated by a DST change is refused."
        )
    )
    end = LocalDateTimeField(
        # A lazy template: core's described() formats it when the schema is built.
        help_text=described(
            _("ISO 8601, as `start`. {min_duration} to {max_duration} after it."),
            settings_parameters,
        )
    )


class UUIDStringField(serializers.UUIDField):
    """A UUID written as JSON text, and nothing else.

    DRF's ``UUIDField`` also takes a number as the UUID's integer value (``5`` is
    ``00000000-0000-0000-0000-000000000005``, ``true`` the UUID 1): a client's mistake
    stored as a made-up id. Anything but a string is a 400 ``invalid``.
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class LessonCreateSerializer(LessonWindowSerializer):
    student = UserField(help_text=_("The student's user id; you are the tutor."))
    series_id = UUIDStringField(
        required=False,
        allow_null=True,
        help_text=_("Reserved for recurring lessons (v1.1): a UUID as a string, or null."),
    )


class LessonRescheduleSerializer(LessonWindowSerializer):
    """Both times, or one: ``start`` alone keeps the length, ``end`` alone resizes."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise validation_error("empty")
        return attrs


class LessonCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text=_("Why.")
    )


# A query parameter's text: a date or a datetime (the description says which forms).
@extend_schema_field(OpenApiTypes.STR)
class CalendarBoundField(serializers.Field):
    """A calendar bound: a date (a whole local day) or an ISO 8601 datetime."""

    default_error_messages = {
        "invalid": _("Use a date (YYYY-MM-DD) or an ISO 8601 datetime."),
        "unencoded_offset": _(
            "A '+' in a query string is read as a space: send the offset's '+' as %2B "
            "(2026-07-14T00:00:00%2B03:00)."
        ),
    }

    def to_internal_value(self, data: Any) -> date | datetime:
        text = str(data).strip()
        if _DATE_ONLY.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                self.fail("invalid")
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            self.fail("unencoded_offset" if _PLUS_READ_AS_SPACE.search(text) else "invalid")
        return _to_utc(value, _zone(self))

    def to_representation(self, value: Any) -> str:
        return value.isoformat()


def _wall_clock(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # fold=0 puts a midnight skipped by DST at the instant of the change.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


class CalendarQuerySerializer(serializers.Serializer):
    """``GET /api/lessons/my/`` parameters; ``start``/``end`` are aliases of ``from``/``to``."""

    role = serializers.ChoiceField(
        choices=["tutor", "student"],
        required=False,
        help_text=_("Only lessons where you have this role (default: both)."),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        bound_help = _(
            "A date (that whole day in your zone, `to` inclusive) or an ISO datetime, e.g. "
            '`2026-07-14` or `2026-07-14T00:00:00+03:00`. Swagger UI\'s "Try it out" encodes '
            "the `+` for you; a URL built by hand must send it as `%2B` (a bare `+` in a query "
            "string is a space: 400 `unencoded_offset`)."
        )
        fields["from"] = CalendarBoundField(
            required=False, help_text=format_lazy("{} {}", _("Window start."), bound_help)
        )
        fields["to"] = CalendarBoundField(
            required=False, help_text=format_lazy("{} {}", _("Window end."), bound_help)
        )
        fields["start"] = CalendarBoundField(required=False, help_text=_("Alias of `from`."))
        fields["end"] = CalendarBoundField(required=False, help_text=_("Alias of `to`."))
        fields["status"] = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text=format_lazy(
                _("One status or several, comma-separated: {statuses}"),
                statuses=", ".join(LessonStatus.values),
            ),
        )
        return fields

    def validate_status(self, value: str) -> list[str]:
        if not value:  # ``?status=`` or only whitespace: every status, as when absent
            return []
        # Each status once: "scheduled,scheduled,…" is not thousands of SQL parameters.
        statuses = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        unknown = sorted(set(statuses) - set(LessonStatus.values))
        if unknown or not statuses:
            # The message quotes a few of the unknown names, shortened: a query string of
            # thousands of names must not come back as an error body of the same size.
            shown = [name if len(name) <= 20 else name[:19] + "…" for name in unknown[:3]]
            if len(unknown) > len(shown):
                shown.append(_("and {count} more").format(count=len(unknown) - len(shown)))
            raise serializers.ValidationError(
                _("Unknown status {names}; use {statuses}.").format(
                    names=", ".join(shown) or _("(empty)"),
                    statuses=", ".join(LessonStatus.values),
                ),
                code="invalid_choice",
            )
        return statuses

    def _bound(self, attrs: dict[str, Any], name: str, alias: str) -> date | datetime:
        if name in attrs and alias in attrs and attrs[name] != attrs[alias]:
            raise validation_error("conflict", attr=alias, alias=alias, name=name)
        value = attrs.get(name, attrs.get(alias))
        if value is None:
            raise serializers.ValidationError(
                {name: [_("This parameter is required.")]}, code="required"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        zone = _zone(self)
        lower = self._bound(attrs, "from", "start")
        upper = self._bound(attrs, "to", "end")
        try:
            if not isinstance(lower, datetime):
                lower = _local_midnight(lower, zone)
            if not isinstance(upper, datetime):
                upper = _local_midnight(upper + timedelta(days=1), zone)
        except OverflowError as error:  # the first or last day of the calendar's range
            name = "to" if isinstance(lower, datetime) else "from"
            raise validation_error("overflow", attr=name) from error
        if upper <= lower:
            raise validation_error("invalid_range")
        # Counted in local days: a year that crosses a DST change in the user's zone is
        # 366 local days even though it is an hour more or less in UTC.
        local_span = _wall_clock(upper, zone) - _wall_clock(lower, zone)
        if local_span > timedelta(days=lessons_settings.CALENDAR_MAX_RANGE_DAYS):
            raise validation_error("range_too_long")
        return {
            "window_start": lower,
            "window_end": upper,
            "statuses": attrs.get("status", []),
            "role": attrs.get("role"),
        }


class CalendarSerializer(serializers.Serializer):
    """The calendar envelope (SPEC §2.2)."""

    results = LessonSerializer(many=True)
    has_more_events = serializers.BooleanField(
        # A lazy template, as LessonWindowSerializer.end's.
        help_text=described(
            _("True when more lessons match than the {calendar_max_events} returned."),
            settings_parameters,
        )
    )
    timezone = serializers.CharField(help_text=_("The IANA zone local times are shown in."))

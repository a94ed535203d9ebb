"""Input and output shapes of the marketplace API. Business rules live in ``services``.

Every list a client sends is bounded before its items are read (SPEC §0, "every request
does bounded work"): longer than its cap, it is one 400 with the cap's registry code;
within it, items are validated until ``MAX_ITEM_ERRORS`` of them failed. DRF's own
``ListField(max_length=...)`` is a validator that runs only after every item was
validated, and each item error is one more entry for drf-standardized-errors to flatten
(``flatten_errors`` pops the front of a list: quadratic in the number of errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings

from tutor_marketplace.conf import marketplace_settings
from tutor_marketplace.errors import CODES
from tutor_marketplace.exceptions import InvalidInput
from tutor_marketplace.models import TutorProfile, WeeklyAvailability
from tutor_marketplace.representation import format_rate
from tutor_marketplace.services import parse_clock, subject_names


def _registry_error(code: str) -> serializers.ValidationError:
    return serializers.ValidationError(CODES[code].detail(), code=code)


def validate_items(items: Iterable[Any], validate: Callable[[Any], Any]) -> list[Any]:
    """Each item through ``validate``, in order; stop at the ``MAX_ITEM_ERRORS``-th failure.

    Raises one ``ValidationError`` keyed by the failed items' indexes (DRF's shape for a
    list's item errors), so a 400 names at most ``MAX_ITEM_ERRORS`` items.
    """
    most = max(1, marketplace_settings.MAX_ITEM_ERRORS)
    validated: list[Any] = []
    errors: dict[int, Any] = {}
    for index, item in enumerate(items):
        try:
            validated.append(validate(item))
        except serializers.ValidationError as error:
            errors[index] = error.detail
        except DjangoValidationError as error:
            errors[index] = get_error_detail(error)
        else:
            continue
        if len(errors) >= most:
            break
    if errors:
        # DRF keys a list's item errors by index, as its own ListField does; the stubs
        # allow only text keys.
        raise serializers.ValidationError(errors)  # type: ignore[arg-type]
    return validated


class BoundedListField(serializers.ListField):
    """A ``ListField`` that refuses a list longer than ``limit()`` before it reads an item.

    ``too_long`` is the registry code of that refusal. ``limit`` is called per request,
    so a setting changed at run time (or by a test) applies at once.
    """

    def __init__(self, *, limit: Callable[[], int], too_long: str, **kwargs: Any) -> None:
        self.limit = limit
        self.too_long = too_long
        super().__init__(**kwargs)

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        # Called by ``ListField.to_internal_value`` once ``data`` is known to be a list.
        if len(data) > self.limit():
            raise _registry_error(self.too_long)
        return validate_items(data, self.child.run_validation)


class ProfileSettingsSerializer(serializers.Serializer):
    hourly_rate = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        allow_null=True,
        coerce_to_string=True,
        help_text=_('The price of an hour, e.g. "40.00" (a number is accepted too).'),
    )
    currency = serializers.CharField(help_text=_("An ISO 4217 code from the `CURRENCIES` setting."))
    subjects = BoundedListField(
        child=serializers.CharField(trim_whitespace=False, allow_blank=True),
        limit=lambda: marketplace_settings.MAX_SUBJECTS,
        too_long="too_many_subjects",
        help_text=_(
            "Free-form names, 1-64 characters; stored trimmed and case-folded. At "
            "most `MAX_SUBJECTS` (20) items, duplicates included: a longer list is refused "
            "before its items are read."
        ),
    )

    def validate_currency(self, value: str) -> str:
        value = value.strip().upper()
        if value not in marketplace_settings.CURRENCIES:
            raise _registry_error("invalid_currency")
        return value

    def validate_subjects(self, value: list[str]) -> list[str]:
        try:
            return subject_names(value)
        except InvalidInput as error:
            raise _registry_error(error.code) from error


class ProfileSerializer(serializers.Serializer):
    """The profile (SPEC §3); ``PATCH`` sends any subset of it."""

    headline = serializers.CharField(max_length=120, allow_blank=True)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    is_published = serializers.BooleanField(
        help_text=_("Shown in the listing. Needs a headline, a rate and a subject.")
    )
    settings = ProfileSettingsSerializer()


class SlotListSerializer(serializers.ListSerializer):
    """The week of slots: more than ``MAX_SLOTS`` is refused before any slot is read."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            message = self.error_messages["not_a_list"].format(input_type=type(data).__name__)
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="not_a_list"
            )
        if len(data) > marketplace_settings.MAX_SLOTS:
            too_many = ErrorDetail(CODES["too_many_slots"].detail(), code="too_many_slots")
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [too_many]})
        return validate_items(data, self.run_child_validation)


class SlotSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = SlotListSerializer

    weekday = serializers.JSONField(help_text=_("0 (Monday) to 6 (Sunday)."))
    start = serializers.JSONField(help_text=_("HH:MM."))
    end = serializers.JSONField(help_text=_("HH:MM, after `start` the same day."))

    def validate_weekday(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            raise _registry_error("invalid_weekday")
        return value

    def _clock(self, value: Any) -> Any:
        try:
            return parse_clock(value)
        except ValueError as error:
            raise _registry_error("invalid_time") from error

    validate_start = _clock
    validate_end = _clock


def slot_representation(slot: WeeklyAvailability) -> dict[str, Any]:
    return {"weekday": slot.weekday, "start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}"}


class SlotOutputSerializer(serializers.Serializer):
    """A weekly slot as answered (the schema's view of ``slot_representation``)."""

    weekday = serializers.IntegerField(min_value=0, max_value=6)
    start = serializers.CharField(help_text=_("HH:MM"))
    end = serializers.CharField(help_text=_("HH:MM"))


class TutorSerializer(serializers.Serializer):
    """One tutor in the listing (the schema's view of ``tutor_representation``)."""

    user = serializers.IntegerField(help_text=_("The tutor's user id."))
    display_name = serializers.CharField()
    headline = serializers.CharField()
    hourly_rate = serializers.CharField(help_text=_('e.g. "40.00"'))
    currency = serializers.CharField()
    subjects = serializers.ListField(child=serializers.CharField())


def tutor_representation(profile: TutorProfile) -> dict[str, Any]:
    """A profile of ``selectors.tutors_page`` as the listing shows it."""
    return {
        "user": profile.user_id,
        "display_name": marketplace_settings.USER_DISPLAY_NAME(profile.user),
        "headline": profile.headline,
        "hourly_rate": format_rate(profile.hourly_rate),
        "currency": profile.currency,
        "subjects": profile.listed_subjects,  # selectors.tutors_page
    }


class TutorPageSerializer(serializers.Serializer):
    results = TutorSerializer(many=True)
    cursor = serializers.CharField(
        allow_null=True, help_text=_("Opaque; pass it back as `?cursor=` for the next page.")
    )
    has_more = serializers.BooleanField()


class DraftSavedSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("Also the `ETag` header, quoted."))
    dirty = serializers.ListField(child=serializers.CharField())


class DraftSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    draft = serializers.DictField(help_text=_("The blob as last saved."))


class DiffSerializer(serializers.Serializer):
    dirty = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Dotted paths (at most 3 levels) where the draft differs from the profile."),
    )


class DraftBlobSerializer(serializers.Serializer):
    """The autosave body: any JSON object, normally the profile's shape (schema only)."""

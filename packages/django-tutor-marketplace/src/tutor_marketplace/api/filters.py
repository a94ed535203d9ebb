"""The listing's query parameters, as a django-filter ``FilterSet``.

Each filter only cleans and normalises its value; ``selectors.filtered_tutors`` builds
the query, so the cache key (from the cleaned values) and the rows always agree.

``clean_listing_query`` memoises the cleaning per distinct set of parameters: cleaning
is a pure function of the parameters and the package settings, and building the
FilterSet and its form (django-filter and Django deep-copy every filter and field per
instance) was most of the time of a cache HIT.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import django_filters
from django import forms
from django.core.signals import setting_changed
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tutor_marketplace.conf import SETTING_NAME, marketplace_settings
from tutor_marketplace.errors import CODES
from tutor_marketplace.models import TutorProfile, normalise_subject_name
from tutor_marketplace.selectors import DEFAULT_ORDERING, ORDERINGS


class WeekdayField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        try:
            number = super().to_python(value)
        except forms.ValidationError:
            number = -1
        if number is not None and not 0 <= number <= 6:
            raise forms.ValidationError(CODES["invalid_weekday"].detail(), code="invalid_weekday")
        return number


class SubjectField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return normalise_subject_name(super().to_python(value) or "")


#: The largest rate a profile can hold (``TutorProfile.hourly_rate``: 8 digits, 2 decimal).
LARGEST_RATE = Decimal("999999.99")
CENT = Decimal("0.01")


class RateField(forms.DecimalField):
    """A rate in cents: ``10``, ``10.0``, ``10.000`` and ``1e1`` are all ``10.00``.

    A rate with a fraction of a cent (``10.001``) is refused (``max_decimal_places``),
    not rounded: no stored rate lies between two cents, so rounding would only make two
    spellings of one filter, and a silently different answer.
    """

    #: The longest text read as a number (Decimal reads any length).
    max_text_length = 32

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=LARGEST_RATE, **kwargs)

    # Django's DecimalField subclasses IntegerField and returns a Decimal all the same;
    # django-stubs ignores the override in DecimalField itself, and so must we.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str) and len(value.strip()) > self.max_text_length:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        # Out of range is the validators' max_value / min_value (quantize would overflow).
        if value is None or abs(value) > LARGEST_RATE:
            return
        if value != value.quantize(CENT, rounding=ROUND_DOWN):
            raise forms.ValidationError(
                _("Ensure that there are no more than 2 decimal places."),
                code="max_decimal_places",
            )

    def clean(self, value: Any) -> Decimal | None:
        rate = super().clean(value)
        return None if rate is None else rate.quantize(CENT)


class RateFilter(django_filters.NumberFilter):
    field_class = RateField

    def get_max_validator(self) -> None:
        return None  # RateField has its own bound (django-filter's is 1e50)


class PageSizeField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value > marketplace_settings.MAX_PAGE_SIZE:
            raise forms.ValidationError(
                _("At most {max_page_size}.").format(
                    max_page_size=marketplace_settings.MAX_PAGE_SIZE
                ),
                code="max_value",
            )


class _Noop(django_filters.Filter):
    """A cleaned parameter that ``selectors`` applies (or that only pages)."""

    def filter(self, qs: Any, value: Any) -> Any:
        return qs


class WeekdayFilter(_Noop):
    field_class = WeekdayField


class SubjectFilter(_Noop):
    field_class = SubjectField


class PageSizeFilter(_Noop):
    field_class = PageSizeField


class TutorFilterSet(django_filters.FilterSet):
    subject = SubjectFilter(max_length=64, help_text=_("A subject name (matched normalised)."))
    min_rate = RateFilter(method="skip", help_text=_("Lowest hourly rate, inclusive (in cents)."))
    max_rate = RateFilter(method="skip", help_text=_("Highest hourly rate, inclusive (in cents)."))
    weekday = WeekdayFilter(help_text=_("Only tutors with a slot that weekday (0 = Monday)."))
    q = django_filters.CharFilter(
        method="skip", max_length=100, help_text=_("Text in the headline or description.")
    )
    ordering = django_filters.ChoiceFilter(
        method="skip",
        choices=[(name, name) for name in ORDERINGS],
        empty_label=None,
        help_text=format_lazy(
            _("Sort order (default `{ordering}`); ties broken by id."), ordering=DEFAULT_ORDERING
        ),
    )
    cursor = django_filters.CharFilter(
        method="skip", max_length=1024, help_text=_("The `cursor` of the previous page.")
    )
    page_size = PageSizeFilter(help_text=_("Tutors per page (default and maximum: settings)."))

    class Meta:
        model = TutorProfile
        fields: list[str] = []

    def skip(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset

    def get_form_class(self) -> type[forms.Form]:
        # django-filter creates a new form class on every request; these filters never
        # change, so it is built once (a third of a cache HIT's time went there).
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    def clean_query(self) -> dict[str, Any]:
        """The cleaned parameters with defaults applied (the cache key is made of these)."""
        data = dict(self.form.cleaned_data)
        data["q"] = (data.get("q") or "").strip() or None
        data["subject"] = data.get("subject") or None
        data["ordering"] = data.get("ordering") or DEFAULT_ORDERING
        data["page_size"] = data.get("page_size") or marketplace_settings.PAGE_SIZE
        data["cursor"] = data.get("cursor") or None
        return data


#: Distinct parameter sets whose cleaned form is kept per process.
CLEANED_QUERIES_KEPT = 1024
_PARAMETERS = tuple(TutorFilterSet.base_filters)


class InvalidListingQuery(Exception):
    def __init__(self, form: forms.Form) -> None:
        super().__init__("invalid listing query")
        self.form = form


def clean_listing_query(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The cleaned, normalised listing parameters of a query string (read-only).

    Raises ``InvalidListingQuery`` (it carries the bound form and its errors) when the
    FilterSet rejects them. Only the value a form would read (the last one of a repeated
    parameter) counts, and parameters the FilterSet does not know are ignored, as the
    FilterSet itself does.
    """
    present = tuple(sorted((name, params.get(name)) for name in _PARAMETERS if name in params))
    return _clean(present)


@lru_cache(maxsize=CLEANED_QUERIES_KEPT)
def _clean(present: tuple[tuple[str, Any], ...]) -> Mapping[str, Any]:
    # A rejected query raises, so lru_cache keeps nothing for it.
    filterset = TutorFilterSet(dict(present), queryset=TutorProfile.objects.none())
    if not filterset.is_valid():
        raise InvalidListingQuery(filterset.form)
    return MappingProxyType(filterset.clean_query())


def _forget_cleaned_queries(*, setting: str, **kwargs: Any) -> None:
    # PAGE_SIZE and MAX_PAGE_SIZE take part in the cleaning.
    if setting == SETTING_NAME:
        _clean.cache_clear()


setting_changed.connect(_forget_cleaned_queries)

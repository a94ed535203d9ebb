"""The listing's query parameters, as a django-filter ``FilterSet``.

Each filter only cleans and normalises its value; ``selectors.filtered_tutors`` builds
the query, so the cache key (from the cleaned values) and the rows always agree.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms

from tutor_marketplace.conf import marketplace_settings
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


class PageSizeField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value > marketplace_settings.MAX_PAGE_SIZE:
            raise forms.ValidationError(
                f"At most {marketplace_settings.MAX_PAGE_SIZE}.", code="max_value"
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
    subject = SubjectFilter(max_length=64, help_text="A subject name (matched normalised).")
    min_rate = django_filters.NumberFilter(
        method="skip", min_value=0, help_text="Lowest hourly rate, inclusive."
    )
    max_rate = django_filters.NumberFilter(
        method="skip", min_value=0, help_text="Highest hourly rate, inclusive."
    )
    weekday = WeekdayFilter(help_text="Only tutors with a slot that weekday (0 = Monday).")
    q = django_filters.CharFilter(
        method="skip", max_length=100, help_text="Text in the headline or description."
    )
    ordering = django_filters.ChoiceFilter(
        method="skip",
        choices=[(name, name) for name in ORDERINGS],
        empty_label=None,
        help_text=f"Sort order (default `{DEFAULT_ORDERING}`); ties broken by id.",
    )
    cursor = django_filters.CharFilter(
        method="skip", max_length=1024, help_text="The `cursor` of the previous page."
    )
    page_size = PageSizeFilter(help_text="Tutors per page (default and maximum: settings).")

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
        for name in ("min_rate", "max_rate"):
            if data.get(name) is not None:
                data[name] = data[name].normalize()
        return data

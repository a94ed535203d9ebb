"""Messages people read are translatable (lazy ``gettext``); codes are not messages."""

import pytest
from django.utils.functional import Promise

from tutor_lessons.api import serializers
from tutor_lessons.errors import CODES


def test_every_registry_message_is_translatable():
    assert all(isinstance(spec.message, Promise) for spec in CODES.values())
    assert all(isinstance(code, str) and not isinstance(code, Promise) for code in CODES)


@pytest.mark.parametrize(
    "serializer",
    [
        serializers.LessonSerializer,
        serializers.LessonCreateSerializer,
        serializers.LessonRescheduleSerializer,
        serializers.LessonCancelSerializer,
        serializers.CalendarQuerySerializer,
        serializers.CalendarSerializer,
    ],
)
def test_every_help_text_is_translatable(serializer):
    fields = serializer().fields
    untranslated = [
        name
        for name, field in fields.items()
        if field.help_text and not isinstance(field.help_text, Promise)
    ]
    assert untranslated == []


def test_the_calendar_bound_message_is_translatable():
    assert isinstance(serializers.CalendarBoundField.default_error_messages["invalid"], Promise)

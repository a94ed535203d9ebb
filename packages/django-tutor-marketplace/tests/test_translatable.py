"""Messages people read are translatable: registry messages and help texts (codes never)."""

from django.utils.functional import Promise
from django.utils.translation import override

from tutor_marketplace.api.filters import TutorFilterSet
from tutor_marketplace.api.serializers import (
    ProfileSerializer,
    ProfileSettingsSerializer,
    SlotSerializer,
)
from tutor_marketplace.errors import CODES


def test_registry_messages_are_lazy_translations_and_codes_are_plain():
    assert all(isinstance(spec.message, Promise) for spec in CODES.values())
    assert all(type(code) is str for code in CODES)


def test_serializer_and_filter_help_texts_are_lazy_translations():
    fields = [
        *ProfileSettingsSerializer().fields.values(),
        *SlotSerializer().fields.values(),
        ProfileSerializer().fields["is_published"],
    ]
    assert all(isinstance(field.help_text, Promise) for field in fields)
    filters = TutorFilterSet.base_filters.values()
    assert all(isinstance(filter_.extra["help_text"], Promise) for filter_ in filters)


def test_a_detail_renders_in_the_active_language_with_its_settings():
    # English is the source text; Ukrainian comes from the catalogue the package ships
    # (locale/uk); a language without a catalogue falls back to English.
    with override("en"):
        assert CODES["too_many_subjects"].detail() == "At most 20 subjects."
    with override("uk"):
        assert CODES["too_many_subjects"].detail() == "Щонайбільше предметів: 20."
    with override("de"):
        assert CODES["too_many_subjects"].detail() == "At most 20 subjects."

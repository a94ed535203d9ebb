import pytest
from django.test import override_settings

from tests.sample.package import name_of, sample_settings


def test_defaults_and_import_strings_are_resolved():
    assert sample_settings.MAX_ITEMS == 3
    assert sample_settings.DISPLAY_NAME is name_of
    assert sample_settings.THROTTLE_BASE_CLASS is None


def test_override_settings_reloads_and_restores():
    with override_settings(TUTOR_SAMPLE={"MAX_ITEMS": 9}):
        assert sample_settings.MAX_ITEMS == 9
    assert sample_settings.MAX_ITEMS == 3


def test_a_setting_that_is_not_a_dict_reads_as_the_defaults():
    with override_settings(TUTOR_SAMPLE=["MAX_ITEMS"]):
        assert sample_settings.MAX_ITEMS == 3


def test_an_unknown_name_is_an_attribute_error_naming_the_setting():
    with pytest.raises(AttributeError, match="Invalid TUTOR_SAMPLE setting: 'NOPE'"):
        sample_settings.NOPE  # noqa: B018


def test_a_hook_given_as_a_callable_is_kept():
    def other(user):
        return "x"

    with override_settings(TUTOR_SAMPLE={"DISPLAY_NAME": other}):
        assert sample_settings.DISPLAY_NAME is other

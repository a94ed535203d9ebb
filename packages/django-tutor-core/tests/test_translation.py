"""Core's shared messages in Ukrainian, though core is not in INSTALLED_APPS."""

from django.conf import settings
from django.utils import translation

from tutor_core.errors import PARSE_ERROR, THROTTLED
from tutor_core.translation import gettext


def test_core_is_not_an_installed_app_yet_its_messages_are_translated():
    assert "tutor_core" not in settings.INSTALLED_APPS
    # Ukrainian text: Cyrillic letters that look Latin are meant (RUF001).
    with translation.override("uk"):
        assert PARSE_ERROR.detail() == "Тіло JSON має надто глибоку вкладеність."
        assert THROTTLED.detail(wait=12) == "Забагато запитів. Спробуйте знову через 12 с."  # noqa: RUF001


def test_english_is_the_source_text_and_other_languages_fall_back_to_it():
    for language in ("en", "de", None):
        with translation.override(language):
            assert PARSE_ERROR.detail() == "The JSON body is nested too deeply."
    with translation.override("uk-ua"):  # a regional variant reads the language's catalogue
        assert gettext("The JSON body is nested too deeply.").startswith("Тіло JSON")


def test_the_hosts_catalogues_come_first():
    # DRF's catalogue (an installed app) has this one; core's does not.
    with translation.override("uk"):
        assert gettext("Not found.") == "Не знайдено."  # noqa: RUF001
        assert gettext("A message no catalogue has.") == "A message no catalogue has."

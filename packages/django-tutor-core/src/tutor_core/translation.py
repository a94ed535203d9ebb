"""Core's own messages in the active language, though core is not an installed app.

Django reads the catalogues of ``INSTALLED_APPS`` and ``LOCALE_PATHS`` only; core is a
library every package builds on, never in ``INSTALLED_APPS``, so its shared messages
(``parse_error``, ``throttled``) are looked up here: in the host's catalogues first
(Django's ``gettext``, so a host can still override them), then in core's own
``locale/`` directory.
"""

from __future__ import annotations

import gettext as gettext_module
from functools import cache
from pathlib import Path

from django.utils import translation
from django.utils.functional import lazy

LOCALE = Path(__file__).parent / "locale"


@cache
def _catalogue(language: str) -> gettext_module.NullTranslations:
    """Core's catalogue of ``language`` (a Django language code); a no-op if it has none."""
    return gettext_module.translation(
        "django", LOCALE, languages=[translation.to_locale(language)], fallback=True
    )


def gettext(message: str) -> str:
    """``message`` in the active language: the host's catalogues, else core's own."""
    translated = translation.gettext(message)
    language = translation.get_language()
    if translated != message or language is None:
        return translated
    return _catalogue(language).gettext(message)


#: ``gettext`` evaluated when the text is used (a module-level message, say).
gettext_lazy = lazy(gettext, str)

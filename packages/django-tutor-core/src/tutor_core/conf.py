"""The settings object behind each package's ``TUTOR_*`` dict.

It behaves as DRF's own ``APISettings`` (``rest_framework.settings``) pointed at another
setting: documented defaults, dotted paths resolved on first use (DRF's
``perform_import``), and a reload on ``setting_changed`` so that ``override_settings``
works in tests. (It does not subclass ``APISettings``, whose defaults are typed as DRF's
own keys.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from rest_framework.settings import perform_import


class PackageSettings:
    """``PackageSettings("TUTOR_LESSONS", DEFAULTS, IMPORT_STRINGS)``: read one dict.

    A value that is not a dict is read as no settings at all (the package's system check
    reports it); an unknown name is an ``AttributeError``.
    """

    def __init__(
        self, setting_name: str, defaults: Mapping[str, Any], import_strings: Iterable[str] = ()
    ) -> None:
        self.setting_name = setting_name
        self.defaults: dict[str, Any] = dict(defaults)
        self.import_strings = frozenset(import_strings)
        self._cache: dict[str, Any] = {}
        # Not weak: the object lives as long as its module, and so must the receiver.
        setting_changed.connect(self._setting_changed, weak=False)

    @property
    def user_settings(self) -> dict[str, Any]:
        """The host's dict (``{}`` when the setting is absent or not a dict)."""
        value = getattr(settings, self.setting_name, {})
        return value if isinstance(value, dict) else {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.defaults:
            raise AttributeError(f"Invalid {self.setting_name} setting: {name!r}")
        if name not in self._cache:
            value = self.user_settings.get(name, self.defaults[name])
            if name in self.import_strings:
                value = perform_import(value, name)
            self._cache[name] = value
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()

    def _setting_changed(self, *, setting: str, **kwargs: Any) -> None:
        if setting == self.setting_name:
            self.reload()

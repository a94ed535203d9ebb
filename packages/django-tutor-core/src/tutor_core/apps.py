"""The base of every package's ``AppConfig`` (core itself is not an app)."""

from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig


class TutorAppConfig(AppConfig):
    """An app whose label is its name, with BigAutoField keys and registered checks.

    ``ready()`` imports the package's ``checks`` module, which registers its system
    checks, as allauth's apps do.
    """

    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import_module(f"{self.name}.checks")

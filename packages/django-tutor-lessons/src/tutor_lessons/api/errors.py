"""The lessons registry's 400s and 404 as DRF exceptions, for serializers and views.

A ``LessonsError`` a service raises becomes HTTP in the base view
(``tutor_core.api.views.TutorAPIView``); these name a registry code where a serializer
or a view refuses a request itself.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from tutor_core.api import errors
from tutor_lessons.errors import CODES


def validation_error(
    code: str, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with a registry code."""
    return errors.validation_error(CODES[code], attr=attr, **params)


def not_found() -> exceptions.NotFound:
    """Someone else's lesson, or no such lesson: the registry's 404 either way."""
    return errors.not_found(CODES["not_found"])

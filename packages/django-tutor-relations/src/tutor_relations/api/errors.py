"""Domain errors to HTTP, for the relations views: core's translation, bound to this registry.

The base view (``tutor_core.api.views.TutorAPIView``) turns every ``RelationsError`` into
the DRF exception of its status; what is left here is the package's own shorthand.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from tutor_core.api import errors as core
from tutor_core.api.errors import DomainAPIError, api_exception_for
from tutor_relations.errors import CODES

#: The name this package gave core's ``DomainAPIError`` before 1.0.
RelationsAPIError = DomainAPIError

__all__ = ["RelationsAPIError", "api_exception_for", "not_found", "validation_error"]


def validation_error(
    code: str, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with a registry code."""
    return core.validation_error(CODES[code], attr=attr, **params)


def not_found() -> exceptions.NotFound:
    return core.not_found(CODES["not_found"])

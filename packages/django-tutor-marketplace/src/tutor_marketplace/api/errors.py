"""The package's 400s by registry code: ``validation_error("invalid_rate_range")``.

Turning a ``MarketplaceError`` into HTTP is ``tutor_core.api.errors`` (the base view does
it); ``api_exception_for`` is re-exported for code that imported it from here.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions

from tutor_core.api import errors as core_errors
from tutor_core.api.errors import api_exception_for
from tutor_marketplace.errors import CODES

__all__ = ["api_exception_for", "validation_error"]


def validation_error(
    code: str, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with a registry code."""
    return core_errors.validation_error(CODES[code], attr=attr, **params)

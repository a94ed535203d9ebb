"""Domain errors to HTTP: every ``MarketplaceError`` becomes the DRF exception of its status.

The status and the message come from the registry (``tutor_marketplace.errors``), so a
response carries exactly the code and detail the schema and the docs show.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.exceptions import APIException, ErrorDetail

from tutor_marketplace.errors import CODES
from tutor_marketplace.exceptions import MarketplaceError


def validation_error(
    code: str, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with a registry code."""
    spec = CODES[code]
    field = attr or spec.attr or "non_field_errors"
    return exceptions.ValidationError({field: [ErrorDetail(spec.detail(**params), code=code)]})


class MarketplaceAPIError(APIException):
    """A refused request that is not about one input field (404, 409, 412, 413)."""

    def __init__(self, error: MarketplaceError) -> None:
        self.status_code = error.spec.status
        super().__init__(detail=str(error), code=error.code)


def api_exception_for(error: MarketplaceError) -> APIException:
    if error.spec.status == 400:
        return validation_error(error.code, attr=error.attr, **error.params)
    return MarketplaceAPIError(error)

"""Domain errors to HTTP: a ``TutorError`` becomes the DRF exception of its status.

The status, the message and ``Retry-After`` come from the package's registry, so a
response carries exactly the code and detail the schema and the docs show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions
from rest_framework.exceptions import APIException, ErrorDetail

from tutor_core.errors import ErrorCode, ErrorRegistry
from tutor_core.exceptions import TutorError


def validation_error(
    spec: ErrorCode, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with the code of ``spec``."""
    field = attr or spec.attr or "non_field_errors"
    return exceptions.ValidationError({field: [ErrorDetail(spec.detail(**params), code=spec.code)]})


def not_found(spec: ErrorCode) -> exceptions.NotFound:
    """DRF's 404 with the registry's code and message."""
    return exceptions.NotFound(spec.detail(), code=spec.code)


class DomainAPIError(APIException):
    """A refused request that is not about one input field (403, 404, 409, 412, 503…)."""

    def __init__(self, error: TutorError) -> None:
        self.status_code = error.spec.status
        # DRF's and drf-standardized-errors' handlers send an exception's ``wait`` as
        # the ``Retry-After`` header, as they do for a 429.
        self.wait = error.spec.retry_after
        super().__init__(detail=str(error), code=error.code)


def api_exception_for(error: TutorError) -> APIException:
    """The DRF exception a view raises for ``error``: a 400 names its field."""
    if error.spec.status == 400:
        return validation_error(error.spec, attr=error.attr, **error.params)
    return DomainAPIError(error)


@dataclass(frozen=True)
class RegistryErrors:
    """One registry's 400s and 404 by code, for a package's serializers and views:
    ``RegistryErrors(CODES).validation_error("start_in_past")``."""

    registry: ErrorRegistry

    def validation_error(
        self, code: str, *, attr: str | None = None, **params: Any
    ) -> exceptions.ValidationError:
        """A 400 naming one field (``attr``, else the registry's) with a registry code."""
        return validation_error(self.registry[code], attr=attr, **params)

    def not_found(self) -> exceptions.NotFound:
        """The registry's ``not_found`` as DRF's 404."""
        return not_found(self.registry["not_found"])

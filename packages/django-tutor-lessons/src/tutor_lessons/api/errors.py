"""Domain errors to HTTP: every ``LessonsError`` becomes the DRF exception of its status.

The status and the message come from the registry (``tutor_lessons.errors``), so a
response carries exactly the code and detail the schema and the docs show.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.exceptions import APIException, ErrorDetail

from tutor_lessons.errors import CODES
from tutor_lessons.exceptions import LessonsError


def validation_error(
    code: str, *, attr: str | None = None, **params: Any
) -> exceptions.ValidationError:
    """A 400 naming one field (``attr``, else the registry's) with a registry code."""
    spec = CODES[code]
    field = attr or spec.attr or "non_field_errors"
    return exceptions.ValidationError({field: [ErrorDetail(spec.detail(**params), code=code)]})


def not_found() -> exceptions.NotFound:
    return exceptions.NotFound(CODES["not_found"].detail(), code="not_found")


class LessonsAPIError(APIException):
    """A refused lesson change that is not about one input field (403, 404, 409, 503)."""

    def __init__(self, error: LessonsError) -> None:
        self.status_code = error.spec.status
        # DRF's and drf-standardized-errors' handlers send an exception's ``wait`` as
        # the ``Retry-After`` header, as they do for a 429.
        self.wait = error.spec.retry_after
        super().__init__(detail=str(error), code=error.code)


def api_exception_for(error: LessonsError) -> APIException:
    if error.spec.status == 400:
        return validation_error(error.code, **error.params)
    return LessonsAPIError(error)

"""Every error under ``/api/`` in the one JSON shape of every package, DEBUG on or off.

``{"type": "client_error" | "server_error", "errors": [{"code", "detail", "attr"}]}``.
DRF views already answer in it (drf-standardized-errors); two things here cover the
rest:

- ``ApiExceptionHandler`` gives Django's own request errors raised inside a DRF view
  (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, met when a view reads
  ``request.data``) their code and status, where drf-standardized-errors would answer
  500 (DEBUG off) or let Django render its debug page (DEBUG on).
- ``ApiErrorMiddleware`` rewrites the pages Django renders itself: an unknown URL, a
  bad ``Host`` header (rejected inside CommonMiddleware, before any view), a crash.
  With DEBUG on Django answers those with its technical pages and never calls
  ``handler404``/``handler500``, so a URLconf handler alone cannot do it.

A database that cannot serve (``config.outage``: down, restarting, out of connections,
or a statement past ``statement_timeout``) is a ``503 service_unavailable`` with
``Retry-After`` on every path, DRF's views and Django's (the admin) alike, logged once
per outage instead of a traceback per request.

Paths outside ``/api/`` (the admin, the docs pages' assets) keep Django's pages.
"""

from __future__ import annotations

import logging
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from drf_standardized_errors.settings import package_settings
from drf_standardized_errors.types import Error
from rest_framework.exceptions import APIException, ErrorDetail
from rest_framework.response import Response

from config.outage import (
    database_outage,
    is_statement_timeout,
    is_unavailable,
    report_statement_timeout,
)

API_PREFIX = "/api/"

logger = logging.getLogger("config.database")


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    #: Translated when the answer is rendered (``gettext_lazy``), in the request's language.
    detail: str | Promise
    #: Seconds for a ``Retry-After`` header; ``None`` sends none.
    retry_after: int | None = None

    @property
    def type(self) -> str:
        return "server_error" if self.status >= 500 else "client_error"

    def response(self) -> JsonResponse:
        error = {"code": self.code, "detail": str(self.detail), "attr": None}
        response = JsonResponse({"type": self.type, "errors": [error]}, status=self.status)
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response

    def exception(self) -> APIException:
        exception = APIException(str(self.detail), self.code)
        exception.status_code = self.status
        # drf-standardized-errors (like DRF) turns ``wait`` into Retry-After.
        exception.wait = self.retry_after  # type: ignore[attr-defined]
        return exception


NOT_FOUND = ApiError(404, "not_found", _("Not found."))
# The host is not echoed back: the answer must not reflect what a client made up.
DISALLOWED_HOST = ApiError(400, "disallowed_host", _("The Host header names no host served here."))
REQUEST_TOO_LARGE = ApiError(413, "request_too_large", _("The request body is too large."))
BAD_REQUEST = ApiError(400, "bad_request", _("The request is malformed."))
SERVER_ERROR = ApiError(500, "error", _("A server error occurred."))
# A PostgreSQL restart takes a few seconds; clients that honour Retry-After come back after.
DATABASE_UNAVAILABLE = ApiError(
    503,
    "service_unavailable",
    _("The service is temporarily unavailable; try again shortly."),
    retry_after=5,
)
DATABASE_TIMEOUT = ApiError(
    503,
    "service_unavailable",
    _("The request took too long to answer; try again shortly."),
    retry_after=5,
)

BY_STATUS = {400: BAD_REQUEST, 404: NOT_FOUND, 413: REQUEST_TOO_LARGE, 500: SERVER_ERROR}


def error_for_exception(exception: Exception) -> ApiError | None:
    """The answer to one of Django's request errors; ``None`` for anything else."""
    if isinstance(exception, DisallowedHost):
        return DISALLOWED_HOST
    if isinstance(exception, RequestDataTooBig):
        return REQUEST_TOO_LARGE
    if isinstance(exception, SuspiciousOperation | BadRequest):
        return BAD_REQUEST
    return None


def database_error_for(exception: BaseException, path: str) -> ApiError | None:
    """The 503 of a database that cannot serve now, logged as ``config.outage`` says."""
    if is_unavailable(exception):
        database_outage.report(exception)
        return DATABASE_UNAVAILABLE
    if is_statement_timeout(exception):
        report_statement_timeout(exception, path)
        return DATABASE_TIMEOUT
    return None


def mark_logged(response: HttpResponseBase) -> HttpResponseBase:
    """Keep Django from logging a 5xx we logged ourselves (once per outage) at ERROR."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def database_error_response(request: HttpRequest, error: ApiError) -> HttpResponseBase:
    if request.path.startswith(API_PREFIX):
        return mark_logged(error.response())
    response = HttpResponse(str(error.detail), status=error.status, content_type="text/plain")
    response["Retry-After"] = str(error.retry_after)
    return mark_logged(response)


def server_error(request: HttpRequest) -> HttpResponseBase:
    """``handler500``: a crash that is a database outage is its 503, whatever raised it.

    Django calls it (DEBUG off) for an exception no view or middleware handled, also
    one raised in a middleware (the session of an admin page read before any view),
    where ``ApiErrorMiddleware.process_exception`` cannot see it.
    """
    exception = sys.exc_info()[1]
    error = database_error_for(exception, request.path) if exception is not None else None
    if error is None:
        return defaults.server_error(request)
    return database_error_response(request, error)


def error_for_status(request: HttpRequest, status: int) -> ApiError:
    """The answer that replaces a page Django rendered with ``status``."""
    if status == 400:
        # Django's page does not say which request error it was; the request does.
        try:
            request.get_host()
        except DisallowedHost:
            return DISALLOWED_HOST
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            return REQUEST_TOO_LARGE
    if status in BY_STATUS:
        return BY_STATUS[status]
    if status >= 500:
        return ApiError(status, SERVER_ERROR.code, SERVER_ERROR.detail)
    # Any other status (e.g. a CSRF 403 of a non-DRF view): its name, as a code.
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return ApiError(status, phrase.lower().replace(" ", "_").replace("-", "_"), f"{phrase}.")


class ApiExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, knowing Django's request errors.

    Set as ``DRF_STANDARDIZED_ERRORS["EXCEPTION_HANDLER_CLASS"]``. The conversion
    happens before the handler's DEBUG check, so the answer is the same either way.
    """

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        error = error_for_exception(exc)
        if error is None:
            request = self.context.get("request")
            error = database_error_for(exc, getattr(request, "path", ""))
            self.database_error = error
        if error is not None:
            return error.exception()
        return super().convert_known_exceptions(exc)

    def report_exception(self, exc: APIException, response: Response) -> None:
        if getattr(self, "database_error", None) is not None:
            mark_logged(response)  # config.outage logged it
            return
        if exc.status_code == 503:
            # "Try again shortly" (a booking lock held past LOCK_TIMEOUT): a warning, not
            # a crash with a traceback at ERROR for every refused request.
            codes = exc.get_codes()
            logger.warning(
                "service unavailable",
                extra={
                    "event": "service_unavailable",
                    "code": codes if isinstance(codes, str) else str(codes),
                },
            )
            mark_logged(response)
            return
        super().report_exception(exc, response)


#: The most errors one response lists: the first ones, in the order the fields came.
MAX_ERRORS = 100


def flatten_errors(detail: Any, *, limit: int = MAX_ERRORS) -> list[Error]:
    """drf-standardized-errors' ``flatten_errors``, in linear time and at most ``limit``.

    Its own pops the head of a Python list (``list.pop(0)``) for every node, quadratic in
    the number of errors: a list field of 400,000 invalid items took minutes to format.
    The same walk (same order, same ``attr``, same index numbering) on a deque, stopping
    at ``limit`` errors.
    """
    separator = package_settings.NESTED_FIELD_SEPARATOR
    fifo: deque[tuple[Any, str | None, int | None]] = deque([(detail, None, None)])
    errors: list[Error] = []
    while fifo and len(errors) < limit:
        detail, attr, index = fifo.popleft()
        if not detail and detail != "":
            continue
        if isinstance(detail, list):
            for item in detail:
                if isinstance(item, ErrorDetail):
                    fifo.append((item, attr, index))
                    continue
                index = 0 if index is None else index + 1
                fifo.append((item, f"{attr}{separator}{index}" if attr else str(index), index))
        elif isinstance(detail, dict):
            for key, value in detail.items():
                fifo.append((value, f"{attr}{separator}{key}" if attr else key, None))
        else:
            errors.append(Error(detail.code, str(detail), attr))
    return errors


class BoundedExceptionFormatter(ExceptionFormatter):
    """``DRF_STANDARDIZED_ERRORS["EXCEPTION_FORMATTER_CLASS"]``: at most ``MAX_ERRORS``."""

    def get_errors(self) -> list[Error]:
        return flatten_errors(self.exc.detail)


class ApiErrorMiddleware:
    """Answers every error under ``/api/`` that DRF did not render in the JSON shape.

    Put it right after the access log and metrics middleware, so that they record the
    status the client gets, and before every middleware that can fail a request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        """A view outside DRF (the admin) that met a database that cannot serve: a 503."""
        error = database_error_for(exception, request.path)
        return None if error is None else database_error_response(request, error)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            # DRF's answers are in the shape already (as HTML only for the browsable API).
            or isinstance(response, Response)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        # Django has logged the cause (django.request, django.security) by now; with
        # DEBUG on, the traceback its debug page showed is in that log line.
        answer = error_for_status(request, response.status_code).response()
        # LocaleMiddleware's headers: the detail is in the language it chose.
        for header in ("Content-Language", "Vary"):
            if header in response:
                answer[header] = response[header]
        return answer

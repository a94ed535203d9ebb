"""The access log: exactly one JSON line per request, with a request id.

The request id is the caller's ``X-Request-ID`` when it is a sane token, else a new
one; it is echoed in the response and set on ``config.logging.request_id_var`` so every
other log line written while the request runs carries it too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from config.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else (too long, spaces, quotes, newlines) could forge or break log lines.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

access_logger = logging.getLogger("config.access")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def authenticated_user_id(request: HttpRequest) -> int | str | None:
    # DRF copies the user it authenticated (token or session) onto the Django request.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


class AccessLogMiddleware:
    """Logs ``event="http_request"`` once per request; put it first in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        context_token = request_id_var.set(request_id)
        started = time.perf_counter()
        status: int | None = None
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status if status is not None else 500,
                extra={
                    "event": "http_request",
                    "method": request.method,
                    "path": request.path,
                    "status": status if status is not None else 500,
                    "duration_ms": duration_ms,
                    "user_id": authenticated_user_id(request),
                },
            )
            request_id_var.reset(context_token)

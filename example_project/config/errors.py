"""JSON 404 and 500 pages for the API, in the one error shape of every package.

DRF renders the errors its views raise; these cover what never reaches a view, such
as ``/api/lessons/abc/cancel/`` (no URL matches) or a crash outside DRF. Paths outside
``/api/`` keep Django's HTML pages (the admin, the docs).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _error(error_type: str, code: str, detail: str, status: int) -> JsonResponse:
    body = {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}
    return JsonResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _error("client_error", "not_found", "Not found.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _error("server_error", "error", "A server error occurred.", 500)
    return defaults.server_error(request)

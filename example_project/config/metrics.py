"""Prometheus metrics: a middleware that counts and times requests, and ``/metrics``.

Labels stay low-cardinality (method and status only; never the raw path). Under a
multi-process server (gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set, see
``gunicorn.conf.py``) every worker writes its samples to that directory and the view
merges them, so any worker answers for all of them.

``/metrics`` has no authentication: restrict it at the reverse proxy.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by method and status code.",
    ["method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by method.",
    ["method"],
)


def method_label(request: HttpRequest) -> str:
    method = (request.method or "").upper()
    return method if method in KNOWN_METHODS else "OTHER"


class PrometheusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        method = method_label(request)
        HTTP_REQUEST_DURATION.labels(method=method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method=method, status=str(response.status_code)).inc()
        return response


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

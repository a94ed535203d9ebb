"""The floor's only URL. The example project serves the same path (``stack_urls``)."""

from django.urls import path

from perf_floor.views import EmptyView

EMPTY_PATH = "/api/perf/empty/"

urlpatterns = [path(EMPTY_PATH.lstrip("/"), EmptyView.as_view(), name="perf-empty")]

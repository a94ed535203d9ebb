"""A URLconf with views that crash, to test how a 500 is logged and rendered."""

from django.http import HttpRequest
from django.urls import path


def crash(request: HttpRequest):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), path("api/crash/", crash)]
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

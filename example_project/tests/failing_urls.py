"""A URLconf with a view that crashes, to test how a 500 is logged."""

from django.http import HttpRequest
from django.urls import path


def crash(request: HttpRequest):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash)]

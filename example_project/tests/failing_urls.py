"""A URLconf with views that crash, to test how a 500 is logged and rendered."""

from django.http import HttpRequest
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView


def crash(request: HttpRequest):
    raise RuntimeError("boom")


class CrashingApiView(APIView):
    # drf-standardized-errors leaves a non-DRF exception to Django when DEBUG is on.
    permission_classes = [AllowAny]

    def get(self, request: Request):
        raise RuntimeError("boom")


urlpatterns = [
    path("crash/", crash),
    path("api/crash/", crash),
    path("api/drf-crash/", CrashingApiView.as_view()),
]

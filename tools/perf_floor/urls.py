"""The floor's one view and URL; ``stack_urls`` serves the same on the example project."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class EmptyView(APIView):
    """``GET`` answers ``{}``: what DRF costs before any project adds to it.

    Nobody is authenticated, checked or throttled, set on the view rather than in
    settings, so that behind the example project's settings it is the very same view.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response({})


urlpatterns = [path("api/perf/empty/", EmptyView.as_view(), name="perf-empty")]

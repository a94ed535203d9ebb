"""The one view of the floor: what DRF costs before any project adds to it."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class EmptyView(APIView):
    """``GET`` answers ``{}``; nobody is authenticated, checked or throttled.

    Set on the view, not in settings, so that behind the example project's settings
    (``stack_settings``) it is still the very same view: only the middleware differs.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def get(self, request: Request) -> Response:
        return Response({})

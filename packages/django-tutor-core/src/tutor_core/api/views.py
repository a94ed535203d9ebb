"""The base of every django-tutor API view: authenticated, throttled, domain errors as HTTP."""

from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

from rest_framework import parsers
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from tutor_core.api.errors import api_exception_for
from tutor_core.api.parsers import JSONParser
from tutor_core.api.schema import AutoSchema
from tutor_core.exceptions import TutorError
from tutor_core.throttling import PackageRateThrottle, build_throttle

#: What a view names as its ``read_throttle`` or ``write_throttle``. Annotate a
#: subclass's choice ``ClassVar[ThrottleClass]``: mypy would otherwise narrow the
#: attribute to the first subclass's throttle and refuse another in a subclass of it.
ThrottleClass: TypeAlias = type[PackageRateThrottle] | None


class TutorAPIView(APIView):
    """A package's views subclass it once, naming their throttles.

    ``read_throttle`` applies to GET, HEAD and OPTIONS, ``write_throttle`` to the rest;
    either is added to the host's default throttles (``None``: none of the package's).
    Services speak the domain: a ``TutorError`` they raise becomes HTTP only here.
    Its OpenAPI description comes from ``tutor_core.api.schema.AutoSchema`` (the host's
    drf-standardized-errors AutoSchema plus 401 and 429 on every operation).
    """

    schema = AutoSchema()

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
    read_throttle: ClassVar[ThrottleClass] = None
    write_throttle: ClassVar[ThrottleClass] = None

    def get_throttles(self) -> list[BaseThrottle]:
        throttles = list(super().get_throttles())
        own = self.read_throttle if self.request.method in SAFE_METHODS else self.write_throttle
        if own is not None:
            throttles.append(build_throttle(own))
        return throttles

    def handle_exception(self, exc: Exception) -> Response:
        if not isinstance(exc, TutorError):
            return super().handle_exception(exc)
        response = super().handle_exception(api_exception_for(exc))
        if exc.members:
            _add_members(response, exc.code, exc.members)
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self}

    def parse(self, serializer_class: type, data: Any, **kwargs: Any) -> Any:
        """``data`` validated by ``serializer_class`` (a 400 if it is not valid)."""
        serializer = serializer_class(data=data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _add_members(response: Response, code: str, members: dict[str, Any]) -> None:
    """Add ``members`` to the response's error item of ``code`` (drf-standardized-errors'
    ``{"type", "errors": [{"code", "detail", "attr"}]}``), beside its code and detail.

    A host with another error shape (the packages' W001 warns of it) keeps its own.
    """
    data = response.data
    errors = data.get("errors") if isinstance(data, dict) else None
    for error in errors if isinstance(errors, list) else []:
        if isinstance(error, dict) and error.get("code") == code:
            error.update(members)

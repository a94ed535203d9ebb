"""OpenAPI helpers every package's ``api/schema.py`` builds on, and the package AutoSchema.

Error examples are built from a registry entry and shown in the suite's one shape,
drf-standardized-errors' ``{"type", "errors": [{"code", "detail", "attr"}]}``. Details
are lazy: drf-spectacular renders them when it builds the schema, in the language and
with the settings of that moment.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.functional import Promise, lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import (
    build_basic_type,
    get_doc,
    is_list_serializer,
    is_serializer,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema_view,
    inline_serializer,
)
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.views import APIView

from tutor_core.api.fields import user_key_is_integer
from tutor_core.errors import ErrorCode

View = TypeVar("View", bound=type[APIView])


def view_schema(
    *, validation: Mapping[str, Mapping[str, Sequence[str]]] | None = None, **operations: Any
) -> Callable[[View], View]:
    """A view's whole OpenAPI description as one class decorator, kept in ``api/schema.py``.

    ``operations`` is drf-spectacular's ``extend_schema_view`` (method → ``extend_schema``);
    ``validation`` maps a method to, by field, the 400 codes it can answer beyond those
    drf-standardized-errors finds in the serializer (what services and fields raise).
    """

    def decorate(view: View) -> View:
        for method, fields in (validation or {}).items():
            for field, codes in fields.items():
                view = extend_validation_errors(list(codes), field_name=field, methods=[method])(
                    view
                )
        described: View = extend_schema_view(**operations)(view)
        return described

    return decorate


def error_type(status: int) -> str:
    """drf-standardized-errors' ``type`` of an error body, told apart by the status."""
    if status == 400:
        return "validation_error"
    return "client_error" if status < 500 else "server_error"


def _detail(spec: ErrorCode, params: dict[str, Any]) -> str:
    return spec.detail(**params)


_lazy_detail = lazy(_detail, str)


def error_example(
    spec: ErrorCode, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """A response example of ``spec``: its status, its detail, the field a 400 names."""
    detail = _lazy_detail(spec, {**spec.example, **params})
    error = {
        "code": spec.code,
        "detail": detail,
        # Only a validation error names a field.
        "attr": (attr or spec.attr) if spec.status == 400 else None,
    }
    return OpenApiExample(
        name,
        summary=summary or name,
        value={"type": error_type(spec.status), "errors": [error]},
        response_only=True,
        status_codes=[str(spec.status)],
    )


def drf_error_example(
    name: str, status: int, code: str, detail: str, attr: str | None = None
) -> OpenApiExample:
    """A response example of an error DRF itself raises (not in a package registry)."""
    return OpenApiExample(
        name,
        value={
            "type": error_type(status),
            "errors": [{"code": code, "detail": detail, "attr": attr}],
        },
        response_only=True,
        status_codes=[str(status)],
    )


def success(name: str, value: Any, status: int = 200, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(
        name, value=value, response_only=True, status_codes=[str(status)], **kwargs
    )


def request(name: str, value: Any, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True, **kwargs)


def described(template: str | Promise, parameters: Callable[[], dict[str, Any]]) -> str:
    """A description that quotes the current settings, rendered when the schema is built."""
    return _lazy_format(template, parameters)


def _format(template: str | Promise, parameters: Callable[[], dict[str, Any]]) -> str:
    return str(template).format(**parameters())


_lazy_format = lazy(_format, str)


def client_error_response(
    component_name: str, codes: Sequence[str], *, error_type: str = "client_error"
) -> serializers.Serializer:
    """The error body of a non-validation 4xx (or a 5xx), listing the codes it can carry."""
    error = inline_serializer(
        name=f"{component_name}Error",
        fields={
            "code": serializers.CharField(help_text="One of: " + ", ".join(codes)),
            "detail": serializers.CharField(),
            "attr": serializers.CharField(allow_null=True),
        },
        many=True,
    )
    return inline_serializer(
        name=component_name,
        fields={"type": serializers.CharField(help_text=f"`{error_type}`"), "errors": error},
    )


NOT_SIGNED_IN = drf_error_example(
    "Not signed in", 401, "not_authenticated", "Authentication credentials were not provided."
)
#: Every operation is throttled: a 429 says how long to wait.
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the throttle lets the next request through.",
)


def _documents_retry_after_on_429(parameter: Any) -> bool:
    if not isinstance(parameter, OpenApiParameter) or parameter.name != RETRY_AFTER.name:
        return False
    # ``response`` is True (every response) or the statuses that carry the header.
    return parameter.response is True or (
        isinstance(parameter.response, Sequence) and 429 in parameter.response
    )


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' AutoSchema, plus what every package operation shares.

    An operation that can answer 429 documents the ``Retry-After`` header, and one that
    can answer 401 shows the "Not signed in" example, without each view saying so. A list
    body's examples are the whole list, and a PATCH's nested objects are partial too.
    """

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        throttled = self._should_add_http429_error_response()
        if throttled and not any(_documents_retry_after_on_429(p) for p in parameters):
            parameters.append(RETRY_AFTER)
        return parameters

    # drf-spectacular overrides DRF's get_description(path, method) the same way.
    def get_description(self) -> str:  # type: ignore[override]
        # drf-spectacular falls back on the docstrings of the view's base classes; core's
        # own say how the base view works, not what an operation does.
        description = super().get_description()
        core_docs = {
            get_doc(base)
            for base in type(self.view).__mro__
            if base.__module__.startswith("tutor_core.")
        }
        return "" if description in core_docs else description

    def get_examples(self) -> list[OpenApiExample]:
        examples = list(super().get_examples())
        signed_out = self._should_add_http401_error_response()
        if signed_out and all(example.name != NOT_SIGNED_IN.name for example in examples):
            examples.append(NOT_SIGNED_IN)
        return examples

    def _get_examples(
        self,
        serializer: Any,
        direction: str,
        media_type: Any,
        status_code: Any = None,
        extras: Any = None,
    ) -> dict[str, Any]:
        # drf-spectacular takes a list body's example for one item and lists it; ours are
        # whole bodies already, which it nested twice ([[{"weekday": 0, ...}]]).
        examples = super()._get_examples(serializer, direction, media_type, status_code, extras)
        if is_list_serializer(serializer):
            for example in examples.values():
                value = example.get("value")
                if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
                    example["value"] = value[0]
        return dict(examples)

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        # DRF validates a PATCH's nested objects partially too (``root.partial``), but
        # drf-spectacular lifts ``required`` only on the top level: a nested object of a
        # PATCH, e.g. a profile's ``settings``, would require every field of its own.
        if self.method == "PATCH" and direction == "request" and is_serializer(field):
            field = copy.copy(field)
            field.partial = True
        return dict(super()._map_serializer_field(field, direction, bypass_extensions))


class UserFieldExtension(OpenApiSerializerFieldExtension):
    """A user id has the type of the host's user primary key: an integer, or a UUID."""

    target_class = "tutor_core.api.fields.UserField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        if user_key_is_integer():
            kind = OpenApiTypes.INT
        elif isinstance(get_user_model()._meta.pk, models.UUIDField):
            kind = OpenApiTypes.UUID
        else:
            kind = OpenApiTypes.STR
        # None only for OpenApiTypes.NONE.
        return build_basic_type(kind) or {}

"""The OpenAPI description of the marketplace API (SPEC §6), beside the views.

Each view is described here and decorated with one line (``@schema.tutor_list``), so
``views.py`` reads as its logic. What every operation shares (401 with its example, 429
with ``Retry-After``) comes from core's ``AutoSchema``, the base view's. Error examples
are built from the error registry (``tutor_marketplace.errors``) and shown in the
suite's one shape, drf-standardized-errors' ``{"type", "errors": [...]}``; the 400 codes
each field can carry are declared once, in the ``*_CODES`` dicts below.
"""

from __future__ import annotations

from typing import Any, TypeVar

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from rest_framework.settings import api_settings

from tutor_core.api import schema as core
from tutor_core.api.schema import (
    NOT_SIGNED_IN,
    RETRY_AFTER,
    client_error_response,
    drf_error_example,
    request,
    success,
    view_schema,
)
from tutor_marketplace.api.filters import TutorFilterSet
from tutor_marketplace.api.serializers import (
    DiffSerializer,
    DraftBlobSerializer,
    DraftSavedSerializer,
    DraftSerializer,
    ProfileSerializer,
    SlotOutputSerializer,
    SlotSerializer,
    TutorPageSerializer,
)
from tutor_marketplace.errors import CODES

__all__ = [
    "NOT_SIGNED_IN",
    "RETRY_AFTER",
    "client_error_response",
    "drf_error_example",
    "error_example",
    "request",
    "success",
]

View = TypeVar("View", bound=type)

PROFILE_EXAMPLE = {
    "headline": "Maths and physics for school finals",
    "description": "Ten years of teaching; exam preparation.",
    "is_published": True,
    "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math", "physics"]},
}
SLOTS_EXAMPLE = [
    {"weekday": 0, "start": "09:00", "end": "12:00"},
    {"weekday": 2, "start": "14:00", "end": "18:00"},
]
TUTOR_EXAMPLE = {
    "user": 7,
    "display_name": "Olena Kovalenko",
    "headline": "Maths and physics for school finals",
    "hourly_rate": "40.00",
    "currency": "UAH",
    "subjects": ["math", "physics"],
}


def error_example(code: str, name: str, **kwargs: Any) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, **kwargs)


NO_PROFILE = error_example("profile_not_found", "No profile yet")
NO_DRAFT = error_example("draft_not_found", "No draft")
STALE_DRAFT = error_example(
    "draft_version_mismatch", "Stale draft", summary="Another tab saved a newer draft"
)
INCOMPLETE = error_example("profile_incomplete", "Incomplete profile cannot be published")

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The draft\'s `ETag` (e.g. `"3"`) or `*`: the request applies only if the '
    "stored draft still has that version, else 412 `draft_version_mismatch`.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='The draft\'s version, quoted (`"3"`); send it back as `If-Match`.',
)
X_CACHE = OpenApiParameter(
    "X-Cache",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["HIT", "MISS"],
    description="HIT: answered from the Redis listing cache; MISS: from the database.",
)


PROFILE_NOT_FOUND_RESPONSE = client_error_response("ProfileNotFoundResponse", ["profile_not_found"])
DRAFT_NOT_FOUND_RESPONSE = client_error_response("DraftNotFoundResponse", ["draft_not_found"])
INCOMPLETE_RESPONSE = client_error_response("ProfileIncompleteResponse", ["profile_incomplete"])
STALE_DRAFT_RESPONSE = client_error_response(
    "DraftVersionMismatchResponse", ["draft_version_mismatch"]
)
DRAFT_TOO_LARGE_RESPONSE = client_error_response("DraftTooLargeResponse", ["draft_too_large"])


class DraftBlobSerializerExtension(OpenApiSerializerExtension):
    """The draft is free-form: an object of any keys (size and depth are limited)."""

    target_class = "tutor_marketplace.api.serializers.DraftBlobSerializer"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": True,
            "description": "Any JSON object, normally the profile's shape.",
            "example": PROFILE_EXAMPLE,
        }


# --- the 400s each operation lists, field by field ------------------------------------

# Django's CharField codes of the listing's text parameters.
_TEXT_PARAMETER_ERRORS = ["max_length", "null_characters_not_allowed"]
_RATE_ERRORS = [
    "invalid",
    "min_value",
    "max_value",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
]
# In the order the schema lists them (as the decorators stacked on the view once did).
LISTING_CODES = {
    "page_size": ["min_value", "max_value", "invalid"],
    "ordering": ["invalid_choice"],
    "subject": _TEXT_PARAMETER_ERRORS,
    "q": _TEXT_PARAMETER_ERRORS,
    "max_rate": ["invalid_rate_range", *_RATE_ERRORS],
    "min_rate": _RATE_ERRORS,
    "weekday": ["invalid_weekday"],
    "cursor": ["invalid_cursor", *_TEXT_PARAMETER_ERRORS],
}
# The profile's 400s beyond what its serializer's fields document by themselves.
PROFILE_CODES = {
    "settings.subjects": ["invalid_subject", "too_many_subjects"],
    "settings.currency": ["invalid_currency"],
    # ``"settings": null`` names the field itself; drf-standardized-errors documents the
    # nested serializer's own errors only as ``settings.non_field_errors``.
    "settings": ["null"],
}
# The field each slot code names (``0.weekday``, ``1.start``, ...; INDEX is the position).
SLOT_CODES = {
    "INDEX.weekday": ["invalid_weekday"],
    "INDEX.start": ["invalid_time", "slot_overlap"],
    "INDEX.end": ["invalid_time", "slot_reversed"],
    api_settings.NON_FIELD_ERRORS_KEY: ["too_many_slots"],
}
DRAFT_CODES = {
    "non_field_errors": [
        "draft_not_object",
        "draft_too_deep",
        "draft_invalid_text",
        "draft_invalid_number",
    ]
}


def profile_input_codes() -> dict[str, list[str]]:
    """What a ``PATCH`` of the profile can answer, field by field, as its schema lists it.

    The publish endpoint has no request body but validates the draft as that ``PATCH``
    would, so it documents the same codes.
    """
    fields = get_serializer_fields_with_error_codes(
        get_flat_serializer_fields(ProfileSerializer(partial=True))
    )
    codes: dict[str, set[str]] = {}
    for field in fields:
        codes.setdefault(field.name, set()).update(field.error_codes)
    for field_name, extra in PROFILE_CODES.items():
        codes.setdefault(field_name, set()).update(extra)
    return {field_name: sorted(found) for field_name, found in codes.items()}


def listing_parameters() -> list[OpenApiParameter]:
    """The listing's query parameters, from its FilterSet (drf-spectacular reads only a
    serializer's; the FilterSet's help texts and choices are the ones shown)."""
    types = {"min_rate": float, "max_rate": float, "weekday": int, "page_size": int}
    parameters = []
    for name, filter_ in TutorFilterSet.base_filters.items():
        enum = [value for value, _label in filter_.extra.get("choices", [])] or None
        parameters.append(
            OpenApiParameter(
                name,
                types.get(name, str),
                OpenApiParameter.QUERY,
                required=False,
                description=filter_.extra.get("help_text", ""),
                enum=enum,
            )
        )
    return parameters


# --- the views -------------------------------------------------------------------------

tutor_list = view_schema(
    validation={"get": LISTING_CODES},
    get=extend_schema(
        operation_id="marketplace_tutors_list",
        summary="Browse published tutors",
        description="Published tutors, filtered and ordered, a page at a time. Pass the "
        "answer's `cursor` back as `?cursor=` with the same filters for the next page; a "
        "cursor that was altered or is reused with other filters or ordering is a 400 "
        "`invalid_cursor`. Answers come from a Redis cache when they can (`X-Cache: HIT`); "
        "any change that the listing shows (a published profile, its availability or "
        "subjects, its tutor's name or activity) empties it at once. A text search (`q`) "
        "and a `page_size` outside `CACHED_PAGE_SIZES` (default 10, 20, 50, 100) are "
        "always answered from the database (`X-Cache: MISS`). Rates are in cents: "
        "`10`, `10.0` and `1e1` are one filter; `10.001` is a 400 `max_decimal_places`.",
        parameters=[*listing_parameters(), X_CACHE],
        responses={200: TutorPageSerializer},
        examples=[
            success(
                "A page",
                {
                    "results": [TUTOR_EXAMPLE],
                    "cursor": "eyJvIjoiLWNyZWF0ZWQi...",
                    "has_more": True,
                },
            ),
            success("Last page", {"results": [], "cursor": None, "has_more": False}),
            error_example("invalid_cursor", "Tampered cursor"),
            error_example("invalid_weekday", "Weekday out of range", attr="weekday"),
        ],
    ),
)

profile = view_schema(
    validation={"patch": PROFILE_CODES},
    get=extend_schema(
        operation_id="marketplace_profile_get",
        summary="Your tutor profile",
        description="404 `profile_not_found` until the first PATCH creates it.",
        responses={200: ProfileSerializer, 404: PROFILE_NOT_FOUND_RESPONSE},
        examples=[success("Profile", PROFILE_EXAMPLE), NO_PROFILE],
    ),
    patch=extend_schema(
        operation_id="marketplace_profile_update",
        summary="Create or change your tutor profile",
        description="Send any part of the profile; the first PATCH creates it. Publishing "
        "(`is_published: true`) needs a headline, an hourly rate and a subject (409 "
        "`profile_incomplete`). A change to a published profile shows in the listing at once.",
        request=ProfileSerializer(partial=True),
        responses={200: ProfileSerializer, 409: INCOMPLETE_RESPONSE},
        examples=[
            request("Change the rate", {"settings": {"hourly_rate": "45.00"}}),
            request("Publish", {"is_published": True}),
            success("Updated", PROFILE_EXAMPLE),
            error_example("invalid_currency", "Unknown currency"),
            error_example("invalid_subject", "Empty subject"),
            INCOMPLETE,
        ],
    ),
)

availability = view_schema(
    validation={"put": SLOT_CODES},
    get=extend_schema(
        operation_id="marketplace_availability_get",
        summary="Your weekly availability",
        responses={200: SlotOutputSerializer(many=True), 404: PROFILE_NOT_FOUND_RESPONSE},
        examples=[success("Slots", SLOTS_EXAMPLE), NO_PROFILE],
    ),
    put=extend_schema(
        operation_id="marketplace_availability_replace",
        summary="Replace your weekly availability",
        description="The whole week at once (an empty list clears it). Slots of one weekday "
        "may touch but not overlap; `attr` names the slot by its index (`1.start`).",
        request=SlotSerializer(many=True),
        responses={200: SlotOutputSerializer(many=True), 404: PROFILE_NOT_FOUND_RESPONSE},
        examples=[
            request("A week", SLOTS_EXAMPLE),
            success("Replaced", SLOTS_EXAMPLE),
            error_example("slot_overlap", "Overlapping slots"),
            error_example("slot_reversed", "Reversed slot"),
            error_example("invalid_weekday", "Weekday out of range"),
            NO_PROFILE,
        ],
    ),
)

autosave = view_schema(
    validation={"put": DRAFT_CODES},
    get=extend_schema(
        operation_id="marketplace_autosave_get",
        summary="Your autosaved draft",
        responses={200: DraftSerializer, 404: DRAFT_NOT_FOUND_RESPONSE},
        parameters=[ETAG],
        examples=[success("Draft", {"version": 3, "draft": PROFILE_EXAMPLE}), NO_DRAFT],
    ),
    put=extend_schema(
        operation_id="marketplace_autosave_put",
        summary="Autosave a draft of your profile",
        description="The body is the draft: a JSON object, normally the profile's shape. It "
        "replaces the stored draft and answers its new version (also as `ETag`) and the "
        "dirty paths. With `If-Match`, a draft saved meanwhile by another tab is not "
        "overwritten: 412 `draft_version_mismatch`. Limits: `DRAFT_MAX_BYTES` (413 "
        "`draft_too_large`) and `DRAFT_MAX_DEPTH` (400 `draft_too_deep`); no NUL characters "
        "or unpaired surrogates in keys or strings (400 `draft_invalid_text`), no infinite "
        "numbers or numbers beyond ±(2^63 - 1) (400 `draft_invalid_number`).",
        request=DraftBlobSerializer,
        responses={
            200: DraftSavedSerializer,
            412: STALE_DRAFT_RESPONSE,
            413: DRAFT_TOO_LARGE_RESPONSE,
        },
        parameters=[IF_MATCH, ETAG],
        examples=[
            request("Draft", {**PROFILE_EXAMPLE, "headline": "Maths, physics, chemistry"}),
            success("Saved", {"version": 4, "dirty": ["headline"]}),
            error_example("draft_not_object", "Not an object"),
            error_example("draft_too_large", "Too large"),
            STALE_DRAFT,
        ],
    ),
    delete=extend_schema(
        operation_id="marketplace_autosave_discard",
        summary="Discard your draft",
        description="204 whether or not there was a draft; with `If-Match`, only that version.",
        request=None,
        responses={204: None, 412: STALE_DRAFT_RESPONSE},
        parameters=[IF_MATCH],
        examples=[STALE_DRAFT, error_example("throttled", "Throttled")],
    ),
)

autosave_diff = view_schema(
    get=extend_schema(
        operation_id="marketplace_autosave_diff",
        summary="What the draft would change",
        description="Dotted paths (at most 3 levels; deeper changes are reported at their "
        "third level) where the draft differs from the saved profile. Arrays are dirty as "
        "a whole; a key on one side only is dirty; values are compared as they would be "
        'stored (`"40"` and `"40.00"` are the same rate). No draft: `{"dirty": []}`.',
        responses={200: DiffSerializer},
        parameters=[ETAG],
        examples=[
            success(
                "Dirty",
                {"dirty": ["description", "headline", "settings.hourly_rate", "settings.subjects"]},
            ),
            success("No draft", {"dirty": []}),
        ],
    ),
)

autosave_publish = view_schema(
    validation={"post": profile_input_codes()},
    post=extend_schema(
        operation_id="marketplace_autosave_publish",
        summary="Publish the draft into your profile",
        description="Applies the draft exactly as `PATCH /api/me/profile/` would (same "
        "validation: a 400 writes nothing) and deletes it. The listing shows the change at once.",
        request=None,
        responses={
            200: ProfileSerializer,
            404: DRAFT_NOT_FOUND_RESPONSE,
            409: INCOMPLETE_RESPONSE,
            412: STALE_DRAFT_RESPONSE,
        },
        parameters=[IF_MATCH],
        examples=[
            success("Published", PROFILE_EXAMPLE),
            error_example("invalid_currency", "Draft with an unknown currency"),
            NO_DRAFT,
            INCOMPLETE,
            STALE_DRAFT,
        ],
    ),
)

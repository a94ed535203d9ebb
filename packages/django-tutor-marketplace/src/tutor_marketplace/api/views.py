"""Thin views: parse with a serializer or filterset, call one service or selector, render."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from django.forms import Form
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tutor_core.api.parsers import JSONParser
from tutor_core.api.views import TutorAPIView
from tutor_marketplace import selectors, services
from tutor_marketplace.api import schema
from tutor_marketplace.api.errors import validation_error
from tutor_marketplace.api.filters import InvalidListingQuery, TutorFilterSet, clean_listing_query
from tutor_marketplace.api.serializers import (
    DiffSerializer,
    DraftBlobSerializer,
    DraftSavedSerializer,
    DraftSerializer,
    ProfileSerializer,
    SlotOutputSerializer,
    SlotSerializer,
    TutorPageSerializer,
    slot_representation,
    tutor_representation,
)
from tutor_marketplace.api.throttling import (
    AutosaveThrottle,
    MarketplaceReadThrottle,
    MarketplaceWriteThrottle,
)
from tutor_marketplace.cache import cacheable_query, filters_hash, listing_cache, listing_key
from tutor_marketplace.diff import dirty_paths
from tutor_marketplace.exceptions import MarketplaceError, ProfileNotFound
from tutor_marketplace.models import ProfileDraft
from tutor_marketplace.representation import profile_representation
from tutor_marketplace.telemetry import record_listing

_FILTERS = ("subject", "min_rate", "max_rate", "weekday", "q")
# The profile's 400s beyond what its serializer's fields document by themselves.
_PROFILE_CODES = {
    "settings.subjects": ["invalid_subject", "too_many_subjects"],
    "settings.currency": ["invalid_currency"],
    # ``"settings": null`` names the field itself; drf-standardized-errors documents the
    # nested serializer's own errors only as ``settings.non_field_errors``.
    "settings": ["null"],
}


def document_validation_errors(codes: dict[str, list[str]], *, methods: list[str]) -> Any:
    """``extend_validation_errors`` for each field of ``codes``: the 400s the schema lists."""

    def decorate(view: type) -> type:
        for field_name, field_codes in codes.items():
            view = extend_validation_errors(field_codes, field_name=field_name, methods=methods)(
                view
            )
        return view

    return decorate


def _profile_input_codes() -> dict[str, list[str]]:
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
    for field_name, extra in _PROFILE_CODES.items():
        codes.setdefault(field_name, set()).update(extra)
    return {field_name: sorted(found) for field_name, found in codes.items()}


class MarketplaceAPIView(TutorAPIView):
    """The base of every marketplace view: authenticated, throttled, domain errors as HTTP."""

    # drf-spectacular shows this docstring as the description of an operation that has
    # none of its own, so it stays as it was; core's view does the work, with the
    # package's throttles, and bodies are JSON only (core's parser: too deep is a 400).
    parser_classes = [JSONParser]
    read_throttle = MarketplaceReadThrottle
    write_throttle = MarketplaceWriteThrottle


def form_validation_error(form: Form) -> exceptions.ValidationError:
    """A filter form's errors, each with its stable code, as one 400."""
    return exceptions.ValidationError(
        {
            name: [
                ErrorDetail(" ".join(error.messages), code=error.code or "invalid")
                for error in errors
            ]
            for name, errors in form.errors.as_data().items()
        }
    )


def _listing_parameters() -> list[OpenApiParameter]:
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
                description=str(filter_.extra.get("help_text", "")),
                enum=enum,
            )
        )
    return parameters


# Django's CharField codes of the listing's text parameters.
_TEXT_PARAMETER_ERRORS = ["max_length", "null_characters_not_allowed"]


@extend_validation_errors(
    ["invalid_cursor", *_TEXT_PARAMETER_ERRORS], field_name="cursor", methods=["get"]
)
@extend_validation_errors(["invalid_weekday"], field_name="weekday", methods=["get"])
@extend_validation_errors(
    ["invalid", "min_value", "max_value", "max_digits", "max_decimal_places", "max_whole_digits"],
    field_name="min_rate",
    methods=["get"],
)
@extend_validation_errors(
    [
        "invalid_rate_range",
        "invalid",
        "min_value",
        "max_value",
        "max_digits",
        "max_decimal_places",
        "max_whole_digits",
    ],
    field_name="max_rate",
    methods=["get"],
)
@extend_validation_errors(_TEXT_PARAMETER_ERRORS, field_name="q", methods=["get"])
@extend_validation_errors(_TEXT_PARAMETER_ERRORS, field_name="subject", methods=["get"])
@extend_validation_errors(["invalid_choice"], field_name="ordering", methods=["get"])
@extend_validation_errors(
    ["min_value", "max_value", "invalid"], field_name="page_size", methods=["get"]
)
class TutorListView(MarketplaceAPIView):
    @extend_schema(
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
        parameters=[*_listing_parameters(), schema.RETRY_AFTER, schema.X_CACHE],
        responses={200: TutorPageSerializer},
        examples=[
            schema.success(
                "A page",
                {
                    "results": [schema.TUTOR_EXAMPLE],
                    "cursor": "eyJvIjoiLWNyZWF0ZWQi...",
                    "has_more": True,
                },
            ),
            schema.success("Last page", {"results": [], "cursor": None, "has_more": False}),
            schema.error_example("invalid_cursor", "Tampered cursor"),
            schema.error_example("invalid_weekday", "Weekday out of range", attr="weekday"),
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> HttpResponse:
        started = time.perf_counter()
        try:
            query = clean_listing_query(request.query_params)
        except InvalidListingQuery as invalid:
            raise form_validation_error(invalid.form) from None
        low, high = query.get("min_rate"), query.get("max_rate")
        if low is not None and high is not None and low > high:
            raise validation_error("invalid_rate_range")
        if cacheable_query(query):
            body, hit = listing_cache.fetch(listing_key(query), partial(self.compute, query))
        else:
            body, hit = self.compute(query)[0], False
        count, _newline, payload = body.partition(b"\n")
        response = HttpResponse(payload, content_type="application/json")
        response["X-Cache"] = "HIT" if hit else "MISS"
        record_listing(
            duration_ms=(time.perf_counter() - started) * 1000,
            hit=hit,
            result_count=int(count),
            labels={"ordering": query["ordering"]},
        )
        return response

    @staticmethod
    def compute(query: Mapping[str, Any]) -> tuple[bytes, bool]:
        """The page as cached (its row count, a newline, its JSON), and if it may be.

        An empty page filtered by a subject that does not exist is not cached: it is
        cheap to answer, and caching it would let made-up names fill the cache.
        """
        filters = {name: query.get(name) for name in _FILTERS}
        page = selectors.tutors_page(
            selectors.filtered_tutors(**filters),
            ordering=query["ordering"],
            page_size=query["page_size"],
            cursor=query["cursor"],
            filters_digest=filters_hash({**filters, "ordering": query["ordering"]}),
        )
        body = JSONRenderer().render(
            {
                "results": [tutor_representation(profile) for profile in page.profiles],
                "cursor": page.cursor,
                "has_more": page.has_more,
            }
        )
        cacheable = bool(page.profiles) or not filters["subject"] or query["cursor"] is not None
        if not cacheable:
            cacheable = selectors.subject_exists(filters["subject"])
        return f"{len(page.profiles)}\n".encode() + body, cacheable


@document_validation_errors(_PROFILE_CODES, methods=["patch"])
class ProfileView(MarketplaceAPIView):
    @extend_schema(
        operation_id="marketplace_profile_get",
        summary="Your tutor profile",
        description="404 `profile_not_found` until the first PATCH creates it.",
        responses={200: ProfileSerializer, 404: schema.PROFILE_NOT_FOUND_RESPONSE},
        parameters=[schema.RETRY_AFTER],
        examples=[
            schema.success("Profile", schema.PROFILE_EXAMPLE),
            schema.NO_PROFILE,
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(profile_representation(services.profile_of(request.user)))

    @extend_schema(
        operation_id="marketplace_profile_update",
        summary="Create or change your tutor profile",
        description="Send any part of the profile; the first PATCH creates it. Publishing "
        "(`is_published: true`) needs a headline, an hourly rate and a subject (409 "
        "`profile_incomplete`). A change to a published profile shows in the listing at once.",
        request=ProfileSerializer(partial=True),
        responses={200: ProfileSerializer, 409: schema.INCOMPLETE_RESPONSE},
        parameters=[schema.RETRY_AFTER],
        examples=[
            schema.request("Change the rate", {"settings": {"hourly_rate": "45.00"}}),
            schema.request("Publish", {"is_published": True}),
            schema.success("Updated", schema.PROFILE_EXAMPLE),
            schema.error_example("invalid_currency", "Unknown currency"),
            schema.error_example("invalid_subject", "Empty subject"),
            schema.INCOMPLETE,
            schema.NOT_SIGNED_IN,
        ],
    )
    def patch(self, request: Request) -> Response:
        data = self.parse(ProfileSerializer, request.data, partial=True)
        profile = services.profile_update(user=request.user, data=data)
        return Response(profile_representation(services.profile_of(profile.user)))


# The field each slot code names (``0.weekday``, ``1.start``, ...; INDEX is the position).
_SLOT_CODES = {
    "INDEX.weekday": ["invalid_weekday"],
    "INDEX.start": ["invalid_time", "slot_overlap"],
    "INDEX.end": ["invalid_time", "slot_reversed"],
    api_settings.NON_FIELD_ERRORS_KEY: ["too_many_slots"],
}


@document_validation_errors(_SLOT_CODES, methods=["put"])
class AvailabilityView(MarketplaceAPIView):
    @extend_schema(
        operation_id="marketplace_availability_get",
        summary="Your weekly availability",
        responses={200: SlotOutputSerializer(many=True), 404: schema.PROFILE_NOT_FOUND_RESPONSE},
        parameters=[schema.RETRY_AFTER],
        examples=[
            schema.success("Slots", schema.SLOTS_EXAMPLE),
            schema.NO_PROFILE,
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> Response:
        profile = services.profile_of(request.user)
        return Response([slot_representation(slot) for slot in profile.slots.all()])

    @extend_schema(
        operation_id="marketplace_availability_replace",
        summary="Replace your weekly availability",
        description="The whole week at once (an empty list clears it). Slots of one weekday "
        "may touch but not overlap; `attr` names the slot by its index (`1.start`).",
        request=SlotSerializer(many=True),
        responses={200: SlotOutputSerializer(many=True), 404: schema.PROFILE_NOT_FOUND_RESPONSE},
        parameters=[schema.RETRY_AFTER],
        examples=[
            schema.request("A week", schema.SLOTS_EXAMPLE),
            schema.success("Replaced", schema.SLOTS_EXAMPLE),
            schema.error_example("slot_overlap", "Overlapping slots"),
            schema.error_example("slot_reversed", "Reversed slot"),
            schema.error_example("invalid_weekday", "Weekday out of range"),
            schema.NO_PROFILE,
        ],
    )
    def put(self, request: Request) -> Response:
        serializer = SlotSerializer(data=request.data, many=True)
        if not serializer.is_valid():
            raise exceptions.ValidationError(indexed_errors(serializer.errors))
        slots = serializer.validated_data
        created = services.availability_replace(user=request.user, slots=slots)
        return Response([slot_representation(slot) for slot in created])


def indexed_errors(errors: Any) -> Any:
    """A list serializer's errors keyed by ``"<index>.<field>"`` (``"1.start"``).

    DRF answers a list, or (3.16+) a dict keyed by int indexes, and drf-standardized-errors
    would drop an index 0 from the ``attr``; errors about the whole list pass unchanged.
    An item that is not an object at all (``null``, ``5``) has a list of errors of its
    own: they are the item's ``"<index>.non_field_errors"``.
    """
    if isinstance(errors, dict) and not any(isinstance(key, int) for key in errors):
        return errors
    items = enumerate(errors) if isinstance(errors, list) else errors.items()
    indexed = {}
    for index, item_errors in items:
        if isinstance(item_errors, list | tuple):
            item_errors = {api_settings.NON_FIELD_ERRORS_KEY: item_errors}
        for field, details in (item_errors or {}).items():
            indexed[f"{index}.{field}"] = details
    return indexed


def if_match(request: Request) -> list[str] | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def with_etag(response: Response, draft: ProfileDraft | None) -> Response:
    if draft is not None:
        response["ETag"] = f'"{draft.version}"'
    return response


def _persisted(user: Any) -> dict[str, Any]:
    try:
        return profile_representation(services.profile_of(user))
    except ProfileNotFound:
        return {}


class AutosaveBase(MarketplaceAPIView):
    read_throttle = AutosaveThrottle
    write_throttle = AutosaveThrottle


@extend_validation_errors(
    ["draft_not_object", "draft_too_deep", "draft_invalid_text", "draft_invalid_number"],
    field_name="non_field_errors",
    methods=["put"],
)
class AutosaveView(AutosaveBase):
    @extend_schema(
        operation_id="marketplace_autosave_get",
        summary="Your autosaved draft",
        responses={200: DraftSerializer, 404: schema.DRAFT_NOT_FOUND_RESPONSE},
        parameters=[schema.RETRY_AFTER, schema.ETAG],
        examples=[
            schema.success("Draft", {"version": 3, "draft": schema.PROFILE_EXAMPLE}),
            schema.NO_DRAFT,
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> Response:
        draft = services.draft_of(request.user)
        if draft is None:
            raise MarketplaceError("draft_not_found")
        return with_etag(Response({"version": draft.version, "draft": draft.data}), draft)

    @extend_schema(
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
            412: schema.STALE_DRAFT_RESPONSE,
            413: schema.DRAFT_TOO_LARGE_RESPONSE,
        },
        parameters=[schema.IF_MATCH, schema.RETRY_AFTER, schema.ETAG],
        examples=[
            schema.request(
                "Draft", {**schema.PROFILE_EXAMPLE, "headline": "Maths, physics, chemistry"}
            ),
            schema.success("Saved", {"version": 4, "dirty": ["headline"]}),
            schema.error_example("draft_not_object", "Not an object"),
            schema.error_example("draft_too_large", "Too large"),
            schema.STALE_DRAFT,
        ],
    )
    def put(self, request: Request) -> Response:
        draft = services.draft_save(
            user=request.user, data=request.data, if_match=if_match(request)
        )
        dirty = dirty_paths(draft.data, _persisted(request.user))
        return with_etag(Response({"version": draft.version, "dirty": dirty}), draft)

    @extend_schema(
        operation_id="marketplace_autosave_discard",
        summary="Discard your draft",
        description="204 whether or not there was a draft; with `If-Match`, only that version.",
        request=None,
        responses={204: None, 412: schema.STALE_DRAFT_RESPONSE},
        parameters=[schema.IF_MATCH, schema.RETRY_AFTER],
        examples=[
            schema.STALE_DRAFT,
            schema.NOT_SIGNED_IN,
            schema.error_example("throttled", "Throttled"),
        ],
    )
    def delete(self, request: Request) -> Response:
        services.draft_discard(user=request.user, if_match=if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AutosaveDiffView(AutosaveBase):
    @extend_schema(
        operation_id="marketplace_autosave_diff",
        summary="What the draft would change",
        description="Dotted paths (at most 3 levels; deeper changes are reported at their "
        "third level) where the draft differs from the saved profile. Arrays are dirty as "
        "a whole; a key on one side only is dirty; values are compared as they would be "
        'stored (`"40"` and `"40.00"` are the same rate). No draft: `{"dirty": []}`.',
        responses={200: DiffSerializer},
        parameters=[schema.RETRY_AFTER, schema.ETAG],
        examples=[
            schema.success(
                "Dirty",
                {"dirty": ["description", "headline", "settings.hourly_rate", "settings.subjects"]},
            ),
            schema.success("No draft", {"dirty": []}),
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request) -> Response:
        draft = services.draft_of(request.user)
        if draft is None:
            return Response({"dirty": []})
        return with_etag(
            Response({"dirty": dirty_paths(draft.data, _persisted(request.user))}), draft
        )


@document_validation_errors(_profile_input_codes(), methods=["post"])
class AutosavePublishView(AutosaveBase):
    write_throttle = MarketplaceWriteThrottle

    @extend_schema(
        operation_id="marketplace_autosave_publish",
        summary="Publish the draft into your profile",
        description="Applies the draft exactly as `PATCH /api/me/profile/` would (same "
        "validation: a 400 writes nothing) and deletes it. The listing shows the change at once.",
        request=None,
        responses={
            200: ProfileSerializer,
            404: schema.DRAFT_NOT_FOUND_RESPONSE,
            409: schema.INCOMPLETE_RESPONSE,
            412: schema.STALE_DRAFT_RESPONSE,
        },
        parameters=[schema.IF_MATCH, schema.RETRY_AFTER],
        examples=[
            schema.success("Published", schema.PROFILE_EXAMPLE),
            schema.error_example("invalid_currency", "Draft with an unknown currency"),
            schema.NO_DRAFT,
            schema.INCOMPLETE,
            schema.STALE_DRAFT,
        ],
    )
    def post(self, request: Request) -> Response:
        profile = services.draft_publish(
            user=request.user,
            if_match=if_match(request),
            validate=partial(self.parse, ProfileSerializer, partial=True),
        )
        return Response(profile_representation(services.profile_of(profile.user)))

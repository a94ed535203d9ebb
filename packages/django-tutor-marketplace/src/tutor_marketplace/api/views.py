"""Thin views: parse with a serializer or filterset, call one service or selector, render."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar

from django.forms import Form
from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from tutor_core.api.parsers import JSONParser
from tutor_core.api.views import ThrottleClass, TutorAPIView
from tutor_marketplace import selectors, services
from tutor_marketplace.api import schema
from tutor_marketplace.api.errors import validation_error
from tutor_marketplace.api.filters import InvalidListingQuery, clean_listing_query
from tutor_marketplace.api.serializers import (
    ProfileSerializer,
    SlotSerializer,
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


class MarketplaceAPIView(TutorAPIView):
    """The base of every marketplace view: authenticated, throttled, domain errors as HTTP."""

    # drf-spectacular shows this docstring as the description of an operation that has
    # none of its own, so it stays as it was; core's view does the work, with the
    # package's throttles, and bodies are JSON only (core's parser: too deep is a 400).
    parser_classes = [JSONParser]
    read_throttle: ClassVar[ThrottleClass] = MarketplaceReadThrottle
    write_throttle: ClassVar[ThrottleClass] = MarketplaceWriteThrottle


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


@schema.tutor_list
class TutorListView(MarketplaceAPIView):
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
            page.envelope([tutor_representation(profile) for profile in page.rows])
        )
        subject = filters["subject"]
        if page.rows or not subject or query["cursor"] is not None:
            cacheable = True
        else:
            cacheable = selectors.subject_exists(subject)
        return f"{len(page.rows)}\n".encode() + body, cacheable


@schema.profile
class ProfileView(MarketplaceAPIView):
    def get(self, request: Request) -> Response:
        return Response(profile_representation(services.profile_of(request.user)))

    def patch(self, request: Request) -> Response:
        data = self.parse(ProfileSerializer, request.data, partial=True)
        profile = services.profile_update(user=request.user, data=data)
        return Response(profile_representation(services.profile_of(profile.user)))


@schema.availability
class AvailabilityView(MarketplaceAPIView):
    def get(self, request: Request) -> Response:
        profile = services.profile_of(request.user)
        return Response([slot_representation(slot) for slot in profile.slots.all()])

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
    read_throttle: ClassVar[ThrottleClass] = AutosaveThrottle
    write_throttle: ClassVar[ThrottleClass] = AutosaveThrottle


@schema.autosave
class AutosaveView(AutosaveBase):
    def get(self, request: Request) -> Response:
        draft = services.draft_of(request.user)
        if draft is None:
            raise MarketplaceError("draft_not_found")
        return with_etag(Response({"version": draft.version, "draft": draft.data}), draft)

    def put(self, request: Request) -> Response:
        draft = services.draft_save(
            user=request.user, data=request.data, if_match=if_match(request)
        )
        dirty = dirty_paths(draft.data, _persisted(request.user))
        return with_etag(Response({"version": draft.version, "dirty": dirty}), draft)

    def delete(self, request: Request) -> Response:
        services.draft_discard(user=request.user, if_match=if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@schema.autosave_diff
class AutosaveDiffView(AutosaveBase):
    def get(self, request: Request) -> Response:
        draft = services.draft_of(request.user)
        if draft is None:
            return Response({"dirty": []})
        return with_etag(
            Response({"dirty": dirty_paths(draft.data, _persisted(request.user))}), draft
        )


@schema.autosave_publish
class AutosavePublishView(AutosaveBase):
    write_throttle: ClassVar[ThrottleClass] = MarketplaceWriteThrottle

    def post(self, request: Request) -> Response:
        profile = services.draft_publish(
            user=request.user,
            if_match=if_match(request),
            validate=partial(self.parse, ProfileSerializer, partial=True),
        )
        return Response(profile_representation(services.profile_of(profile.user)))

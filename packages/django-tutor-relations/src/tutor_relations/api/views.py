"""Thin views: parse with a serializer, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from tutor_core.api.views import TutorAPIView
from tutor_relations import idempotency, selectors, services
from tutor_relations.api import schema
from tutor_relations.api.errors import not_found
from tutor_relations.api.serializers import (
    MAX_ID,
    BatchRequestSerializer,
    BatchResultSerializer,
    PageQuerySerializer,
    RecentActionPageSerializer,
    RelationCreateSerializer,
    StatusPageQuerySerializer,
    StudentRelationPageSerializer,
    StudentRelationSerializer,
    TimelineSerializer,
    TutorRelationPageSerializer,
    TutorRelationSerializer,
    log_entry,
    relation_for_student,
    relation_for_tutor,
)
from tutor_relations.api.throttling import RelationReadThrottle, RelationWriteThrottle
from tutor_relations.conf import relations_settings
from tutor_relations.models import RELATION_STATUS
from tutor_relations.selectors import Page

IDEMPOTENCY_HEADER = "Idempotency-Key"
# The cursor is a CharField: DRF refuses a NUL byte in it before it is decoded.
_CURSOR_ERRORS = ["invalid_cursor", "foreign_cursor", "stale_cursor", "null_characters_not_allowed"]
_IDS_ERRORS = ["required", "null", "not_a_list", "empty", "too_many_ids", "invalid_id"]


class RelationsAPIView(TutorAPIView):
    """The base of every relations view: core's (authenticated, throttled, domain errors as
    HTTP), with the package's throttles and its ``Idempotency-Key`` handling."""

    # Added to the host's default throttles; the rates are TUTOR_RELATIONS settings.
    read_throttle = RelationReadThrottle
    write_throttle = RelationWriteThrottle

    def request_id(self) -> str | None:
        return relations_settings.REQUEST_ID(self.request)

    def respond(self, act: Callable[[], tuple[int, Any]]) -> Response:
        """Run a write, once per ``Idempotency-Key`` when the client sends one."""
        key = self.request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            status_code, body = act()
            return Response(body, status=status_code)
        idempotency.validate_key(key)
        stored = idempotency.run_once(
            user=self.request.user,
            key=key,
            request_fingerprint=idempotency.fingerprint(
                method=self.request.method,
                path=self.request.path,
                body=_plain(self.request.data),
            ),
            act=act,
        )
        response = Response(stored.body, status=stored.status)
        if stored.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _plain(data: Any) -> Any:
    """Request data as plain JSON values (a form's ``QueryDict`` as lists per key)."""
    lists = getattr(data, "lists", None)
    return dict(lists()) if callable(lists) else data


def _page(page: Page, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {
        "results": [render(row) for row in page.rows],
        "cursor": page.cursor,
        "has_more": page.has_more,
    }


def _query_parameters(serializer_class: type) -> list[OpenApiParameter]:
    fields = serializer_class().fields
    return [
        OpenApiParameter(
            name,
            int if name == "page_size" else str,
            OpenApiParameter.QUERY,
            required=False,
            description=field.help_text,
            enum=list(field.choices) if hasattr(field, "choices") else None,
        )
        for name, field in fields.items()
    ]


def _page_example(name: str, item: dict[str, Any]) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={"results": [item], "cursor": schema.CURSOR, "has_more": True},
        response_only=True,
        status_codes=["200"],
    )


_PAGE_ERRORS = [
    schema.INVALID_CURSOR,
    schema.FOREIGN_CURSOR,
    schema.STALE_CURSOR,
    schema.PAGE_SIZE_TOO_LARGE,
    schema.NOT_SIGNED_IN,
]
_PAGING = (
    ' Cursor paginated (`{{"results", "cursor", "has_more"}}`): pass `cursor` back as '
    "`?cursor=` for the next page, with the same filters; `page_size` is 1 to "
    "{max_page_size}."
)


# DRF's own codes of the page_size IntegerField (1 to MAX_PAGE_SIZE).
_PAGE_SIZE_ERRORS = ["invalid", "max_string_length", "min_value", "max_value"]


# Tutor side ------------------------------------------------------------------------------


@extend_validation_errors(_CURSOR_ERRORS, field_name="cursor", methods=["get"])
@extend_validation_errors(_PAGE_SIZE_ERRORS, field_name="page_size", methods=["get"])
@extend_validation_errors(["invalid_choice"], field_name="status", methods=["get"])
class TutorStudentsView(RelationsAPIView):
    @extend_schema(
        operation_id="relations_tutor_students",
        summary="Your students",
        description=schema.described(
            "Your relations as a tutor, newest first; `status` keeps one status." + _PAGING
        ),
        parameters=[*_query_parameters(StatusPageQuerySerializer), schema.RETRY_AFTER],
        responses={200: TutorRelationPageSerializer},
        examples=[
            _page_example("A page of students", schema.RELATION_FOR_TUTOR),
            OpenApiExample(
                "The last page",
                value={"results": [], "cursor": None, "has_more": False},
                response_only=True,
                status_codes=["200"],
            ),
            *_PAGE_ERRORS,
        ],
    )
    def get(self, request: Request) -> Response:
        query = self.parse(StatusPageQuerySerializer, request.query_params)
        page = selectors.tutor_relations_page(
            tutor=request.user,
            status=query["status"],
            cursor=query["cursor"],
            size=query["page_size"],
        )
        return Response(_page(page, relation_for_tutor))


@extend_validation_errors(_CURSOR_ERRORS, field_name="cursor", methods=["get"])
@extend_validation_errors(_PAGE_SIZE_ERRORS, field_name="page_size", methods=["get"])
class RecentActionsView(RelationsAPIView):
    @extend_schema(
        operation_id="relations_tutor_recent_actions",
        summary="Recent actions on your relations",
        description=schema.described(
            "The audit log of your relations as a tutor, newest "
            "first: creations (empty `prev_status`) and every status change, with who made it "
            "and how (`metadata.source`: `single` or `batch`)." + _PAGING
        ),
        parameters=[*_query_parameters(PageQuerySerializer), schema.RETRY_AFTER],
        responses={200: RecentActionPageSerializer},
        examples=[
            _page_example("Recent actions", {**schema.LOG_ENTRY, "student": schema.STUDENT}),
            *_PAGE_ERRORS,
        ],
    )
    def get(self, request: Request) -> Response:
        query = self.parse(PageQuerySerializer, request.query_params)
        page = selectors.recent_actions_page(
            tutor=request.user, cursor=query["cursor"], size=query["page_size"]
        )
        return Response(_page(page, lambda entry: log_entry(entry, with_student=True)))


class TimelineView(RelationsAPIView):
    @extend_schema(
        operation_id="relations_tutor_timeline",
        summary="The history of one relation",
        description="Every audit-log entry of one of your relations, oldest first: its "
        "creation, then each status change. Another tutor's relation is a 404.",
        parameters=[schema.RETRY_AFTER],
        responses={200: TimelineSerializer},
        examples=[
            OpenApiExample(
                "Created then accepted",
                value={"relation_id": 31, "results": [schema.CREATION_ENTRY, schema.LOG_ENTRY]},
                response_only=True,
                status_codes=["200"],
            ),
            schema.NOT_FOUND,
            schema.NOT_SIGNED_IN,
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        relation = None
        if pk <= MAX_ID:
            relation = selectors.relation_of_tutor(tutor=request.user, relation_id=pk)
        if relation is None:
            raise not_found()
        entries = selectors.relation_timeline(relation=relation)
        return Response(
            {"relation_id": relation.pk, "results": [log_entry(entry) for entry in entries]}
        )


def _transition_examples(target: str) -> list[OpenApiExample]:
    refused = "already_active" if target == RELATION_STATUS.active else "already_archived"
    examples = [
        OpenApiExample(
            "Accepted" if target == RELATION_STATUS.active else "Archived",
            value={
                **schema.RELATION_FOR_TUTOR,
                "status": target,
                "updated_at": "2026-07-02T08:15:00Z",
            },
            response_only=True,
            status_codes=["200"],
        ),
        schema.error_example(refused, refused.replace("_", " ").capitalize()),
        schema.NOT_FOUND,
        schema.error_example("invalid_idempotency_key", "Malformed key", attr="Idempotency-Key"),
        schema.KEY_REUSED,
    ]
    if target == RELATION_STATUS.active:
        examples.insert(2, schema.error_example("invalid_transition", "Archived already"))
    return examples


@extend_validation_errors(
    ["invalid_idempotency_key"], field_name="Idempotency-Key", methods=["post"]
)
class RelationTransitionView(RelationsAPIView):
    """Accept or archive one relation: the batch's service, with a batch of one."""

    new_status: str = ""

    def post(self, request: Request, pk: int) -> Response:
        if pk > MAX_ID:
            raise not_found()

        def act() -> tuple[int, Any]:
            relation = services.relation_transition(
                tutor=request.user,
                relation_id=pk,
                new_status=self.new_status,
                actor=request.user,
                request_id=self.request_id(),
            )
            return status.HTTP_200_OK, relation_for_tutor(relation)

        return self.respond(act)


_SINGLE_RESPONSES = {
    200: TutorRelationSerializer,
    409: schema.TRANSITION_CONFLICT_RESPONSE,
    422: schema.KEY_REUSED_RESPONSE,
}


class RelationAcceptView(RelationTransitionView):
    new_status = RELATION_STATUS.active

    @extend_schema(
        operation_id="relations_tutor_accept",
        summary="Accept a pending student",
        description="pending → active. An active relation is a 409 `already_active`, an "
        "archived one a 409 `invalid_transition`; another tutor's relation is a 404.",
        request=None,
        parameters=[schema.IDEMPOTENCY_KEY, schema.IDEMPOTENT_REPLAYED, schema.RETRY_AFTER],
        responses=_SINGLE_RESPONSES,
        examples=_transition_examples(RELATION_STATUS.active),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class RelationArchiveView(RelationTransitionView):
    new_status = RELATION_STATUS.archived

    @extend_schema(
        operation_id="relations_tutor_archive",
        summary="Archive a relation",
        description="pending → archived or active → archived. An archived relation is a "
        "409 `already_archived`; another tutor's relation is a 404.",
        request=None,
        parameters=[schema.IDEMPOTENCY_KEY, schema.IDEMPOTENT_REPLAYED, schema.RETRY_AFTER],
        responses=_SINGLE_RESPONSES,
        examples=_transition_examples(RELATION_STATUS.archived),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


def _batch_examples(target: str) -> list[OpenApiExample]:
    refused = "already active" if target == RELATION_STATUS.active else "already archived"
    return [
        OpenApiExample("Three ids", value={"ids": [31, 32, 33]}, request_only=True),
        OpenApiExample(
            "Partial success",
            summary="Every id is reported once, in processed or in failed",
            value={
                "processed": [31, 32],
                "failed": [{"id": 33, "error": refused}, {"id": 99, "error": "not found"}],
            },
            response_only=True,
            status_codes=["200"],
        ),
        OpenApiExample(
            "Nothing changed",
            summary="A forbidden state per item: still a 200",
            value={
                "processed": [],
                "failed": [
                    {"id": 33, "error": refused},
                    {"id": 34, "error": "invalid transition" if target == "active" else refused},
                ],
            },
            response_only=True,
            status_codes=["200"],
        ),
        schema.error_example("invalid_id", "Not a positive integer"),
        schema.error_example("too_many_ids", "Too many ids"),
        schema.drf_error_example(
            "Empty list", status=400, code="empty", detail="Send at least one id.", attr="ids"
        ),
        schema.KEY_REUSED,
        schema.NOT_SIGNED_IN,
    ]


_BATCH_DESCRIPTION = (
    'Answers 200 with `processed` (the ids changed) and `failed` (`{{"id", "error"}}` '
    "with `error` one of `already active`, `already archived`, `not found`, "
    "`invalid transition`); every id is in exactly one of them, duplicates once. Another "
    "tutor's relation is `not found`. At most {max_batch_size} ids. Concurrent batches "
    "change each relation once: the later one reports it in `failed`. Every change "
    "writes one audit-log row in the same transaction."
)


@extend_validation_errors(_IDS_ERRORS, field_name="ids", methods=["post"])
@extend_validation_errors(
    ["invalid_idempotency_key"], field_name="Idempotency-Key", methods=["post"]
)
class BatchTransitionView(RelationsAPIView):
    new_status: str = ""

    def post(self, request: Request) -> Response:
        ids = self.parse(BatchRequestSerializer, request.data)["ids"]

        def act() -> tuple[int, Any]:
            result = services.relations_transition(
                tutor=request.user,
                relation_ids=ids,
                new_status=self.new_status,
                actor=request.user,
                source="batch",
                request_id=self.request_id(),
            )
            return status.HTTP_200_OK, result.as_batch_response()

        return self.respond(act)


_BATCH_RESPONSES = {200: BatchResultSerializer, 422: schema.KEY_REUSED_RESPONSE}
_BATCH_PARAMETERS = [schema.IDEMPOTENCY_KEY, schema.IDEMPOTENT_REPLAYED, schema.RETRY_AFTER]


class BatchAcceptView(BatchTransitionView):
    new_status = RELATION_STATUS.active

    @extend_schema(
        operation_id="relations_tutor_batch_accept",
        summary="Accept many pending students",
        description=schema.described("pending → active for each id. " + _BATCH_DESCRIPTION),
        request=BatchRequestSerializer,
        parameters=_BATCH_PARAMETERS,
        responses=_BATCH_RESPONSES,
        examples=_batch_examples(RELATION_STATUS.active),
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class BatchArchiveView(BatchTransitionView):
    new_status = RELATION_STATUS.archived

    @extend_schema(
        operation_id="relations_tutor_batch_archive",
        summary="Archive many relations",
        description=schema.described(
            "pending or active → archived for each id. " + _BATCH_DESCRIPTION
        ),
        request=BatchRequestSerializer,
        parameters=_BATCH_PARAMETERS,
        responses=_BATCH_RESPONSES,
        examples=_batch_examples(RELATION_STATUS.archived),
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


# Student side ----------------------------------------------------------------------------


@extend_validation_errors(_CURSOR_ERRORS, field_name="cursor", methods=["get"])
@extend_validation_errors(_PAGE_SIZE_ERRORS, field_name="page_size", methods=["get"])
@extend_validation_errors(["invalid_choice"], field_name="status", methods=["get"])
@extend_validation_errors(
    ["unavailable_tutor", "incorrect_type"], field_name="tutor", methods=["post"]
)
@extend_validation_errors(
    ["invalid_idempotency_key"], field_name="Idempotency-Key", methods=["post"]
)
class StudentRelationsView(RelationsAPIView):
    @extend_schema(
        operation_id="relations_student_list",
        summary="Your tutors",
        description=schema.described(
            "Your relations as a student, newest first; `status` keeps one status." + _PAGING
        ),
        parameters=[*_query_parameters(StatusPageQuerySerializer), schema.RETRY_AFTER],
        responses={200: StudentRelationPageSerializer},
        examples=[_page_example("A page of tutors", schema.RELATION_FOR_STUDENT), *_PAGE_ERRORS],
    )
    def get(self, request: Request) -> Response:
        query = self.parse(StatusPageQuerySerializer, request.query_params)
        page = selectors.student_relations_page(
            student=request.user,
            status=query["status"],
            cursor=query["cursor"],
            size=query["page_size"],
        )
        return Response(_page(page, relation_for_student))

    @extend_schema(
        operation_id="relations_student_create",
        summary="Ask a tutor to teach you",
        description="Creates a `pending` relation with the tutor, logged as its first "
        "audit-log entry. A relation between you two in any status is a 409 "
        "`relation_exists`. The tutor must be an active user whom the host offers as a "
        "tutor (its `TUTOR_ELIGIBILITY` hook), not you: any other id — unknown, inactive, "
        "not offered, your own — is the same 400 `unavailable_tutor`, so ids cannot be "
        "probed.",
        request=RelationCreateSerializer,
        parameters=[schema.IDEMPOTENCY_KEY, schema.IDEMPOTENT_REPLAYED, schema.RETRY_AFTER],
        responses={
            201: StudentRelationSerializer,
            409: schema.RELATION_EXISTS_RESPONSE,
            422: schema.KEY_REUSED_RESPONSE,
        },
        examples=[
            OpenApiExample("Ask tutor 7", value={"tutor": 7}, request_only=True),
            OpenApiExample(
                "Pending",
                value=schema.RELATION_FOR_STUDENT,
                response_only=True,
                status_codes=["201"],
            ),
            schema.error_example("unavailable_tutor", "Not a tutor you can ask"),
            schema.error_example("relation_exists", "Relation exists"),
            schema.KEY_REUSED,
            schema.NOT_SIGNED_IN,
        ],
    )
    def post(self, request: Request) -> Response:
        tutor = self.parse(RelationCreateSerializer, request.data)["tutor"]

        def act() -> tuple[int, Any]:
            relation = services.relation_create(
                student=request.user, tutor=tutor, request_id=self.request_id()
            )
            return status.HTTP_201_CREATED, relation_for_student(relation)

        return self.respond(act)

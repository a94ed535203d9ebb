"""The OpenAPI description of the relations API (SPEC §6), beside the views it describes.

Each view is described by one name here, applied in one line (``@schema.tutor_students``):
its summary, description, parameters, responses, examples and the validation codes each
of its fields can answer. What every operation shares (401 with its "Not signed in"
example, 429 with ``Retry-After``) comes from core's ``AutoSchema``, the views' base.

Error examples are built from the error registry (``tutor_relations.errors``) and shown
in the suite's one shape, drf-standardized-errors' ``{"type", "errors": [{"code",
"detail", "attr"}]}``. Limits quoted in descriptions follow ``TUTOR_RELATIONS``: they are
lazy strings that drf-spectacular renders when it builds the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework.views import APIView

from tutor_core.api import schema as core
from tutor_core.api.schema import (
    NOT_SIGNED_IN,
    RETRY_AFTER,
    UserFieldExtension,
    client_error_response,
    drf_error_example,
    request,
    success,
)
from tutor_relations.api.serializers import (
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
)
from tutor_relations.errors import CODES, settings_parameters
from tutor_relations.models import RELATION_STATUS

__all__ = [
    "NOT_SIGNED_IN",
    "RETRY_AFTER",
    "UserFieldExtension",
    "client_error_response",
    "described",
    "drf_error_example",
    "error_example",
]


def described(template: str) -> str:
    """``described("at most {max_batch_size}")``: a text that quotes the current settings."""
    return core.described(template, settings_parameters)


def error_example(
    code: str, name: str, *, summary: str = "", attr: str | None = None, **params: Any
) -> OpenApiExample:
    """An error response example whose status, detail and field come from the registry."""
    return core.error_example(CODES[code], name, summary=summary, attr=attr, **params)


STUDENT = {"id": 12, "display_name": "Olena Kovalenko"}
TUTOR = {"id": 7, "display_name": "Taras Shevchuk"}
RELATION_FOR_TUTOR = {
    "id": 31,
    "student": STUDENT,
    "status": "pending",
    "created_at": "2026-07-01T09:30:00.123456Z",
    "updated_at": "2026-07-01T09:30:00.123456Z",
}
RELATION_FOR_STUDENT = {**RELATION_FOR_TUTOR, "tutor": TUTOR}
del RELATION_FOR_STUDENT["student"]
CURSOR = "eyJsIjoidHV0b3Itc3R1ZGVudHMiLC4uLn0:1uZ3aP:pX0...signature"
LOG_ENTRY = {
    "id": 108,
    "relation_id": 31,
    "prev_status": "pending",
    "new_status": "active",
    "actor_id": 7,
    "timestamp": "2026-07-02T08:15:00.000000Z",
    "metadata": {"source": "batch", "request_id": "723aa035fdc14aeaa74031b4665072fe"},
}
CREATION_ENTRY = {
    **LOG_ENTRY,
    "id": 97,
    "prev_status": "",
    "new_status": "pending",
    "actor_id": 12,
    "timestamp": "2026-07-01T09:30:00.123456Z",
    "metadata": {"source": "single", "request_id": "0f3c1d2e9a8b4c7d"},
}


TRANSITION_CONFLICT_RESPONSE = client_error_response(
    "RelationTransitionErrorResponse", ["already_active", "already_archived", "invalid_transition"]
)
RELATION_EXISTS_RESPONSE = client_error_response("RelationExistsErrorResponse", ["relation_exists"])
KEY_REUSED_RESPONSE = client_error_response(
    "IdempotencyKeyReusedErrorResponse", ["idempotency_key_reused"]
)


NOT_FOUND = error_example(
    "not_found",
    "Not your relation",
    summary="Another tutor's relation, or no such relation: 404 either way",
)
KEY_REUSED = error_example("idempotency_key_reused", "Key reused")
INVALID_CURSOR = error_example("invalid_cursor", "Tampered cursor")
FOREIGN_CURSOR = error_example("foreign_cursor", "Foreign cursor")
STALE_CURSOR = error_example("stale_cursor", "Stale cursor")
PAGE_SIZE_TOO_LARGE = drf_error_example(
    "Page size too large",
    status=400,
    code="max_value",
    detail=described("Ensure this value is less than or equal to {max_page_size}."),
    attr="page_size",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=described(
        "Optional. Any unique string (1 to 255 printable ASCII characters), e.g. a UUID. "
        "A retry with the same key and the same request returns the first response "
        "(with `Idempotent-Replayed: true`) and does nothing again; the same key with "
        "another request is a 422 `idempotency_key_reused`. Keys are per user and are "
        "remembered for {idempotency_ttl}."
    ),
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="`true` when this is the stored response of an earlier request with the "
    "same `Idempotency-Key`.",
)


# Validation codes, declared once -------------------------------------------------------

#: DRF's own codes each input field can answer, beside the registry's.
_DRF_CODES: dict[str, list[str]] = {
    # The cursor is a CharField: DRF refuses a NUL byte in it before it is decoded.
    "cursor": ["null_characters_not_allowed"],
    # The page_size IntegerField (1 to MAX_PAGE_SIZE).
    "page_size": ["invalid", "max_string_length", "min_value", "max_value"],
    "status": ["invalid_choice"],
    "ids": ["required", "null", "not_a_list", "empty"],
    "tutor": ["incorrect_type"],
}


def validation_codes(field: str) -> list[str]:
    """Every 400 code ``field`` can answer: the registry's for it, then DRF's own."""
    own = [spec.code for spec in CODES.values() if spec.status == 400 and spec.attr == field]
    return own + _DRF_CODES.get(field, [])


_View = TypeVar("_View", bound=type[APIView])
_F = TypeVar("_F", bound=Callable[..., Any])


def _described_view(
    validated: Mapping[str, Sequence[str]], **methods: Any
) -> Callable[[_View], _View]:
    """Core's ``view_schema``: ``validated`` names, by method, the fields it reads, each
    documented with every code it can answer (``validation_codes``)."""
    validation = {
        method: {field: validation_codes(field) for field in fields}
        for method, fields in validated.items()
    }
    return core.view_schema(validation=validation, **methods)


# Lists ---------------------------------------------------------------------------------

_PAGING = (
    ' Cursor paginated (`{{"results", "cursor", "has_more"}}`): pass `cursor` back as '
    "`?cursor=` for the next page, with the same filters; `page_size` is 1 to "
    "{max_page_size}."
)
_PAGE_ERRORS = [INVALID_CURSOR, FOREIGN_CURSOR, STALE_CURSOR, PAGE_SIZE_TOO_LARGE]
_LIST_FIELDS = ["cursor", "page_size"]


def _page_example(name: str, item: dict[str, Any]) -> OpenApiExample:
    return success(name, {"results": [item], "cursor": CURSOR, "has_more": True})


def _relations_list(
    whose: str, page: type, examples: list[OpenApiExample], **spec: Any
) -> Callable[[_F], _F]:
    """The ``extend_schema`` of a list of one's relations as a tutor or as a student."""
    return extend_schema(
        description=described(
            f"Your relations as a {whose}, newest first; `status` keeps one status." + _PAGING
        ),
        parameters=[StatusPageQuerySerializer],
        responses={200: page},
        examples=[*examples, *_PAGE_ERRORS],
        **spec,
    )


tutor_students = _described_view(
    {"get": [*_LIST_FIELDS, "status"]},
    get=_relations_list(
        "tutor",
        TutorRelationPageSerializer,
        [
            _page_example("A page of students", RELATION_FOR_TUTOR),
            success("The last page", {"results": [], "cursor": None, "has_more": False}),
        ],
        operation_id="relations_tutor_students",
        summary="Your students",
    ),
)

recent_actions = _described_view(
    {"get": _LIST_FIELDS},
    get=extend_schema(
        operation_id="relations_tutor_recent_actions",
        summary="Recent actions on your relations",
        description=described(
            "The audit log of your relations as a tutor, newest "
            "first: creations (empty `prev_status`) and every status change, with who made it "
            "and how (`metadata.source`: `single` or `batch`)." + _PAGING
        ),
        parameters=[PageQuerySerializer],
        responses={200: RecentActionPageSerializer},
        examples=[
            _page_example("Recent actions", {**LOG_ENTRY, "student": STUDENT}),
            *_PAGE_ERRORS,
        ],
    ),
)

timeline = _described_view(
    {},
    get=extend_schema(
        operation_id="relations_tutor_timeline",
        summary="The history of one relation",
        description="Every audit-log entry of one of your relations, oldest first: its "
        "creation, then each status change. Another tutor's relation is a 404.",
        responses={200: TimelineSerializer},
        examples=[
            success(
                "Created then accepted",
                {"relation_id": 31, "results": [CREATION_ENTRY, LOG_ENTRY]},
            ),
            NOT_FOUND,
        ],
    ),
)


# One relation --------------------------------------------------------------------------

_WRITE_PARAMETERS = [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED]
_SINGLE_RESPONSES = {
    200: TutorRelationSerializer,
    409: TRANSITION_CONFLICT_RESPONSE,
    422: KEY_REUSED_RESPONSE,
}


def _transition_examples(target: str) -> list[OpenApiExample]:
    refused = "already_active" if target == RELATION_STATUS.active else "already_archived"
    examples = [
        success(
            "Accepted" if target == RELATION_STATUS.active else "Archived",
            {**RELATION_FOR_TUTOR, "status": target, "updated_at": "2026-07-02T08:15:00Z"},
        ),
        error_example(refused, refused.replace("_", " ").capitalize()),
        NOT_FOUND,
        error_example("invalid_idempotency_key", "Malformed key", attr="Idempotency-Key"),
        KEY_REUSED,
    ]
    if target == RELATION_STATUS.active:
        examples.insert(2, error_example("invalid_transition", "Archived already"))
    return examples


def _write(fields: Sequence[str], **spec: Any) -> Callable[[_View], _View]:
    """A write: it takes an ``Idempotency-Key``; ``fields`` and the key are validated."""
    return _described_view(
        {"post": [*fields, "Idempotency-Key"]},
        post=extend_schema(parameters=_WRITE_PARAMETERS, **spec),
    )


def _single(target: str, **spec: Any) -> Callable[[_View], _View]:
    """Accepting or archiving one relation (the id is in the path)."""
    examples = _transition_examples(target)
    return _write([], request=None, responses=_SINGLE_RESPONSES, examples=examples, **spec)


relation_accept = _single(
    RELATION_STATUS.active,
    operation_id="relations_tutor_accept",
    summary="Accept a pending student",
    description="pending → active. An active relation is a 409 `already_active`, an "
    "archived one a 409 `invalid_transition`; another tutor's relation is a 404.",
)
relation_archive = _single(
    RELATION_STATUS.archived,
    operation_id="relations_tutor_archive",
    summary="Archive a relation",
    description="pending → archived or active → archived. An archived relation is a "
    "409 `already_archived`; another tutor's relation is a 404.",
)


# Batches -------------------------------------------------------------------------------

_BATCH_DESCRIPTION = (
    'Answers 200 with `processed` (the ids changed) and `failed` (`{{"id", "error"}}` '
    "with `error` one of `already active`, `already archived`, `not found`, "
    "`invalid transition`); every id is in exactly one of them, duplicates once. Another "
    "tutor's relation is `not found`. At most {max_batch_size} ids. Concurrent batches "
    "change each relation once: the later one reports it in `failed`. Every change "
    "writes one audit-log row in the same transaction."
)
_BATCH_RESPONSES = {200: BatchResultSerializer, 422: KEY_REUSED_RESPONSE}


def _batch_examples(target: str) -> list[OpenApiExample]:
    refused = "already active" if target == RELATION_STATUS.active else "already archived"
    return [
        request("Three ids", {"ids": [31, 32, 33]}),
        success(
            "Partial success",
            {
                "processed": [31, 32],
                "failed": [{"id": 33, "error": refused}, {"id": 99, "error": "not found"}],
            },
            summary="Every id is reported once, in processed or in failed",
        ),
        success(
            "Nothing changed",
            {
                "processed": [],
                "failed": [
                    {"id": 33, "error": refused},
                    {"id": 34, "error": "invalid transition" if target == "active" else refused},
                ],
            },
            summary="A forbidden state per item: still a 200",
        ),
        error_example("invalid_id", "Not a positive integer"),
        error_example("too_many_ids", "Too many ids"),
        drf_error_example(
            "Empty list", status=400, code="empty", detail="Send at least one id.", attr="ids"
        ),
        KEY_REUSED,
    ]


def _batch(target: str, *, change: str, **spec: Any) -> Callable[[_View], _View]:
    """Accepting or archiving many relations; ``change`` says what happens to each id."""
    spec["description"] = described(change + " " + _BATCH_DESCRIPTION)
    spec.update(request=BatchRequestSerializer, responses=_BATCH_RESPONSES)
    return _write(["ids"], examples=_batch_examples(target), **spec)


batch_accept = _batch(
    RELATION_STATUS.active,
    operation_id="relations_tutor_batch_accept",
    summary="Accept many pending students",
    change="pending → active for each id.",
)
batch_archive = _batch(
    RELATION_STATUS.archived,
    operation_id="relations_tutor_batch_archive",
    summary="Archive many relations",
    change="pending or active → archived for each id.",
)


# The student's side --------------------------------------------------------------------

student_relations = _described_view(
    {"get": [*_LIST_FIELDS, "status"], "post": ["tutor", "Idempotency-Key"]},
    get=_relations_list(
        "student",
        StudentRelationPageSerializer,
        [_page_example("A page of tutors", RELATION_FOR_STUDENT)],
        operation_id="relations_student_list",
        summary="Your tutors",
    ),
    post=extend_schema(
        operation_id="relations_student_create",
        summary="Ask a tutor to teach you",
        description="Creates a `pending` relation with the tutor, logged as its first "
        "audit-log entry. A relation between you two in any status is a 409 "
        "`relation_exists`. The tutor must be an active user whom the host offers as a "
        "tutor (its `TUTOR_ELIGIBILITY` hook), not you: any other id — unknown, inactive, "
        "not offered, your own — is the same 400 `unavailable_tutor`, so ids cannot be "
        "probed.",
        request=RelationCreateSerializer,
        parameters=_WRITE_PARAMETERS,
        responses={
            201: StudentRelationSerializer,
            409: RELATION_EXISTS_RESPONSE,
            422: KEY_REUSED_RESPONSE,
        },
        examples=[
            request("Ask tutor 7", {"tutor": 7}),
            success("Pending", RELATION_FOR_STUDENT, status=201),
            error_example("unavailable_tutor", "Not a tutor you can ask"),
            error_example("relation_exists", "Relation exists"),
            KEY_REUSED,
        ],
    ),
)

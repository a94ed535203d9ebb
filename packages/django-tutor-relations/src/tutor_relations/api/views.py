"""Thin views: parse with a serializer, call one service or selector, render.

Each view's OpenAPI description lives in ``tutor_relations.api.schema`` and is applied
in one line (``@schema.tutor_students``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    PageQuerySerializer,
    RelationCreateSerializer,
    StatusPageQuerySerializer,
    log_entry,
    relation_for_student,
    relation_for_tutor,
)
from tutor_relations.api.throttling import RelationReadThrottle, RelationWriteThrottle
from tutor_relations.conf import relations_settings
from tutor_relations.models import RELATION_STATUS

IDEMPOTENCY_HEADER = "Idempotency-Key"


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


# Tutor side ------------------------------------------------------------------------------


@schema.tutor_students
class TutorStudentsView(RelationsAPIView):
    def get(self, request: Request) -> Response:
        query = self.parse(StatusPageQuerySerializer, request.query_params)
        page = selectors.tutor_relations_page(
            tutor=request.user,
            status=query["status"],
            cursor=query["cursor"],
            size=query["page_size"],
        )
        return Response(page.envelope([relation_for_tutor(row) for row in page.rows]))


@schema.recent_actions
class RecentActionsView(RelationsAPIView):
    def get(self, request: Request) -> Response:
        query = self.parse(PageQuerySerializer, request.query_params)
        page = selectors.recent_actions_page(
            tutor=request.user, cursor=query["cursor"], size=query["page_size"]
        )
        return Response(page.envelope([log_entry(entry, with_student=True) for entry in page.rows]))


@schema.timeline
class TimelineView(RelationsAPIView):
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


@schema.relation_accept
class RelationAcceptView(RelationTransitionView):
    new_status = RELATION_STATUS.active


@schema.relation_archive
class RelationArchiveView(RelationTransitionView):
    new_status = RELATION_STATUS.archived


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


@schema.batch_accept
class BatchAcceptView(BatchTransitionView):
    new_status = RELATION_STATUS.active


@schema.batch_archive
class BatchArchiveView(BatchTransitionView):
    new_status = RELATION_STATUS.archived


# Student side ----------------------------------------------------------------------------


@schema.student_relations
class StudentRelationsView(RelationsAPIView):
    def get(self, request: Request) -> Response:
        query = self.parse(StatusPageQuerySerializer, request.query_params)
        page = selectors.student_relations_page(
            student=request.user,
            status=query["status"],
            cursor=query["cursor"],
            size=query["page_size"],
        )
        return Response(page.envelope([relation_for_student(row) for row in page.rows]))

    def post(self, request: Request) -> Response:
        tutor = self.parse(RelationCreateSerializer, request.data)["tutor"]

        def act() -> tuple[int, Any]:
            relation = services.relation_create(
                student=request.user, tutor=tutor, request_id=self.request_id()
            )
            return status.HTTP_201_CREATED, relation_for_student(relation)

        return self.respond(act)

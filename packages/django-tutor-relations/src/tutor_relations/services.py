"""Writes: a student asks for a relation; a tutor accepts or archives one or many.

One service, ``relations_transition``, performs every status change, of one relation or
of a batch, in a constant number of queries: one locking read (``SELECT ... FOR UPDATE``
of the named relations that belong to the tutor), one ``UPDATE`` and one ``INSERT`` of
the audit-log rows, whatever the number of ids. Each change and its log row are written
in the same transaction. The signal and the log lines follow after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from tutor_core.signals import Announcer
from tutor_relations.errors import BATCH_ITEM_ERRORS
from tutor_relations.exceptions import (
    InvalidRequest,
    RelationExists,
    RelationNotFound,
    TransitionRefused,
)
from tutor_relations.models import (
    ALLOWED_TRANSITIONS,
    RELATION_STATUS,
    UNIQUE_PAIR,
    RelationStatusLog,
    TutorStudentRelation,
)
from tutor_relations.signals import relation_status_changed

logger = logging.getLogger("tutor_relations")

Source = Literal["single", "batch"]


@dataclass(frozen=True)
class Change:
    """One committed status change."""

    relation: TutorStudentRelation
    previous_status: str
    new_status: str


@dataclass
class TransitionResult:
    """What a transition did: each requested id is in ``processed`` or in ``failed``."""

    processed: list[int] = field(default_factory=list)
    #: ``(id, code)`` pairs; the code is a key of ``errors.BATCH_ITEM_ERRORS``.
    failed: list[tuple[int, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def as_batch_response(self) -> dict[str, Any]:
        """The body of SPEC §1.2: ``{"processed": [...], "failed": [{"id", "error"}]}``."""
        return {
            "processed": self.processed,
            "failed": [{"id": pk, "error": BATCH_ITEM_ERRORS[code]} for pk, code in self.failed],
        }


def _refusal(current: str, target: str) -> str | None:
    """The code of why ``current`` cannot become ``target``, or None if it can."""
    if current == target:
        return f"already_{target}"
    if current not in ALLOWED_TRANSITIONS[target]:
        return "invalid_transition"
    return None


def _metadata(source: Source, request_id: str | None) -> dict[str, Any]:
    return {"source": source, "request_id": request_id}


_ANNOUNCE = Announcer(logger, TutorStudentRelation, "relation signal receiver failed")


def _announce(changes: list[Change], *, actor: Any, source: Source, request_id: str | None) -> None:
    """After commit: one log line and one signal per change.

    The changes are committed by then, so nothing here may turn the write into an
    error: the signal is sent robustly and each receiver that raises is logged, with the
    relation id, at error level.
    """
    if not changes:
        return

    def emit() -> None:
        for change in changes:
            relation = change.relation
            _ANNOUNCE(
                relation_status_changed,
                "relation_status_changed",
                ids={"relation_id": relation.pk},
                details={
                    "tutor_id": relation.tutor_id,
                    "student_id": relation.student_id,
                    "prev_status": change.previous_status,
                    "new_status": change.new_status,
                    "actor_id": getattr(actor, "pk", None),
                    "source": source,
                    "request_id": request_id,
                },
                relation=relation,
                previous_status=change.previous_status,
                new_status=change.new_status,
                actor=actor,
                source=source,
            )

    # robust: should logging itself fail, the committed write still answers as such.
    transaction.on_commit(emit, robust=True)


def relations_transition(
    *,
    tutor: Any,
    relation_ids: Sequence[int],
    new_status: str,
    actor: Any,
    source: Source,
    request_id: str | None = None,
) -> TransitionResult:
    """Move the tutor's relations named by ``relation_ids`` to ``new_status``.

    Every id is reported once (duplicates are dropped, order is kept), in ``processed``
    or in ``failed`` with a code: ``not_found`` (no such relation, or another tutor's),
    ``already_active``, ``already_archived`` or ``invalid_transition``.

    The rows are locked in id order, so concurrent transitions over overlapping ids
    queue instead of deadlocking; the second one sees the first one's result and
    reports those ids as failed. Queries: one locking read, and when anything changes
    one ``UPDATE`` and one ``INSERT``.
    """
    if new_status not in ALLOWED_TRANSITIONS:
        raise ValueError(f"No transition leads to {new_status!r}.")
    requested = list(dict.fromkeys(relation_ids))
    result = TransitionResult()
    with transaction.atomic():
        locked = {
            relation.pk: relation
            for relation in TutorStudentRelation.objects.select_for_update()
            .filter(tutor=tutor, pk__in=requested)
            .order_by("pk")
        }
        for pk in requested:
            relation = locked.get(pk)
            if relation is None:
                result.failed.append((pk, "not_found"))
                continue
            refusal = _refusal(relation.status, new_status)
            if refusal:
                result.failed.append((pk, refusal))
            else:
                result.processed.append(pk)
                result.changes.append(Change(relation, relation.status, new_status))
        if result.changes:
            now = timezone.now()
            TutorStudentRelation.objects.filter(pk__in=result.processed).update(
                status=new_status, modified=now
            )
            metadata = _metadata(source, request_id)
            RelationStatusLog.objects.bulk_create(
                RelationStatusLog(
                    relation=change.relation,
                    prev_status=change.previous_status,
                    new_status=new_status,
                    actor=actor,
                    timestamp=now,
                    metadata=metadata,
                )
                for change in result.changes
            )
            for change in result.changes:
                change.relation.status = new_status
                change.relation.modified = now
        _announce(result.changes, actor=actor, source=source, request_id=request_id)
    return result


def relation_transition(
    *,
    tutor: Any,
    relation_id: int,
    new_status: str,
    actor: Any,
    request_id: str | None = None,
) -> TutorStudentRelation:
    """Move one of the tutor's relations to ``new_status``, or raise why it cannot move.

    The same transition as a batch of one (``relations_transition``), with the refusal
    raised: ``RelationNotFound`` (404) or ``TransitionRefused`` (409).
    """
    result = relations_transition(
        tutor=tutor,
        relation_ids=[relation_id],
        new_status=new_status,
        actor=actor,
        source="single",
        request_id=request_id,
    )
    if result.failed:
        code = result.failed[0][1]
        raise RelationNotFound() if code == "not_found" else TransitionRefused(code)
    return result.changes[0].relation


def _is_unique_pair_violation(error: IntegrityError) -> bool:
    diagnostics = getattr(error.__cause__, "diag", None)
    if diagnostics is None:  # SQLite names no constraint: the pair is all it can be
        return "unique" in str(error).lower()
    return getattr(diagnostics, "constraint_name", None) == UNIQUE_PAIR


def relation_create(
    *, student: Any, tutor: Any, request_id: str | None = None
) -> TutorStudentRelation:
    """A ``pending`` relation of ``student`` with ``tutor``, and its first log row.

    Raises ``InvalidRequest("unavailable_tutor")`` for oneself (as the API answers for
    any tutor a student may not ask) and ``RelationExists`` when the two already have a
    relation in any status (checked first, and enforced by the unique constraint against
    concurrent requests).
    """
    if tutor.pk == student.pk:
        raise InvalidRequest("unavailable_tutor")
    with transaction.atomic():
        if TutorStudentRelation.objects.filter(tutor=tutor, student=student).exists():
            raise RelationExists()
        try:
            with transaction.atomic():
                relation = TutorStudentRelation.objects.create(
                    tutor=tutor, student=student, status=RELATION_STATUS.pending
                )
        except IntegrityError as error:
            if _is_unique_pair_violation(error):
                raise RelationExists() from error
            raise
        RelationStatusLog.objects.create(
            relation=relation,
            prev_status="",
            new_status=relation.status,
            actor=student,
            timestamp=relation.created,
            metadata=_metadata("single", request_id),
        )
        change = Change(relation, "", relation.status)
        _announce([change], actor=student, source="single", request_id=request_id)
    return relation

"""The errors the relations services raise: plain domain exceptions, each with a stable code.

They know nothing of HTTP. The API layer turns them into responses (core's
``tutor_core.api.errors``, through the base view); the admin shows ``str(error)``. Each
code, its HTTP status and its message live in one registry, ``tutor_relations.errors``.
"""

from __future__ import annotations

from tutor_core.exceptions import TutorError
from tutor_relations.errors import CODES


class RelationsError(TutorError):
    """A request the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    registry = CODES


class InvalidRequest(RelationsError):
    """The request names something that cannot be (a 400 in the API)."""


class RelationNotFound(RelationsError, code="not_found"): ...


class TransitionRefused(RelationsError):
    """The relation's status does not allow the change (``already_active``, ...)."""


class RelationExists(RelationsError, code="relation_exists"): ...


class IdempotencyKeyReused(RelationsError, code="idempotency_key_reused"): ...

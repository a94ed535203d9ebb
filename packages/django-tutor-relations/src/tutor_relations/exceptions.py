"""The errors the relations services raise: plain domain exceptions, each with a stable code.

They know nothing of HTTP. The API layer turns them into responses
(``tutor_relations.api.errors``); the admin shows ``str(error)``. Each code, its HTTP
status and its message live in one registry, ``tutor_relations.errors``.
"""

from __future__ import annotations

from typing import Any

from tutor_relations.errors import CODES


class RelationsError(Exception):
    """A request the rules refuse. ``code`` is stable; ``str(error)`` is for people."""

    code: str = ""

    def __init__(self, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        self.spec = CODES[self.code]
        super().__init__(self.spec.detail(**params))

    @property
    def attr(self) -> str | None:
        """The input field at fault, if the error is about one."""
        return self.spec.attr


class InvalidRequest(RelationsError):
    """The request names something that cannot be (a 400 in the API)."""


class RelationNotFound(RelationsError):
    code = "not_found"


class TransitionRefused(RelationsError):
    """The relation's status does not allow the change (``already_active``, ...)."""


class RelationExists(RelationsError):
    code = "relation_exists"


class IdempotencyKeyReused(RelationsError):
    code = "idempotency_key_reused"

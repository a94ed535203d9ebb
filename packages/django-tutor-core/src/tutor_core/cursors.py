"""Opaque, signed keyset cursors: where the previous page of a list ended.

A cursor is the position of the last row a page showed (its sort value(s) and id),
signed with ``django.core.signing`` together with the list it belongs to, the user it
was issued to (``None`` for a list that is the same for everyone) and the filters of
that page. Ordering by the sort value and then the id makes the position unique, so
rows with equal values are neither repeated nor skipped, and rows added meanwhile never
shift the pages that follow.

``SignedCursors.loads`` refuses, with a ``CursorError`` carrying a stable code: an
altered, malformed or over-long cursor, or one of another list (``invalid_cursor``);
one issued to someone else (``foreign_cursor``); one sent with other filters than its
page had (``stale_cursor``). A package maps the codes onto its own registry (a list
that is the same for everyone may report all three as ``invalid_cursor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing

INVALID = "invalid_cursor"
FOREIGN = "foreign_cursor"
STALE = "stale_cursor"


class CursorError(ValueError):
    """A cursor that names no position of this list for this user and these filters."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class SignedCursors:
    """The cursors of one package: ``salt`` keeps them apart from other signed values."""

    salt: str
    #: Real cursors are a few hundred characters; anything much longer is not one of ours.
    max_length: int = 1024

    def dumps(self, *, listing: str, owner: Any, filters: Any, position: list[Any]) -> str:
        """A cursor for ``position`` (JSON values: the last row's sort values and id)."""
        payload = {
            "l": listing,
            "u": None if owner is None else str(owner),
            "f": filters,
            "p": position,
        }
        return signing.dumps(payload, salt=self.salt, compress=True)

    def loads(self, cursor: str, *, listing: str, owner: Any, filters: Any) -> list[Any]:
        """The position ``cursor`` names, if it is valid for this list, owner and filters."""
        if len(cursor) > self.max_length:
            raise CursorError(INVALID)
        try:
            payload = signing.loads(cursor, salt=self.salt)
            if not isinstance(payload, dict) or payload["l"] != listing:
                raise ValueError("another list's cursor")
            position = payload["p"]
            if not isinstance(position, list):
                raise ValueError("not a position")
            cursor_owner, cursor_filters = payload["u"], payload["f"]
        except (signing.BadSignature, ValueError, TypeError, KeyError) as error:
            raise CursorError(INVALID) from error
        if cursor_owner != (None if owner is None else str(owner)):
            raise CursorError(FOREIGN)
        if cursor_filters != filters:
            raise CursorError(STALE)
        return position

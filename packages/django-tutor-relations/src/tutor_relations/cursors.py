"""Opaque, signed cursors for the newest-first lists, on core's ``SignedCursors``.

A cursor is the position of the last row a page showed — its timestamp and id — signed
together with the list it belongs to, the user it was issued to and the filters of that
page. Ordering by ``(timestamp, id)`` makes the position unique, so rows with equal
timestamps are neither repeated nor skipped, and rows inserted meanwhile (newer than the
first page) never shift the pages that follow.

Reading one back refuses, with stable codes (all 400s in the API): an altered or
malformed cursor, or one of another list (``invalid_cursor``); one issued to someone
else (``foreign_cursor``); one sent with other filters than its page had
(``stale_cursor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tutor_core.cursors import CursorError, SignedCursors
from tutor_relations.exceptions import InvalidRequest

_CURSORS = SignedCursors(salt="tutor_relations.cursor")


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: the last row's timestamp and id."""

    timestamp: datetime
    id: int


def encode(*, listing: str, user_id: Any, filters: dict[str, Any], position: Position) -> str:
    return _CURSORS.dumps(
        listing=listing,
        owner=user_id,
        filters=filters,
        position=[position.timestamp.isoformat(), position.id],
    )


def decode(cursor: str, *, listing: str, user_id: Any, filters: dict[str, Any]) -> Position:
    """The position ``cursor`` names, if it is valid for this list, user and filters."""
    try:
        position = _CURSORS.loads(cursor, listing=listing, owner=user_id, filters=filters)
    except CursorError as error:
        # Core's codes are this registry's: invalid_cursor, foreign_cursor, stale_cursor.
        raise InvalidRequest(error.code) from error
    try:
        # A validly signed position is still checked: a cursor is never a 500.
        timestamp_text, position_id = position
        timestamp = datetime.fromisoformat(timestamp_text)
        if isinstance(position_id, bool) or not isinstance(position_id, int):
            raise ValueError("not an id")
        if timestamp.tzinfo is None:
            raise ValueError("naive timestamp")
    except (ValueError, TypeError) as error:
        raise InvalidRequest("invalid_cursor") from error
    return Position(timestamp, position_id)

"""Opaque, signed cursors for the newest-first lists.

A cursor is the position of the last row a page showed — its timestamp and id — signed
with ``django.core.signing`` together with the list it belongs to, the user it was
issued to and the filters of that page. Ordering by ``(timestamp, id)`` makes the
position unique, so rows with equal timestamps are neither repeated nor skipped, and
rows inserted meanwhile (newer than the first page) never shift the pages that follow.

Reading one back refuses, with stable codes (all 400s in the API): an altered or
malformed cursor, or one of another list (``invalid_cursor``); one issued to someone
else (``foreign_cursor``); one sent with other filters than its page had
(``stale_cursor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing

from tutor_relations.exceptions import InvalidRequest

_SALT = "tutor_relations.cursor"
# Real cursors are about 150 characters; anything much longer is not one of ours.
_MAX_LENGTH = 1024


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: the last row's timestamp and id."""

    timestamp: datetime
    id: int


def encode(*, listing: str, user_id: Any, filters: dict[str, Any], position: Position) -> str:
    payload = {
        "l": listing,
        "u": str(user_id),
        "f": filters,
        "t": position.timestamp.isoformat(),
        "i": position.id,
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def decode(cursor: str, *, listing: str, user_id: Any, filters: dict[str, Any]) -> Position:
    """The position ``cursor`` names, if it is valid for this list, user and filters."""
    if len(cursor) > _MAX_LENGTH:
        raise InvalidRequest("invalid_cursor")
    try:
        payload = signing.loads(cursor, salt=_SALT)
        if payload["l"] != listing:
            raise ValueError("another list's cursor")
        timestamp = datetime.fromisoformat(payload["t"])
        position_id = payload["i"]
        if isinstance(position_id, bool) or not isinstance(position_id, int):
            raise ValueError("not an id")
        if timestamp.tzinfo is None:
            raise ValueError("naive timestamp")
        owner, cursor_filters = payload["u"], payload["f"]
    except (signing.BadSignature, ValueError, TypeError, KeyError) as error:
        raise InvalidRequest("invalid_cursor") from error
    if owner != str(user_id):
        raise InvalidRequest("foreign_cursor")
    if cursor_filters != filters:
        raise InvalidRequest("stale_cursor")
    return Position(timestamp, position_id)
